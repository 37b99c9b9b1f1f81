package agent

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/tensor"
)

// PrecisionMode says how a node's precision Π = Σ⁻¹ (diagonal) is set.
type PrecisionMode int

const (
	// PrecFixed is a fixed precision exp(LogPrecInit)·I.
	PrecFixed PrecisionMode = iota
	// PrecLearned is a learned constant diagonal log-precision per node.
	PrecLearned
	// PrecState is a state-dependent diagonal log-precision: a second
	// network head on the node's inputs. The information-seeking reward
	// needs it (with the other modes H[p(s'|s,a)] does not depend on s, a).
	PrecState
)

var precModeNames = [...]string{"fixed", "learned", "state"}

// String returns "fixed", "learned" or "state".
func (p PrecisionMode) String() string {
	if p < 0 || int(p) >= len(precModeNames) {
		return fmt.Sprintf("PrecisionMode(%d)", int(p))
	}
	return precModeNames[p]
}

// MarshalText implements encoding.TextMarshaler.
func (p PrecisionMode) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *PrecisionMode) UnmarshalText(b []byte) error {
	for i, n := range precModeNames {
		if n == string(b) {
			*p = PrecisionMode(i)
			return nil
		}
	}
	return fmt.Errorf("agent: unknown precision mode %q (want fixed, learned or state)", b)
}

// WorldConfig defines the latent world model.
type WorldConfig struct {
	// Latent are the widths of the latent nodes s^1 … s^N (default 32, 16).
	Latent []int `json:"latent"`
	// Parents[n−1] lists P(n), the latent parents of s^n at the same time
	// step (1-based node numbers). Nil means the chain P(n) = {n+1}:
	// x ← s^1 ← s^2 ← … ← s^N.
	Parents [][]int `json:"parents,omitempty"`
	// ObsParents is P(0), the latent parents of the observation (nil: {1}).
	ObsParents []int `json:"obs_parents,omitempty"`
	// Hidden is the hidden width of every mean and precision network
	// (default 64); Act their hidden activation (default tanh).
	Hidden int        `json:"hidden"`
	Act    tensor.Act `json:"act"`
	// Prec is the transition precision mode and ObsPrec the observation's
	// (defaults: fixed). LogPrecInit is the fixed (or initial) log-precision
	// (0: Π = I); learned and state-dependent log-precisions are clamped to
	// [LogPrecMin, LogPrecMax] (defaults −5, 5).
	Prec        PrecisionMode `json:"prec"`
	ObsPrec     PrecisionMode `json:"obs_prec"`
	LogPrecInit float32       `json:"log_prec_init"`
	LogPrecMin  float32       `json:"log_prec_min"`
	LogPrecMax  float32       `json:"log_prec_max"`
	// T is the number of inference iterations per time step (the E-step,
	// default 20) and Eta its step size η (default 0.1).
	T   int     `json:"T"`
	Eta float32 `json:"eta"`
}

// DefaultWorldConfig returns a chain of two latent nodes (32, 16), 64 hidden
// units, tanh, fixed unit precisions, T = 20, η = 0.1.
func DefaultWorldConfig() WorldConfig {
	return WorldConfig{Latent: []int{32, 16}, Hidden: 64, Act: tensor.Tanh, LogPrecMin: -5, LogPrecMax: 5, T: 20, Eta: 0.1}
}

// Validate reports the first invalid setting.
func (c WorldConfig) Validate() error {
	if len(c.Latent) == 0 {
		return fmt.Errorf("agent: the world model needs at least one latent node")
	}
	for _, d := range c.Latent {
		if d <= 0 {
			return fmt.Errorf("agent: latent widths must be positive, got %v", c.Latent)
		}
	}
	if c.Hidden <= 0 {
		return fmt.Errorf("agent: hidden width %d must be positive", c.Hidden)
	}
	if c.T < 0 || !(c.Eta > 0) {
		return fmt.Errorf("agent: inference needs T ≥ 0 and η > 0, got T=%d η=%v", c.T, c.Eta)
	}
	if !(c.LogPrecMin < c.LogPrecMax) {
		return fmt.Errorf("agent: log_prec_min %v must be below log_prec_max %v", c.LogPrecMin, c.LogPrecMax)
	}
	if c.Parents != nil && len(c.Parents) != len(c.Latent) {
		return fmt.Errorf("agent: parents lists %d nodes, latent has %d", len(c.Parents), len(c.Latent))
	}
	return nil
}

// World is the seed's latent world model over time:
//
//	p(s^n_t | s^{P(n)}_t, s^n_{t−1}, a_{t−1}) = N(μ_n(·), Π_n(·)⁻¹),  n = 1 … N
//	p(x_t | s^{P(0)}_t)                        = N(g(·), Π_0(·)⁻¹)
//
// Node 0 is the observation x; nodes 1 … N are latent. Each μ_n is an MLP
// on the concatenation of its inputs [z^{P(n)}_t, z^n_{t−1}, a_{t−1}] (in
// that order; the observation's inputs are [z^{P(0)}_t]).
type World struct {
	Cfg    WorldConfig
	ObsDim int
	ActDim int // width of the action input (one-hot for Discrete)

	dims     []int            // dims[0] = ObsDim, dims[n] = Latent[n−1]
	parents  [][]int          // parents[n] = P(n) (1-based latent numbers)
	children [][]int          // children[n] = nodes whose input holds z^n_t
	offset   [][]int          // offset[c][k] = column of parents[c][k] in c's input
	inDim    []int            // input width of node n's networks
	topo     []int            // latent nodes, parents first
	Mu       []*nn.Sequential // mean networks, index 0 … N
	PrecNet  []*nn.Sequential // state-dependent log-precision heads (nil otherwise)
	LogPrec  []*nn.Param      // learned constant log-precisions, 1×dims[n] (nil otherwise)
	params   []nn.NamedParam
}

// NewWorld builds the world model for observations of width obsDim and
// action inputs of width actDim, initialising every network from rng.
func NewWorld(cfg WorldConfig, obsDim, actDim int, rng *rand.Rand) (*World, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if rng == nil {
		panic("agent: NewWorld with nil rng")
	}
	N := len(cfg.Latent)
	w := &World{Cfg: cfg, ObsDim: obsDim, ActDim: actDim}
	w.dims = append([]int{obsDim}, cfg.Latent...)
	w.parents = make([][]int, N+1)
	if cfg.ObsParents != nil {
		w.parents[0] = append([]int(nil), cfg.ObsParents...)
	} else {
		w.parents[0] = []int{1}
	}
	for n := 1; n <= N; n++ {
		switch {
		case cfg.Parents != nil:
			w.parents[n] = append([]int(nil), cfg.Parents[n-1]...)
		case n < N:
			w.parents[n] = []int{n + 1}
		}
	}
	w.children = make([][]int, N+1)
	w.offset = make([][]int, N+1)
	w.inDim = make([]int, N+1)
	for c := 0; c <= N; c++ {
		off := 0
		for _, p := range w.parents[c] {
			if p < 1 || p > N || p == c {
				return nil, fmt.Errorf("agent: node %d lists an invalid parent %d", c, p)
			}
			w.children[p] = append(w.children[p], c)
			w.offset[c] = append(w.offset[c], off)
			off += w.dims[p]
		}
		if c > 0 {
			off += w.dims[c] + actDim // z^c_{t−1}, a_{t−1}
		}
		w.inDim[c] = off
		if off == 0 {
			return nil, fmt.Errorf("agent: the observation needs at least one latent parent")
		}
	}
	// Topological order of the latent nodes (parents first).
	indeg := make([]int, N+1)
	for c := 1; c <= N; c++ {
		indeg[c] = len(w.parents[c])
	}
	var queue []int
	for c := 1; c <= N; c++ {
		if indeg[c] == 0 {
			queue = append(queue, c)
		}
	}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		w.topo = append(w.topo, v)
		for _, c := range w.children[v] {
			if c == 0 {
				continue
			}
			if indeg[c]--; indeg[c] == 0 {
				queue = append(queue, c)
			}
		}
	}
	if len(w.topo) != N {
		return nil, fmt.Errorf("agent: the latent parents contain a cycle")
	}
	w.Mu = make([]*nn.Sequential, N+1)
	w.PrecNet = make([]*nn.Sequential, N+1)
	w.LogPrec = make([]*nn.Param, N+1)
	for n := 0; n <= N; n++ {
		w.Mu[n] = nn.NewMLP(rng, []int{w.inDim[n], cfg.Hidden, w.dims[n]}, cfg.Act, tensor.Identity, nn.InitXavierUniform)
		w.params = append(w.params, nn.NamedParams(fmt.Sprintf("world.mu.%d", n), w.Mu[n])...)
		mode := cfg.Prec
		if n == 0 {
			mode = cfg.ObsPrec
		}
		switch mode {
		case PrecLearned:
			p := nn.NewParam("log_precision", 1, w.dims[n])
			p.Val.Fill(cfg.LogPrecInit)
			w.LogPrec[n] = p
			w.params = append(w.params, nn.NamedParam{Name: fmt.Sprintf("world.log_precision.%d", n), Param: p})
		case PrecState:
			net := nn.NewMLP(rng, []int{w.inDim[n], cfg.Hidden, w.dims[n]}, cfg.Act, tensor.Identity, nn.InitXavierUniform)
			// Start near the initial log-precision: small last layer, bias at the init.
			last := net.Linears()[len(net.Linears())-1]
			tensor.Scale(last.W.Val, 0.01, last.W.Val)
			last.B.Val.Fill(cfg.LogPrecInit)
			w.PrecNet[n] = net
			w.params = append(w.params, nn.NamedParams(fmt.Sprintf("world.log_precision_net.%d", n), net)...)
		}
	}
	return w, nil
}

// N returns the number of latent nodes.
func (w *World) N() int { return len(w.dims) - 1 }

// Dim returns the width of node n (0: the observation).
func (w *World) Dim(n int) int { return w.dims[n] }

// StateDim returns the total latent width Σ_n dim(s^n), the width of the
// inferred state the policy reads.
func (w *World) StateDim() int {
	s := 0
	for _, d := range w.dims[1:] {
		s += d
	}
	return s
}

// Params returns every parameter with its checkpoint name.
func (w *World) Params() []nn.NamedParam { return w.params }

// Filter holds one batch of per-time-step inference: the context
// (z_{t−1}, a_{t−1}), the observation x_t, the free latents z_t and every
// buffer the E- and M-steps need. Reuse it across steps: nothing is
// allocated after the first step at a given batch size.
type Filter struct {
	w *World
	B int

	X    *tensor.Mat   // x_t, B×ObsDim (clamped)
	Prev []*tensor.Mat // z^n_{t−1}, index 1 … N (clamped context)
	A    *tensor.Mat   // a_{t−1} input, B×ActDim (clamped context)
	Z    []*tensor.Mat // z^n_t, index 1 … N (free)

	in, mu, lp, raw, eps, pe []*tensor.Mat
	din, dinP, dlp, grad     []*tensor.Mat
	prevZ                    []*tensor.Mat
	piRow                    [][]float32 // per node: Π's diagonal when it does not depend on the row
	fresh                    []bool
	nodeE                    []float64
	rowE, prevRowE           []float64 // per-row energies (current, before the last step)
	rowEta                   []float32 // per-row step sizes (backtracking)
	lastF                    float64
	// NoObs drops the observation term (prediction without x_t).
	NoObs bool
}

// NewFilter returns a Filter for batches of b rows, with zero context.
func (w *World) NewFilter(b int) *Filter {
	N := w.N()
	f := &Filter{w: w, nodeE: make([]float64, N+1), fresh: make([]bool, N+1)}
	mk := func() []*tensor.Mat { return make([]*tensor.Mat, N+1) }
	f.Prev, f.Z, f.in, f.mu, f.lp, f.raw, f.eps, f.pe, f.din, f.dlp, f.grad = mk(), mk(), mk(), mk(), mk(), mk(), mk(), mk(), mk(), mk(), mk()
	f.dinP, f.prevZ = mk(), mk()
	f.piRow = make([][]float32, N+1)
	f.X = tensor.New(0, w.ObsDim)
	f.A = tensor.New(0, w.ActDim)
	for n := 0; n <= N; n++ {
		f.Prev[n] = tensor.New(0, w.dims[n])
		f.Z[n] = tensor.New(0, w.dims[n])
		f.in[n] = tensor.New(0, w.inDim[n])
		f.din[n] = tensor.New(0, w.inDim[n])
		f.dinP[n] = tensor.New(0, w.inDim[n])
		f.prevZ[n] = tensor.New(0, w.dims[n])
		f.piRow[n] = make([]float32, w.dims[n])
		for _, p := range [][]*tensor.Mat{f.mu, f.lp, f.raw, f.eps, f.pe, f.dlp, f.grad} {
			p[n] = tensor.New(0, w.dims[n])
		}
	}
	f.Resize(b)
	return f
}

// Resize sets the batch size (contents become unspecified).
func (f *Filter) Resize(b int) {
	f.B = b
	if cap(f.rowE) < b {
		f.rowE, f.prevRowE, f.rowEta = make([]float64, b), make([]float64, b), make([]float32, b)
	}
	f.rowE, f.prevRowE, f.rowEta = f.rowE[:b], f.prevRowE[:b], f.rowEta[:b]
	f.X.Resize(b, f.X.Cols)
	f.A.Resize(b, f.A.Cols)
	for n := range f.Z {
		for _, p := range [][]*tensor.Mat{f.Prev, f.Z, f.prevZ, f.in, f.din, f.dinP, f.mu, f.lp, f.raw, f.eps, f.pe, f.dlp, f.grad} {
			p[n].Resize(b, p[n].Cols)
		}
		f.fresh[n] = false
	}
}

// gather writes node n's network input [z^{P(n)}_t, z^n_{t−1}, a_{t−1}].
func (f *Filter) gather(n int) {
	w := f.w
	in := f.in[n]
	c := in.Cols
	for b := 0; b < f.B; b++ {
		row := in.Data[b*c : (b+1)*c]
		off := 0
		for _, p := range w.parents[n] {
			d := w.dims[p]
			copy(row[off:off+d], f.Z[p].Data[b*d:(b+1)*d])
			off += d
		}
		if n > 0 {
			d := w.dims[n]
			copy(row[off:off+d], f.Prev[n].Data[b*d:(b+1)*d])
			off += d
			copy(row[off:], f.A.Data[b*w.ActDim:(b+1)*w.ActDim])
		}
	}
}

// forward computes μ_n and the log-precision of node n at the current z.
// A node without latent parents depends on the context only: its
// prediction is computed once per Init.
func (f *Filter) forward(n int) {
	w := f.w
	if f.fresh[n] && len(w.parents[n]) == 0 {
		return
	}
	f.gather(n)
	w.Mu[n].Forward(f.mu[n], f.in[n])
	lp, raw := f.lp[n], f.raw[n]
	lo, hi := w.Cfg.LogPrecMin, w.Cfg.LogPrecMax
	switch {
	case w.PrecNet[n] != nil:
		w.PrecNet[n].Forward(raw, f.in[n])
		for i, v := range raw.Data {
			lp.Data[i] = min(max(v, lo), hi)
		}
	case w.LogPrec[n] != nil:
		d := w.dims[n]
		for b := 0; b < f.B; b++ {
			for i, v := range w.LogPrec[n].Val.Data {
				lp.Data[b*d+i] = min(max(v, lo), hi)
				raw.Data[b*d+i] = v
			}
		}
	default:
		lp.Fill(w.Cfg.LogPrecInit)
		raw.Fill(w.Cfg.LogPrecInit)
	}
	f.fresh[n] = true
}

var halfLog2Pi = 0.5 * math.Log(2*math.Pi)

// evaluate computes every node's error, Π·ε and energy at the current z and
// returns the total (batch sum).
func (f *Filter) evaluate() float64 {
	w := f.w
	clear(f.rowE)
	var total float64
	for n := 0; n <= w.N(); n++ {
		f.nodeE[n] = 0
		if n == 0 && f.NoObs {
			continue
		}
		f.forward(n)
		target := f.X
		if n > 0 {
			target = f.Z[n]
		}
		d := w.dims[n]
		z, mu, lp, eps, pe := target.Data, f.mu[n].Data, f.lp[n].Data, f.eps[n].Data, f.pe[n].Data
		var e float64
		if w.PrecNet[n] == nil {
			// Row-independent precision: exponentiate one row's log-precisions.
			pis := f.piRow[n]
			var logDet float64
			for i := 0; i < d; i++ {
				pis[i] = float32(math.Exp(float64(lp[i])))
				logDet += -0.5*float64(lp[i]) + halfLog2Pi
			}
			for b := 0; b < f.B; b++ {
				var q float32
				for i := 0; i < d; i++ {
					k := b*d + i
					diff := z[k] - mu[k]
					eps[k] = diff
					pe[k] = pis[i] * diff
					q += pe[k] * diff
				}
				eb := 0.5*float64(q) + logDet
				f.rowE[b] += eb
				e += eb
			}
		} else {
			for b := 0; b < f.B; b++ {
				var eb float64
				for i := b * d; i < (b+1)*d; i++ {
					diff := z[i] - mu[i]
					eps[i] = diff
					pi := float32(math.Exp(float64(lp[i])))
					pe[i] = pi * diff
					eb += 0.5*float64(pe[i]*diff) - 0.5*float64(lp[i]) + halfLog2Pi
				}
				f.rowE[b] += eb
				e += eb
			}
		}
		f.nodeE[n] = e
		total += e
	}
	f.lastF = total
	return total
}

// inputGrads computes, for node c, ∂F_c/∂(its input) into din[c]:
// −J_μᵀ Π ε through the mean and J_lpᵀ (½ Π ε² − ½) through a
// state-dependent log-precision (zero where the log-precision is clamped).
func (f *Filter) inputGrads(c int) {
	w := f.w
	neg := f.grad[c] // scratch, node c's own z-gradient is rebuilt after
	tensor.Scale(neg, -1, f.pe[c])
	w.Mu[c].BackwardInput(f.din[c], neg)
	if w.PrecNet[c] != nil {
		f.precGrad(c)
		tensor.AddScaled(f.din[c], 1, w.PrecNet[c].BackwardInput(f.dinP[c], f.dlp[c]))
	}
}

// precGrad writes ∂F/∂(raw log-precision) = ½ Π ε² − ½ (0 where clamped).
func (f *Filter) precGrad(n int) {
	lo, hi := f.w.Cfg.LogPrecMin, f.w.Cfg.LogPrecMax
	raw, pe, eps, d := f.raw[n].Data, f.pe[n].Data, f.eps[n].Data, f.dlp[n].Data
	for i := range d {
		if raw[i] <= lo || raw[i] >= hi {
			d[i] = 0
			continue
		}
		d[i] = 0.5*pe[i]*eps[i] - 0.5
	}
}

// gradients writes ∂F/∂z^n_t for every latent node.
func (f *Filter) gradients() {
	w := f.w
	N := w.N()
	for c := 0; c <= N; c++ {
		if (c == 0 && f.NoObs) || len(w.parents[c]) == 0 {
			continue
		}
		f.inputGrads(c)
	}
	f.assemble()
}

// assemble writes ∂F/∂z^n_t for every latent node from its own Π·ε and the
// input gradients din[c] of its children (computed by inputGrads).
func (f *Filter) assemble() {
	w := f.w
	for n := 1; n <= w.N(); n++ {
		g := f.grad[n]
		g.CopyFrom(f.pe[n])
		d := w.dims[n]
		for _, c := range w.children[n] {
			if c == 0 && f.NoObs {
				continue
			}
			k := indexOf(w.parents[c], n)
			off, cols := w.offset[c][k], w.inDim[c]
			din := f.din[c].Data
			for b := 0; b < f.B; b++ {
				gr := g.Data[b*d : (b+1)*d]
				src := din[b*cols+off : b*cols+off+d]
				for i := range gr {
					gr[i] += src[i]
				}
			}
		}
	}
}

// gradientsPrev is gradients, and also writes ∂F/∂z^n_{t−1} — the
// gradient of this step's energy with respect to its context Prev[n] — into
// prev[n] (B×dims[n]) for every latent node n. Smoothing needs it: there
// z_{t−1} is free too.
func (f *Filter) gradientsPrev(prev []*tensor.Mat) {
	w := f.w
	if !f.NoObs && len(w.parents[0]) > 0 {
		f.inputGrads(0)
	}
	for n := 1; n <= w.N(); n++ {
		f.inputGrads(n) // node n's input is [z^{P(n)}_t, z^n_{t−1}, a_{t−1}]
		off := 0
		for _, p := range w.parents[n] {
			off += w.dims[p]
		}
		d, cols := w.dims[n], w.inDim[n]
		for b := 0; b < f.B; b++ {
			copy(prev[n].Data[b*d:(b+1)*d], f.din[n].Data[b*cols+off:b*cols+off+d])
		}
	}
	f.assemble() // every node's input gradient is computed once; grads are rebuilt (inputGrads used them as scratch)
}

// stateOffset is the column of node n's block in the concatenated state
// [z^1, …, z^N].
func (w *World) stateOffset(n int) int {
	off := 0
	for k := 1; k < n; k++ {
		off += w.dims[k]
	}
	return off
}

func indexOf(xs []int, v int) int {
	for i, x := range xs {
		if x == v {
			return i
		}
	}
	return -1
}

// Init starts a time step: the caller has set X, Prev and A. The latents
// start at the transition prediction, in topological order (so each node
// starts with zero transition error), unless keep is set (an amortised
// network wrote them).
func (f *Filter) Init(keep bool) {
	for n := range f.fresh {
		f.fresh[n] = false
	}
	for b := range f.rowEta {
		f.rowEta[b] = 0
	}
	if !keep {
		for _, n := range f.w.topo {
			f.forward(n)
			f.Z[n].CopyFrom(f.mu[n])
		}
	}
	f.evaluate()
}

// Infer runs up to T gradient steps of size η on the latents (the E-step on
// the time-t terms (a) + (b) of F_t) and leaves the errors evaluated at the
// final z. Each row (sample) backtracks on its own: a step that raises the
// row's energy is undone and that row's step size halved, so F never rises
// and a too-large η (precisions can be learned) cannot diverge. It returns
// the iterations run and an error if the energy became non-finite.
func (f *Filter) Infer(T int, eta float32) (int, error) {
	for b := range f.rowEta {
		if f.rowEta[b] == 0 {
			f.rowEta[b] = eta
		}
	}
	N := f.w.N()
	for it := 0; it < T; it++ {
		if math.IsNaN(f.lastF) || math.IsInf(f.lastF, 0) {
			return it, fmt.Errorf("agent: world-model energy diverged to %v at inference step %d", f.lastF, it)
		}
		f.gradients()
		copy(f.prevRowE, f.rowE)
		for n := 1; n <= N; n++ {
			f.prevZ[n].CopyFrom(f.Z[n])
			d := f.w.dims[n]
			z, g := f.Z[n].Data, f.grad[n].Data
			for b := 0; b < f.B; b++ {
				e := f.rowEta[b]
				for i := b * d; i < (b+1)*d; i++ {
					z[i] -= e * g[i]
				}
			}
		}
		f.evaluate()
		reverted := false
		for b := 0; b < f.B; b++ {
			if f.rowE[b] > f.prevRowE[b] || math.IsNaN(f.rowE[b]) {
				reverted = true
				f.rowEta[b] *= 0.5
				for n := 1; n <= N; n++ {
					d := f.w.dims[n]
					copy(f.Z[n].Data[b*d:(b+1)*d], f.prevZ[n].Data[b*d:(b+1)*d])
				}
			}
		}
		if reverted {
			f.evaluate()
		}
	}
	if math.IsNaN(f.lastF) || math.IsInf(f.lastF, 0) {
		return T, fmt.Errorf("agent: world-model energy diverged to %v after inference", f.lastF)
	}
	return T, nil
}

// Energy returns the per-sample energies of the last evaluation: the
// observation term (b) and the transition terms (a) summed over nodes.
func (f *Filter) Energy() (obs, trans float64) {
	inv := 1 / float64(max(f.B, 1))
	obs = f.nodeE[0] * inv
	for _, e := range f.nodeE[1:] {
		trans += e
	}
	return obs, trans * inv
}

// Learn accumulates into the world model's gradients ∂F/∂θ of the
// per-sample (batch-mean) energy at the current, relaxed z: the seed's local
// M-step, −(∂μ/∂θ)ᵀΠε for every mean network and (½Πε² − ½) through the
// log-precisions. Call ZeroGrad first.
func (f *Filter) Learn() {
	w := f.w
	invB := 1 / float32(max(f.B, 1))
	for n := 0; n <= w.N(); n++ {
		if n == 0 && f.NoObs {
			continue
		}
		f.gather(n)
		w.Mu[n].Forward(f.mu[n], f.in[n]) // refresh the caches at the final z
		g := f.grad[n]
		tensor.Scale(g, -invB, f.pe[n])
		w.Mu[n].BackwardParams(g)
		if w.PrecNet[n] != nil || w.LogPrec[n] != nil {
			f.precGrad(n)
			tensor.Scale(f.dlp[n], invB, f.dlp[n])
			if w.PrecNet[n] != nil {
				w.PrecNet[n].Forward(f.raw[n], f.in[n])
				w.PrecNet[n].BackwardParams(f.dlp[n])
			} else {
				tensor.SumRowsInto(w.LogPrec[n].Grad.Data, f.dlp[n], 1)
			}
		}
	}
}

// State writes the concatenated latents [z^1_t, …, z^N_t] (B×StateDim) into
// dst and returns it.
func (f *Filter) State(dst *tensor.Mat) *tensor.Mat {
	w := f.w
	if dst == nil {
		dst = tensor.New(f.B, w.StateDim())
	}
	sd := w.StateDim()
	for b := 0; b < f.B; b++ {
		off := 0
		for n := 1; n <= w.N(); n++ {
			d := w.dims[n]
			copy(dst.Data[b*sd+off:b*sd+off+d], f.Z[n].Data[b*d:(b+1)*d])
			off += d
		}
	}
	return dst
}

// SetPrev writes the concatenated previous latents (B×StateDim) into Prev.
func (f *Filter) SetPrev(state *tensor.Mat) {
	w := f.w
	sd := w.StateDim()
	for b := 0; b < f.B; b++ {
		off := 0
		for n := 1; n <= w.N(); n++ {
			d := w.dims[n]
			copy(f.Prev[n].Data[b*d:(b+1)*d], state.Data[b*sd+off:b*sd+off+d])
			off += d
		}
	}
}

// Evaluate recomputes the energy at the current z (after editing it by hand)
// and returns F per sample.
func (f *Filter) Evaluate() float64 {
	for n := range f.fresh {
		f.fresh[n] = false
	}
	return f.evaluate() / float64(max(f.B, 1))
}

// Grad returns ∂F/∂z^n_t (batch-sum F) from the last gradients call.
func (f *Filter) Grad(n int) *tensor.Mat { return f.grad[n] }

// Gradients recomputes ∂F/∂z for the latents at the last evaluation.
func (f *Filter) Gradients() { f.gradients() }
