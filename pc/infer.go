package pc

import (
	"errors"
	"fmt"
	"math"

	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/tensor"
)

// ErrDiverged reports a non-finite free energy: Step is the inference
// iteration (−1 outside inference), Node the node whose term was first found
// non-finite (−1 when only the total is), Value the offending value.
type ErrDiverged struct {
	Step  int
	Node  int
	Value float64
}

func (e *ErrDiverged) Error() string {
	return fmt.Sprintf("pc: energy diverged to %v at inference step %d, node %d (lower η or the learning rate)", e.Value, e.Step, e.Node)
}

// InitKind chooses how Init sets the free nodes before inference.
type InitKind int

const (
	// InitForward sets every free node to its prediction from its parents, in
	// topological order (free roots to their prior mean, 0 for no prior): the
	// feed-forward sweep. Free nodes then start with zero error.
	InitForward InitKind = iota
	// InitZero sets every free node to 0.
	InitZero
	// InitKeep keeps the current values (set by an amortised recognition
	// network, for instance).
	InitKeep
)

// InferOptim is the update rule for z in the E-step.
type InferOptim int

const (
	// InferSGD is plain gradient descent z ← z − η ∂F/∂z.
	InferSGD InferOptim = iota
	// InferMomentum is heavy-ball momentum v ← μv + ∂F/∂z, z ← z − ηv.
	InferMomentum
	// InferAdam is Adam on z with bias correction, state reset by Init.
	InferAdam
)

var inferOptimNames = [...]string{"sgd", "momentum", "adam"}

// String returns "sgd", "momentum" or "adam".
func (o InferOptim) String() string {
	if o < 0 || int(o) >= len(inferOptimNames) {
		return fmt.Sprintf("InferOptim(%d)", int(o))
	}
	return inferOptimNames[o]
}

// MarshalText implements encoding.TextMarshaler.
func (o InferOptim) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (o *InferOptim) UnmarshalText(b []byte) error {
	for i, n := range inferOptimNames {
		if n == string(b) {
			*o = InferOptim(i)
			return nil
		}
	}
	return fmt.Errorf("pc: unknown inference optimiser %q (want sgd, momentum or adam)", b)
}

// InferConfig configures the E-step.
type InferConfig struct {
	// T is the number of inference iterations (the seed's many E-steps).
	// Default 20; 0 means no iteration (z stays at its initial value).
	T int `json:"T"`
	// Eta is the step size η for z. Default 0.1.
	Eta float32 `json:"eta"`
	// Optim is the update rule; default plain gradient steps.
	Optim InferOptim `json:"optim"`
	// Momentum is μ for InferMomentum (default 0.9 when zero).
	Momentum float32 `json:"momentum,omitempty"`
	// Beta1, Beta2, Epsilon are Adam's constants (defaults 0.9, 0.999, 1e-8).
	Beta1   float32 `json:"beta1,omitempty"`
	Beta2   float32 `json:"beta2,omitempty"`
	Epsilon float32 `json:"epsilon,omitempty"`
	// Decay halves η whenever F rises between iterations (energy-aware
	// step decay). Off by default.
	Decay bool `json:"decay"`
	// Tol stops early when |F_k − F_{k−1}| ≤ Tol·|F_{k−1}|; 0 never stops early.
	Tol float64 `json:"tol"`
	// Fixed uses the fixed-prediction assumption: predictions μ and their
	// Jacobians are computed once, at Init, and held during inference (and
	// Learn uses them too). Under it, converged PC learning equals backprop.
	Fixed bool `json:"fixed_prediction"`
	// Workers is how many goroutines share the batch's rows in Init
	// (InitForward) and Infer, each running the iterations on its block of
	// rows with its own matrix products; give the BLAS one thread
	// (tensor.SetThreads(1)) when using it. It applies when every edge is a
	// Dense map and neither Decay nor Tol is set (these need the whole
	// batch's F each iteration), and to at most one worker per 4 rows.
	// Activities are the same as with one worker; energies, summed per block,
	// may differ in the last bits. 0 or 1 runs everything on the calling
	// goroutine. Default 0.
	Workers int `json:"workers,omitempty"`
}

// DefaultInferConfig returns T = 20, η = 0.1, plain gradient steps.
func DefaultInferConfig() InferConfig { return InferConfig{T: 20, Eta: 0.1} }

// Validate reports a configuration error.
func (c InferConfig) Validate() error {
	switch {
	case c.T < 0:
		return fmt.Errorf("pc: inference iterations T = %d must be ≥ 0", c.T)
	case !(c.Eta > 0) || math.IsInf(float64(c.Eta), 0):
		return fmt.Errorf("pc: inference step η = %v must be positive and finite", c.Eta)
	case c.Optim < InferSGD || c.Optim > InferAdam:
		return fmt.Errorf("pc: unknown inference optimiser %d", c.Optim)
	case c.Momentum < 0 || c.Momentum >= 1:
		return fmt.Errorf("pc: inference momentum %v must be in [0, 1)", c.Momentum)
	case c.Tol < 0:
		return fmt.Errorf("pc: tolerance %v must be ≥ 0", c.Tol)
	case c.Workers < 0:
		return fmt.Errorf("pc: workers %d must be ≥ 0", c.Workers)
	}
	return nil
}

// InferStats summarises one E-step. Energies are per sample (batch means).
type InferStats struct {
	Iters  int     // iterations run (≤ T)
	F0, F  float64 // free energy before the first and after the last step
	EtaEnd float32 // η after energy-aware decay
}

// Init prepares s for a new batch: it resets the inference optimiser state
// and η, marks predictions stale, sets free nodes per kind, and evaluates the
// errors. Clamp the observed nodes before calling it.
func (m *Model) Init(s *State, kind InitKind, cfg InferConfig) {
	s.steps = 0
	s.eta = cfg.Eta
	s.fixed = cfg.Fixed
	if s.momDirty {
		for i := range s.m.Nodes {
			s.mom1[i].Zero()
			s.mom2[i].Zero()
		}
		s.momDirty = false
	}
	for k := range s.fresh {
		s.fresh[k] = false
	}
	m.setLearnWorkers(m.denseWorkers(s, cfg.Workers))
	m.staleWeights()
	switch kind {
	case InitForward:
		// One sweep in topological order computes every prediction at the
		// final z (a free node's parents are set before it), so only the
		// errors remain to be evaluated.
		if w := m.denseWorkers(s, cfg.Workers); w > 1 {
			m.initForwardParallel(s, w)
			return
		}
		for _, n := range m.topo {
			if len(m.in[n]) == 0 {
				if !s.Clamped[n] {
					m.priorMean(s.Z[n], n)
				}
				continue
			}
			m.predict(s, n, true, false)
			if !s.Clamped[n] {
				s.Z[n].CopyFrom(s.mu[n])
			}
		}
		m.errors(s)
		return
	case InitZero:
		for n := range m.Nodes {
			if !s.Clamped[n] {
				s.Z[n].Zero()
			}
		}
	case InitKeep:
	default:
		panic(fmt.Sprintf("pc: unknown InitKind %d", kind))
	}
	m.evaluate(s, false)
}

// priorMean writes μ̂ for root n into every row of dst.
func (m *Model) priorMean(dst *tensor.Mat, n int) { m.priorMeanRows(dst, n, 0, dst.Rows) }

// priorMeanRows writes μ̂ for root n into rows [r0, r1) of dst.
func (m *Model) priorMeanRows(dst *tensor.Mat, n, r0, r1 int) {
	nd := m.Nodes[n]
	d := rows(dst, r0, r1)
	if nd.PriorMu == nil {
		d.Zero()
		return
	}
	for i := 0; i < d.Rows; i++ {
		copy(d.Row(i), nd.PriorMu.Val.Data)
	}
}

// rows returns rows [r0, r1) of a as a Mat sharing its storage.
func rows(a *tensor.Mat, r0, r1 int) tensor.Mat {
	return tensor.Mat{Rows: r1 - r0, Cols: a.Cols, Data: a.Data[r0*a.Cols : r1*a.Cols]}
}

// predict computes μ_n from its parents. force recomputes even fresh edges.
// An edge's prediction is reused while it is fresh and its source is clamped
// (a clamped node's prediction cannot change during inference) or the
// fixed-prediction assumption is on. act says that every Dense edge out of
// a free node holds f and f' of its source's current z (updateRows computed
// them), so that its prediction is one product.
func (m *Model) predict(s *State, n int, force, act bool) {
	in := m.in[n]
	if len(in) == 1 {
		k := in[0]
		e := m.Edges[k]
		if force || !s.fresh[k] || !(s.Clamped[e.From] || s.fixed) {
			m.forwardEdge(s, k, s.mu[n], act)
			s.fresh[k] = true
		}
		return
	}
	for j, k := range in {
		e := m.Edges[k]
		if force || !s.fresh[k] || !(s.Clamped[e.From] || s.fixed) {
			m.forwardEdge(s, k, s.edgeY[k], act)
			s.fresh[k] = true
		}
		if j == 0 {
			s.mu[n].CopyFrom(s.edgeY[k])
		} else {
			tensor.Add(s.mu[n], s.mu[n], s.edgeY[k])
		}
	}
}

// forwardEdge writes edge k's prediction from its source's z into dst. A
// Dense edge out of a free node multiplies by its packed Wᵀ (repacked here
// when stale; see Dense.linearRows), and with act reuses its cached f(z)
// (see predict).
func (m *Model) forwardEdge(s *State, k int, dst *tensor.Mat, act bool) {
	e := m.Edges[k]
	if d, ok := e.Fn.(*Dense); ok && !s.Clamped[e.From] {
		d.packW()
		if !act {
			d.sizeCaches(dst.Rows)
			d.activateRows(s.Z[e.From], 0, dst.Rows)
		}
		d.linearRows(dst, 0, dst.Rows, true)
		return
	}
	e.Fn.Forward(dst, s.Z[e.From])
}

// evaluate computes predictions, errors, Π·ε and per-node energies at the
// current z, and returns the total F (batch sum). act is predict's.
func (m *Model) evaluate(s *State, act bool) float64 {
	for _, n := range m.topo {
		if len(m.in[n]) > 0 {
			m.predict(s, n, false, act)
		}
	}
	return m.errors(s)
}

// errors computes errors, Π·ε and per-node energies from the current
// predictions and z, and returns the total F (batch sum).
func (m *Model) errors(s *State) float64 {
	s.lastF = m.errorsRows(s, 0, s.B, s.nodeE)
	return s.lastF
}

// errorsRows computes ε and Π·ε on rows [r0, r1) of every node with a term
// from the current predictions and z, writes each node's energy over those
// rows into nodeE and returns their sum.
func (m *Model) errorsRows(s *State, r0, r1 int, nodeE []float64) float64 {
	var total float64
	for n, nd := range m.Nodes {
		nodeE[n] = 0
		if !m.HasTerm(n) {
			continue
		}
		if len(m.in[n]) == 0 {
			m.priorMeanRows(s.mu[n], n, r0, r1)
		}
		d := nd.Dim
		lo, hi := r0*d, r1*d
		z, mu, eps, pe, pi := s.Z[n].Data[lo:hi], s.mu[n].Data[lo:hi], s.eps[n].Data[lo:hi], s.pieps[n].Data[lo:hi], nd.pi[:d]
		var q float64
		for b := 0; b < r1-r0; b++ {
			q += float64(tensor.Residual(eps[b*d:(b+1)*d], pe[b*d:(b+1)*d], z[b*d:(b+1)*d], mu[b*d:(b+1)*d], pi))
		}
		nodeE[n] = 0.5*q + float64(r1-r0)*m.logDet(n)
		total += nodeE[n]
	}
	return total
}

// logDet is logDetTerm with one logarithm for a fixed precision.
func (m *Model) logDet(n int) float64 {
	nd := m.Nodes[n]
	if nd.Prec == PrecFixed {
		return 0.5 * float64(nd.Dim) * (math.Log(2*math.Pi) - math.Log(float64(nd.FixedPrec)))
	}
	return m.logDetTerm(n)
}

// gradients writes ∂F/∂z_n for every free node:
// Π_n ε_n − Σ_{edges n→c} (∂μ_c/∂z_n)ᵀ Π_c ε_c (the seed's inference rule).
func (m *Model) gradients(s *State) {
	for n := range m.Nodes {
		if s.Clamped[n] {
			continue
		}
		if m.denseOut(n) {
			m.gradientRows(s, n, 0, s.B)
			continue
		}
		g := s.grad[n]
		if m.HasTerm(n) {
			g.CopyFrom(s.pieps[n])
		} else {
			g.Zero()
		}
		for _, k := range m.out[n] {
			e := m.Edges[k]
			if !m.HasTerm(e.To) {
				continue
			}
			dx := nn.BackwardInput(e.Fn, s.edgeX[k], s.pieps[e.To])
			tensor.AddScaled(g, -1, dx)
		}
	}
}

// denseOut reports whether every edge out of node n is a Dense map.
func (m *Model) denseOut(n int) bool {
	for _, k := range m.out[n] {
		if _, ok := m.Edges[k].Fn.(*Dense); !ok {
			return false
		}
	}
	return true
}

// gradientRows writes rows [r0, r1) of ∂F/∂z_n for a free node whose
// outgoing edges are all Dense: with d_k = Π_c ε_c · W_k (one product per
// edge k: n → c), ∂F/∂z_n = Π_n ε_n − Σ_k d_k ⊙ f'(z_n), formed in one pass
// per edge. Calls on disjoint rows may run concurrently.
func (m *Model) gradientRows(s *State, n, r0, r1 int) {
	g := rows(s.grad[n], r0, r1).Data
	first := true
	for _, k := range m.out[n] {
		e := m.Edges[k]
		if !m.HasTerm(e.To) {
			continue
		}
		d := e.Fn.(*Dense)
		dy, dx := rows(s.pieps[e.To], r0, r1), rows(s.edgeX[k], r0, r1)
		d.backRows(&dx, &dy)
		x, df := dx.Data[:len(g)], rows(d.dfx, r0, r1).Data[:len(g)]
		switch {
		case first && m.HasTerm(n):
			pe := rows(s.pieps[n], r0, r1).Data[:len(g)]
			for i := range g {
				g[i] = pe[i] - x[i]*df[i]
			}
		case first:
			for i := range g {
				g[i] = -x[i] * df[i]
			}
		default:
			for i := range g {
				g[i] -= x[i] * df[i]
			}
		}
		first = false
	}
	if first {
		if m.HasTerm(n) {
			copy(g, rows(s.pieps[n], r0, r1).Data)
		} else {
			clear(g)
		}
	}
}

// check returns an ErrDiverged if F or a node term is not finite.
func (s *State) check(step int) error {
	if !math.IsNaN(s.lastF) && !math.IsInf(s.lastF, 0) {
		return nil
	}
	for n, e := range s.nodeE {
		if math.IsNaN(e) || math.IsInf(e, 0) {
			return &ErrDiverged{Step: step, Node: n, Value: e}
		}
	}
	return &ErrDiverged{Step: step, Node: -1, Value: s.lastF}
}

// Infer runs the E-step: up to cfg.T gradient iterations on the free nodes'
// z, then evaluates the errors at the final z (ready for Learn). Call Init
// first. It returns an *ErrDiverged if the energy becomes NaN or infinite.
func (m *Model) Infer(s *State, cfg InferConfig) (InferStats, error) {
	st := InferStats{F0: s.lastF / float64(max(s.B, 1))}
	if err := s.check(0); err != nil {
		return st, err
	}
	if cfg.Optim != InferSGD {
		s.momDirty = true
	}
	if w := m.denseWorkers(s, cfg.Workers); w > 1 && !cfg.Decay && cfg.Tol == 0 {
		return m.inferParallel(s, cfg, w, st)
	}
	// With Dense edges only, updateRows fuses each node's gradient, update
	// and (unless predictions are fixed) the activations of its new z.
	dense := m.allDense()
	if dense {
		for _, e := range m.Edges {
			e.Fn.(*Dense).sizeCaches(s.B)
		}
	}
	act := dense && !s.fixed
	if dense {
		m.packWeights(s)
	}
	prev := s.lastF
	for it := 0; it < cfg.T; it++ {
		if it > 0 {
			f := m.evaluate(s, act)
			if err := s.check(it); err != nil {
				st.Iters = it
				return st, err
			}
			if cfg.Decay && f > prev {
				s.eta *= 0.5
			}
			if cfg.Tol > 0 && math.Abs(f-prev) <= cfg.Tol*math.Abs(prev) {
				break
			}
			prev = f
		}
		if dense {
			s.steps++
			m.updateRows(s, cfg, 0, s.B, s.steps, act)
		} else {
			m.gradients(s)
			m.step(s, cfg)
		}
		st.Iters = it + 1
	}
	if st.Iters > 0 {
		m.evaluate(s, act)
		if err := s.check(st.Iters); err != nil {
			return st, err
		}
	}
	st.F = s.lastF / float64(max(s.B, 1))
	st.EtaEnd = s.eta
	return st, nil
}

// minRowsPerWorker is the smallest block of rows worth a worker.
const minRowsPerWorker = 4

// packWeights makes the packed weights current in every Dense edge out of
// a free node (the products inference repeats).
func (m *Model) packWeights(s *State) {
	for _, e := range m.Edges {
		if d, ok := e.Fn.(*Dense); ok && !s.Clamped[e.From] {
			d.packW()
		}
	}
}

// staleWeights marks every Dense edge's packed weights out of date.
func (m *Model) staleWeights() {
	for _, e := range m.Edges {
		if d, ok := e.Fn.(*Dense); ok {
			d.packed = false
		}
	}
}

// allDense reports whether every edge is a Dense map.
func (m *Model) allDense() bool {
	for _, e := range m.Edges {
		if _, ok := e.Fn.(*Dense); !ok {
			return false
		}
	}
	return true
}

// denseWorkers returns how many workers may share s's rows: at most want,
// at most one per minRowsPerWorker rows, and 1 unless every edge is Dense.
func (m *Model) denseWorkers(s *State, want int) int {
	w := min(want, s.B/minRowsPerWorker)
	if w <= 1 || !m.allDense() {
		return 1
	}
	for _, e := range m.Edges {
		e.Fn.(*Dense).sizeCaches(s.B)
	}
	return w
}

// setLearnWorkers records in every Dense edge how many workers Learn may
// use (Learn takes no configuration; Init's applies to the batch).
func (m *Model) setLearnWorkers(w int) {
	for _, e := range m.Edges {
		if d, ok := e.Fn.(*Dense); ok {
			d.workers = w
		}
	}
}

// predictRows computes rows [r0, r1) of μ_n from its Dense parents, with
// predict's rules for reusing fresh edges (s.fresh is only read) and cached
// activations (act) and forwardEdge's use of the packed Wᵀ (call
// packWeights first). Calls on disjoint rows may run concurrently.
func (m *Model) predictRows(s *State, n, r0, r1 int, force, act bool) {
	in := m.in[n]
	for _, k := range in {
		e := m.Edges[k]
		if force || !s.fresh[k] || !(s.Clamped[e.From] || s.fixed) {
			dst := s.edgeY[k]
			if len(in) == 1 {
				dst = s.mu[n]
			}
			d := e.Fn.(*Dense)
			if !act || s.Clamped[e.From] {
				d.activateRows(s.Z[e.From], r0, r1)
			}
			d.linearRows(dst, r0, r1, !s.Clamped[e.From])
		}
	}
	if len(in) > 1 {
		mu := rows(s.mu[n], r0, r1).Data
		copy(mu, rows(s.edgeY[in[0]], r0, r1).Data)
		for _, k := range in[1:] {
			y := rows(s.edgeY[k], r0, r1).Data[:len(mu)]
			for i := range mu {
				mu[i] += y[i]
			}
		}
	}
}

// evaluateRows is evaluate on rows [r0, r1): predictions, errors and the
// block's node energies (into nodeE); it returns their sum.
func (m *Model) evaluateRows(s *State, r0, r1 int, nodeE []float64, act bool) float64 {
	for _, n := range m.topo {
		if len(m.in[n]) > 0 {
			m.predictRows(s, n, r0, r1, false, act)
		}
	}
	return m.errorsRows(s, r0, r1, nodeE)
}

// initForwardParallel is InitForward's sweep and evaluation with the rows
// split over w workers.
func (m *Model) initForwardParallel(s *State, w int) {
	m.packWeights(s)
	part := make([]float64, w*len(m.Nodes))
	tensor.Parallel(s.B, w, func(i, r0, r1 int) {
		for _, n := range m.topo {
			if len(m.in[n]) == 0 {
				if !s.Clamped[n] {
					m.priorMeanRows(s.Z[n], n, r0, r1)
				}
				continue
			}
			m.predictRows(s, n, r0, r1, true, false)
			if !s.Clamped[n] {
				z := rows(s.Z[n], r0, r1)
				copy(z.Data, rows(s.mu[n], r0, r1).Data)
			}
		}
		m.errorsRows(s, r0, r1, part[i*len(m.Nodes):(i+1)*len(m.Nodes)])
	})
	for k := range s.fresh {
		s.fresh[k] = true
	}
	s.gatherEnergies(part)
}

// gatherEnergies sums the workers' node energies (w blocks of len(nodeE))
// into s.nodeE and s.lastF.
func (s *State) gatherEnergies(part []float64) {
	nn := len(s.nodeE)
	s.lastF = 0
	for n := range s.nodeE {
		var e float64
		for i := 0; i < len(part); i += nn {
			e += part[i+n]
		}
		s.nodeE[n] = e
		s.lastF += e
	}
}

// inferParallel is Infer without Decay or Tol, the rows split over w
// workers that each run all iterations on their block.
func (m *Model) inferParallel(s *State, cfg InferConfig, w int, st InferStats) (InferStats, error) {
	nn := len(m.Nodes)
	part := make([]float64, w*nn)
	bad := make([]int, w) // first iteration whose energy was not finite, or −1
	t0 := s.steps
	act := !s.fixed
	m.packWeights(s)
	tensor.Parallel(s.B, w, func(i, r0, r1 int) {
		e := part[i*nn : (i+1)*nn]
		bad[i] = -1
		for it := 0; it < cfg.T; it++ {
			if it > 0 {
				if f := m.evaluateRows(s, r0, r1, e, act); math.IsNaN(f) || math.IsInf(f, 0) {
					bad[i] = it
					return
				}
			}
			m.updateRows(s, cfg, r0, r1, t0+it+1, act)
		}
		if cfg.T > 0 {
			if f := m.evaluateRows(s, r0, r1, e, act); math.IsNaN(f) || math.IsInf(f, 0) {
				bad[i] = cfg.T
			}
		}
	})
	for k := range s.fresh {
		s.fresh[k] = true
	}
	s.gatherEnergies(part)
	first := -1
	for _, b := range bad {
		if b >= 0 && (first < 0 || b < first) {
			first = b
		}
	}
	if first >= 0 {
		st.Iters = first
		s.steps = t0 + first
		return st, s.check(first)
	}
	st.Iters = cfg.T
	s.steps = t0 + cfg.T
	st.F = s.lastF / float64(max(s.B, 1))
	st.EtaEnd = s.eta
	return st, nil
}

// updateRows runs one inference update, number t, on rows [r0, r1) of every
// free node of a model whose edges are all Dense: ∂F/∂z as gradientRows
// forms it, then the optimiser's step. For a plain gradient step on a node
// with an energy term and one child edge, gradient and step are one fused
// pass that does not store ∂F/∂z. With act, f and f' of each updated node's
// new z are then cached in its outgoing edges (see predict). A node's update
// reads only its own z and f', and its children's Π·ε, so updating the nodes
// one after another equals updating them all from the same point. Calls on
// disjoint rows may run concurrently.
func (m *Model) updateRows(s *State, cfg InferConfig, r0, r1, t int, act bool) {
	for n := range m.Nodes {
		if s.Clamped[n] {
			continue
		}
		out := m.out[n]
		if cfg.Optim == InferSGD && len(out) == 1 && m.HasTerm(n) {
			k := out[0]
			e := m.Edges[k]
			d := e.Fn.(*Dense)
			dy, dx := rows(s.pieps[e.To], r0, r1), rows(s.edgeX[k], r0, r1)
			d.backRows(&dx, &dy)
			tensor.GradStep(rows(s.Z[n], r0, r1).Data, rows(s.pieps[n], r0, r1).Data, dx.Data, rows(d.dfx, r0, r1).Data, s.eta)
		} else {
			m.gradientRows(s, n, r0, r1)
			m.stepNodeRows(s, cfg, n, r0, r1, t)
		}
		if act {
			for _, k := range out {
				m.Edges[k].Fn.(*Dense).activateRows(s.Z[n], r0, r1)
			}
		}
	}
}

// step applies one update of the inference optimiser to the free nodes.
func (m *Model) step(s *State, cfg InferConfig) {
	s.steps++
	m.stepRows(s, cfg, 0, s.B, s.steps)
}

// stepRows applies the inference optimiser's update number t to rows
// [r0, r1) of the free nodes. Calls on disjoint rows may run concurrently.
func (m *Model) stepRows(s *State, cfg InferConfig, r0, r1, t int) {
	for n := range m.Nodes {
		if !s.Clamped[n] {
			m.stepNodeRows(s, cfg, n, r0, r1, t)
		}
	}
}

// stepNodeRows is stepRows for the one free node n.
func (m *Model) stepNodeRows(s *State, cfg InferConfig, n, r0, r1, t int) {
	eta := s.eta
	switch cfg.Optim {
	case InferSGD:
		z, g := rows(s.Z[n], r0, r1).Data, rows(s.grad[n], r0, r1).Data
		g = g[:len(z)]
		for i := range z {
			z[i] -= eta * g[i]
		}
	case InferMomentum:
		mu := cfg.Momentum
		if mu == 0 {
			mu = 0.9
		}
		v, g, z := rows(s.mom1[n], r0, r1).Data, rows(s.grad[n], r0, r1).Data, rows(s.Z[n], r0, r1).Data
		for i := range v {
			v[i] = mu*v[i] + g[i]
			z[i] -= eta * v[i]
		}
	case InferAdam:
		b1, b2, ep := cfg.Beta1, cfg.Beta2, cfg.Epsilon
		if b1 == 0 {
			b1 = 0.9
		}
		if b2 == 0 {
			b2 = 0.999
		}
		if ep == 0 {
			ep = 1e-8
		}
		c1 := 1 - math.Pow(float64(b1), float64(t))
		c2 := 1 - math.Pow(float64(b2), float64(t))
		a := eta * float32(math.Sqrt(c2)/c1)
		epsHat := ep * float32(math.Sqrt(c2))
		m1, m2, g, z := rows(s.mom1[n], r0, r1).Data, rows(s.mom2[n], r0, r1).Data, rows(s.grad[n], r0, r1).Data, rows(s.Z[n], r0, r1).Data
		for i := range g {
			m1[i] = b1*m1[i] + (1-b1)*g[i]
			m2[i] = b2*m2[i] + (1-b2)*g[i]*g[i]
			z[i] -= a * m1[i] / (float32(math.Sqrt(float64(m2[i]))) + epsHat)
		}
	}
}

// Energies is the free energy split by node, per sample (batch means).
type Energies struct {
	Total float64   // F = Σ_n Nodes[n]
	Nodes []float64 // ½ εᵀΠε + ½ log|2πΣ| for node n; 0 for nodes without a term
}

// Energy returns the energies of the last evaluation, per sample. dst.Nodes
// is reused when it has the right length.
func (s *State) Energy(dst *Energies) Energies {
	var e Energies
	if dst != nil && len(dst.Nodes) == len(s.nodeE) {
		e.Nodes = dst.Nodes
	} else {
		e.Nodes = make([]float64, len(s.nodeE))
	}
	inv := 1 / float64(max(s.B, 1))
	for n, v := range s.nodeE {
		e.Nodes[n] = v * inv
	}
	e.Total = s.lastF * inv
	if dst != nil {
		*dst = e
	}
	return e
}

// Evaluate recomputes errors and energies at the current z (after changing z
// or clamps by hand) and returns F per sample.
func (m *Model) Evaluate(s *State) float64 {
	return m.evaluate(s, false) / float64(max(s.B, 1))
}

// Gradients recomputes ∂F/∂z (batch-sum F) for the free nodes at the last
// evaluation; read them with State.Grad. Exposed for tests and tools.
func (m *Model) Gradients(s *State) { m.gradients(s) }

var errNoTerms = errors.New("pc: no node has an energy term")
