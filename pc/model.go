package pc

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/tensor"
)

// PrecisionKind says how a node's precision Π = Σ⁻¹ is parameterised.
type PrecisionKind int

const (
	// PrecFixed is a fixed scalar precision Π = p·I (p = Node.FixedPrec, 1 when zero).
	PrecFixed PrecisionKind = iota
	// PrecScalar is a learned scalar precision Π = p·I.
	PrecScalar
	// PrecDiag is a learned diagonal precision Π = diag(p).
	PrecDiag
)

var precNames = [...]string{"fixed", "scalar", "diag"}

// String returns "fixed", "scalar" or "diag".
func (k PrecisionKind) String() string {
	if k < 0 || int(k) >= len(precNames) {
		return fmt.Sprintf("PrecisionKind(%d)", int(k))
	}
	return precNames[k]
}

// MarshalText implements encoding.TextMarshaler.
func (k PrecisionKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *PrecisionKind) UnmarshalText(b []byte) error {
	for i, n := range precNames {
		if n == string(b) {
			*k = PrecisionKind(i)
			return nil
		}
	}
	return fmt.Errorf("pc: unknown precision kind %q (want fixed, scalar or diag)", b)
}

// PriorKind says what prior p(s^n) a root node (one without parents) has.
type PriorKind int

const (
	// PriorNone drops the root's term: an improper flat prior. Used for a
	// node that is always clamped (the input in discriminative mode), whose
	// prior term would be a constant in z.
	PriorNone PriorKind = iota
	// PriorFixed is N(μ̂, Σ̂) with μ̂ = 0 fixed and Σ̂ given by the node's
	// precision settings.
	PriorFixed
	// PriorLearned is N(μ̂, Σ̂) with μ̂ learned (and Σ̂ learned when the
	// node's precision is).
	PriorLearned
)

var priorNames = [...]string{"none", "fixed", "learned"}

// String returns "none", "fixed" or "learned".
func (k PriorKind) String() string {
	if k < 0 || int(k) >= len(priorNames) {
		return fmt.Sprintf("PriorKind(%d)", int(k))
	}
	return priorNames[k]
}

// MarshalText implements encoding.TextMarshaler.
func (k PriorKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *PriorKind) UnmarshalText(b []byte) error {
	for i, n := range priorNames {
		if n == string(b) {
			*k = PriorKind(i)
			return nil
		}
	}
	return fmt.Errorf("pc: unknown prior kind %q (want none, fixed or learned)", b)
}

// Node is one latent or observed variable s^n of width Dim. Its energy term
// is the Gaussian −log N(z_n; μ_n, Π_n⁻¹), where μ_n is the sum of its
// incoming edges' predictions, or the prior mean μ̂ for a root.
type Node struct {
	Name string
	Dim  int

	Prec      PrecisionKind
	FixedPrec float32   // precision for PrecFixed and the initial value of learned ones; 0 means 1
	P         *nn.Param // learned precision, 1×1 (scalar) or 1×Dim (diag); nil when fixed

	Prior   PriorKind // roots only; ignored for nodes with parents
	PriorMu *nn.Param // μ̂, 1×Dim; nil unless Prior is PriorLearned (PriorFixed uses 0)

	pi []float32 // Π's diagonal (length Dim), refreshed from P
}

// Edge is a prediction from parent node From to child node To:
// μ_To += Fn(z_From). Fn maps B×Dim(From) to B×Dim(To).
type Edge struct {
	From, To int
	Fn       nn.Layer
}

// Model is a Gaussian generative model over a DAG of nodes with point-mass
// posteriors, the seed's predictive-coding network. Build one with NewChain
// or New, then use NewState, Init, Infer and Learn.
type Model struct {
	Nodes []*Node
	Edges []*Edge
	// PrecFloor is the smallest value a learned precision may take after
	// Project (default 1e-3 when zero); it keeps Π positive.
	PrecFloor float32
	// PrecCeil is the largest value a learned precision may take (default
	// 1e4 when zero), so a node that is fitted exactly cannot blow up F.
	PrecCeil float32

	in, out [][]int // incoming / outgoing edge indices per node
	topo    []int   // node order with every parent before its children
	params  []nn.NamedParam
}

// New validates the graph and returns a model. Edges must form a DAG over
// valid node indices, and each edge's Fn must map the right widths (checked
// by a zero-batch forward when Fn implements nn.OutDimer). It returns an
// error describing the first problem found.
func New(nodes []*Node, edges []*Edge) (*Model, error) {
	m := &Model{Nodes: nodes, Edges: edges}
	n := len(nodes)
	if n == 0 {
		return nil, fmt.Errorf("pc: model has no nodes")
	}
	m.in = make([][]int, n)
	m.out = make([][]int, n)
	for i, nd := range nodes {
		if nd == nil || nd.Dim <= 0 {
			return nil, fmt.Errorf("pc: node %d has no positive width", i)
		}
		if nd.FixedPrec == 0 {
			nd.FixedPrec = 1
		}
		if nd.FixedPrec < 0 {
			return nil, fmt.Errorf("pc: node %d: precision %v is not positive", i, nd.FixedPrec)
		}
		if nd.Name == "" {
			nd.Name = fmt.Sprintf("s%d", i)
		}
		switch nd.Prec {
		case PrecFixed:
			nd.P = nil
		case PrecScalar:
			if nd.P == nil {
				nd.P = nn.NewParam("precision", 1, 1)
				nd.P.Val.Fill(nd.FixedPrec)
			}
		case PrecDiag:
			if nd.P == nil {
				nd.P = nn.NewParam("precision", 1, nd.Dim)
				nd.P.Val.Fill(nd.FixedPrec)
			}
		default:
			return nil, fmt.Errorf("pc: node %d: unknown precision kind %d", i, nd.Prec)
		}
		nd.pi = make([]float32, nd.Dim)
	}
	for k, e := range edges {
		if e.From < 0 || e.From >= n || e.To < 0 || e.To >= n || e.From == e.To {
			return nil, fmt.Errorf("pc: edge %d (%d→%d) names an invalid node", k, e.From, e.To)
		}
		if od, ok := e.Fn.(nn.OutDimer); ok && od.OutDim() != nodes[e.To].Dim {
			return nil, fmt.Errorf("pc: edge %d (%d→%d) outputs width %d, node %d has width %d", k, e.From, e.To, od.OutDim(), e.To, nodes[e.To].Dim)
		}
		m.in[e.To] = append(m.in[e.To], k)
		m.out[e.From] = append(m.out[e.From], k)
	}
	// Kahn's algorithm: parents before children.
	indeg := make([]int, n)
	for _, e := range edges {
		indeg[e.To]++
	}
	var queue []int
	for i := range n {
		if indeg[i] == 0 {
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		m.topo = append(m.topo, v)
		for _, k := range m.out[v] {
			c := edges[k].To
			if indeg[c]--; indeg[c] == 0 {
				queue = append(queue, c)
			}
		}
	}
	if len(m.topo) != n {
		return nil, fmt.Errorf("pc: the edges contain a cycle")
	}
	for i, nd := range nodes {
		if len(m.in[i]) == 0 && nd.Prior == PriorLearned && nd.PriorMu == nil {
			nd.PriorMu = nn.NewParam("prior_mean", 1, nd.Dim)
		}
	}
	m.refreshPrecisions()
	m.params = m.namedParams()
	return m, nil
}

// ChainConfig describes the seed's hierarchical chain s^0 ← s^1 ← … ← s^L.
type ChainConfig struct {
	// Dims are the widths of s^0 … s^L (s^0 is the bottom node the chain
	// predicts; s^L the top). At least two.
	Dims []int
	// Acts are the activations f in μ_l(s^l) = W_l f(s^l) + b_l for
	// l = 1 … L (len(Dims)−1 values); Acts[l-1] applies to s^l.
	Acts []tensor.Act
	// Prec is the precision kind of every node; FixedPrec its (initial)
	// value, 0 meaning 1.
	Prec      PrecisionKind
	FixedPrec float32
	// TopPrior is the prior on s^L.
	TopPrior PriorKind
	// Init initialises each edge's W and b (nn.Init; the zero value is
	// PyTorch's default nn.Linear initialisation).
	Init nn.Init
}

// NewChain returns the seed's chain model with Dense edges s^l → s^{l−1}
// initialised from rng. It panics if rng is nil.
func NewChain(rng *rand.Rand, cfg ChainConfig) (*Model, error) {
	if rng == nil {
		panic("pc: NewChain with nil rng")
	}
	L := len(cfg.Dims) - 1
	if L < 1 {
		return nil, fmt.Errorf("pc: a chain needs at least two node widths, got %v", cfg.Dims)
	}
	if len(cfg.Acts) != L {
		return nil, fmt.Errorf("pc: a chain of %d nodes needs %d activations, got %d", L+1, L, len(cfg.Acts))
	}
	nodes := make([]*Node, L+1)
	for l, d := range cfg.Dims {
		nodes[l] = &Node{Name: fmt.Sprintf("s%d", l), Dim: d, Prec: cfg.Prec, FixedPrec: cfg.FixedPrec}
	}
	nodes[L].Prior = cfg.TopPrior
	edges := make([]*Edge, L)
	for l := 1; l <= L; l++ {
		d := NewDense(cfg.Dims[l], cfg.Dims[l-1], cfg.Acts[l-1])
		// The gain belongs to the activation that consumes this layer's
		// output, f of the child node (identity for s^0).
		next := tensor.Identity
		if l >= 2 {
			next = cfg.Acts[l-2]
		}
		cfg.Init.Apply(rng, d.Lin, cfg.Init.Gain(next, l == 1))
		edges[l-1] = &Edge{From: l, To: l - 1, Fn: d}
	}
	return New(nodes, edges)
}

// HasTerm reports whether node n contributes an energy term (it has parents
// or a proper prior).
func (m *Model) HasTerm(n int) bool {
	return len(m.in[n]) > 0 || m.Nodes[n].Prior != PriorNone
}

// Parents returns the indices of the edges into node n (do not modify).
func (m *Model) Parents(n int) []int { return m.in[n] }

// Children returns the indices of the edges out of node n (do not modify).
func (m *Model) Children(n int) []int { return m.out[n] }

// Topo returns the nodes in an order with parents before children.
func (m *Model) Topo() []int { return m.topo }

// Params returns every learnable parameter with its checkpoint name:
// "edges.K.NAME" for edge K's parameters (for a Dense edge, "weight" W and
// "bias" b), "nodes.N.precision" and "nodes.N.prior_mean".
func (m *Model) Params() []nn.NamedParam { return m.params }

func (m *Model) namedParams() []nn.NamedParam {
	var ps []nn.NamedParam
	for k, e := range m.Edges {
		ps = append(ps, nn.NamedParams(fmt.Sprintf("edges.%d", k), e.Fn)...)
	}
	for i, nd := range m.Nodes {
		if nd.P != nil {
			ps = append(ps, nn.NamedParam{Name: fmt.Sprintf("nodes.%d.precision", i), Param: nd.P})
		}
		if nd.PriorMu != nil && len(m.in[i]) == 0 {
			ps = append(ps, nn.NamedParam{Name: fmt.Sprintf("nodes.%d.prior_mean", i), Param: nd.PriorMu})
		}
	}
	return ps
}

// ParamList returns the learnable parameters (as Params, without names).
func (m *Model) ParamList() []*nn.Param {
	nps := m.Params()
	ps := make([]*nn.Param, len(nps))
	for i, np := range nps {
		ps[i] = np.Param
	}
	return ps
}

// Project clamps learned precisions into [PrecFloor, PrecCeil] and refreshes
// the cached precisions. Call it after every optimiser step that touches
// them (Trainer does).
func (m *Model) Project() {
	lo, hi := m.floorCeil()
	for _, nd := range m.Nodes {
		if nd.P == nil {
			continue
		}
		for i, v := range nd.P.Val.Data {
			if !(v >= lo) { // also catches NaN
				v = lo
			}
			nd.P.Val.Data[i] = min(v, hi)
		}
	}
	m.refreshPrecisions()
}

func (m *Model) floorCeil() (float32, float32) {
	lo, hi := m.PrecFloor, m.PrecCeil
	if lo == 0 {
		lo = 1e-3
	}
	if hi == 0 {
		hi = 1e4
	}
	return lo, hi
}

func (m *Model) refreshPrecisions() {
	for _, nd := range m.Nodes {
		switch nd.Prec {
		case PrecFixed:
			for i := range nd.pi {
				nd.pi[i] = nd.FixedPrec
			}
		case PrecScalar:
			for i := range nd.pi {
				nd.pi[i] = nd.P.Val.Data[0]
			}
		case PrecDiag:
			copy(nd.pi, nd.P.Val.Data)
		}
	}
}

// Precision returns node n's precision diagonal Π_n (length Dim; do not
// modify).
func (m *Model) Precision(n int) []float32 { return m.Nodes[n].pi }

// logDetTerm returns ½ log|2πΣ_n| = ½ Σ_i (log 2π − log π_i).
func (m *Model) logDetTerm(n int) float64 {
	var s float64
	for _, p := range m.Nodes[n].pi {
		s += math.Log(2*math.Pi) - math.Log(float64(p))
	}
	return 0.5 * s
}
