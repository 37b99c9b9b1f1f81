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
	for i := range s.m.Nodes {
		s.mom1[i].Zero()
		s.mom2[i].Zero()
	}
	for k := range s.fresh {
		s.fresh[k] = false
	}
	switch kind {
	case InitForward:
		for _, n := range m.topo {
			if s.Clamped[n] {
				continue
			}
			if len(m.in[n]) == 0 {
				m.priorMean(s.Z[n], n)
				continue
			}
			m.predict(s, n, true)
			s.Z[n].CopyFrom(s.mu[n])
		}
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
	m.evaluate(s)
}

// priorMean writes μ̂ for root n into every row of dst.
func (m *Model) priorMean(dst *tensor.Mat, n int) {
	nd := m.Nodes[n]
	if nd.PriorMu == nil {
		dst.Zero()
		return
	}
	for i := 0; i < dst.Rows; i++ {
		copy(dst.Row(i), nd.PriorMu.Val.Data)
	}
}

// predict computes μ_n from its parents. force recomputes even fresh edges.
// An edge's prediction is reused while it is fresh and its source is clamped
// (a clamped node's prediction cannot change during inference) or the
// fixed-prediction assumption is on.
func (m *Model) predict(s *State, n int, force bool) {
	in := m.in[n]
	if len(in) == 1 {
		k := in[0]
		e := m.Edges[k]
		if force || !s.fresh[k] || !(s.Clamped[e.From] || s.fixed) {
			e.Fn.Forward(s.mu[n], s.Z[e.From])
			s.fresh[k] = true
		}
		return
	}
	for j, k := range in {
		e := m.Edges[k]
		if force || !s.fresh[k] || !(s.Clamped[e.From] || s.fixed) {
			e.Fn.Forward(s.edgeY[k], s.Z[e.From])
			s.fresh[k] = true
		}
		if j == 0 {
			s.mu[n].CopyFrom(s.edgeY[k])
		} else {
			tensor.Add(s.mu[n], s.mu[n], s.edgeY[k])
		}
	}
}

// evaluate computes predictions, errors, Π·ε and per-node energies at the
// current z, and returns the total F (batch sum).
func (m *Model) evaluate(s *State) float64 {
	for _, n := range m.topo {
		if len(m.in[n]) > 0 {
			m.predict(s, n, false)
		}
	}
	var total float64
	for n, nd := range m.Nodes {
		s.nodeE[n] = 0
		if !m.HasTerm(n) {
			continue
		}
		var mu *tensor.Mat
		if len(m.in[n]) > 0 {
			mu = s.mu[n]
		} else {
			m.priorMean(s.mu[n], n)
			mu = s.mu[n]
		}
		z, eps, pe, pi := s.Z[n].Data, s.eps[n].Data, s.pieps[n].Data, nd.pi
		d := nd.Dim
		var q float64
		for b := 0; b < s.B; b++ {
			zr, mr, er, pr := z[b*d:(b+1)*d], mu.Data[b*d:(b+1)*d], eps[b*d:(b+1)*d], pe[b*d:(b+1)*d]
			var qb float32
			for i := range er {
				e := zr[i] - mr[i]
				er[i] = e
				p := pi[i] * e
				pr[i] = p
				qb += p * e
			}
			q += float64(qb)
		}
		s.nodeE[n] = 0.5*q + float64(s.B)*m.logDetTerm(n)
		total += s.nodeE[n]
	}
	s.lastF = total
	return total
}

// gradients writes ∂F/∂z_n for every free node:
// Π_n ε_n − Σ_{edges n→c} (∂μ_c/∂z_n)ᵀ Π_c ε_c (the seed's inference rule).
func (m *Model) gradients(s *State) {
	for n := range m.Nodes {
		if s.Clamped[n] {
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
	prev := s.lastF
	for it := 0; it < cfg.T; it++ {
		if it > 0 {
			f := m.evaluate(s)
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
		m.gradients(s)
		m.step(s, cfg)
		st.Iters = it + 1
	}
	if st.Iters > 0 {
		m.evaluate(s)
		if err := s.check(st.Iters); err != nil {
			return st, err
		}
	}
	st.F = s.lastF / float64(max(s.B, 1))
	st.EtaEnd = s.eta
	return st, nil
}

// step applies one update of the inference optimiser to the free nodes.
func (m *Model) step(s *State, cfg InferConfig) {
	s.steps++
	eta := s.eta
	switch cfg.Optim {
	case InferSGD:
		for n := range m.Nodes {
			if !s.Clamped[n] {
				tensor.AddScaled(s.Z[n], -eta, s.grad[n])
			}
		}
	case InferMomentum:
		mu := cfg.Momentum
		if mu == 0 {
			mu = 0.9
		}
		for n := range m.Nodes {
			if s.Clamped[n] {
				continue
			}
			v, g, z := s.mom1[n].Data, s.grad[n].Data, s.Z[n].Data
			for i := range v {
				v[i] = mu*v[i] + g[i]
				z[i] -= eta * v[i]
			}
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
		c1 := 1 - math.Pow(float64(b1), float64(s.steps))
		c2 := 1 - math.Pow(float64(b2), float64(s.steps))
		a := eta * float32(math.Sqrt(c2)/c1)
		epsHat := ep * float32(math.Sqrt(c2))
		for n := range m.Nodes {
			if s.Clamped[n] {
				continue
			}
			m1, m2, g, z := s.mom1[n].Data, s.mom2[n].Data, s.grad[n].Data, s.Z[n].Data
			for i := range g {
				m1[i] = b1*m1[i] + (1-b1)*g[i]
				m2[i] = b2*m2[i] + (1-b2)*g[i]*g[i]
				z[i] -= a * m1[i] / (float32(math.Sqrt(float64(m2[i]))) + epsHat)
			}
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
	return m.evaluate(s) / float64(max(s.B, 1))
}

// Gradients recomputes ∂F/∂z (batch-sum F) for the free nodes at the last
// evaluation; read them with State.Grad. Exposed for tests and tools.
func (m *Model) Gradients(s *State) { m.gradients(s) }

var errNoTerms = errors.New("pc: no node has an energy term")
