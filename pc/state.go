package pc

import (
	"fmt"

	"github.com/vfe-go/vfe/tensor"
)

// State holds one batch's activities z and every buffer inference and
// learning need, so that after the first batch of a given size nothing is
// allocated. A State belongs to one Model and one goroutine.
type State struct {
	m *Model
	B int // batch size (rows)

	Z       []*tensor.Mat // z_n, B×Dim per node
	Clamped []bool        // clamped nodes are fixed by Infer

	mu    []*tensor.Mat // μ_n (nodes with parents)
	eps   []*tensor.Mat // ε_n = z_n − μ_n (nodes with a term)
	pieps []*tensor.Mat // Π_n ε_n
	grad  []*tensor.Mat // ∂F/∂z_n (free nodes)
	edgeY []*tensor.Mat // per-edge prediction (multi-parent nodes)
	edgeX []*tensor.Mat // per-edge Jᵀ product scratch
	fresh []bool        // edge prediction valid for the current clamped input
	mom1  []*tensor.Mat // inference optimiser state (momentum / Adam m)
	mom2  []*tensor.Mat // Adam v
	// momDirty says mom1 and mom2 may hold values (Init zeroes them only
	// then, so plain gradient steps never touch them).
	momDirty bool
	steps    int     // inference iterations since Init (Adam's t)
	eta      float32 // current inference step size (energy-aware decay)

	nodeE []float64 // per-node energy of the last evaluation (batch sums)
	lastF float64   // total F of the last evaluation (batch sum)
	fixed bool      // fixed-prediction mode for this batch
}

// NewState returns a State for batches of b rows, with every node free and
// zero.
func (m *Model) NewState(b int) *State {
	n := len(m.Nodes)
	s := &State{m: m, Clamped: make([]bool, n), nodeE: make([]float64, n)}
	mk := func() []*tensor.Mat { return make([]*tensor.Mat, n) }
	s.Z, s.mu, s.eps, s.pieps, s.grad, s.mom1, s.mom2 = mk(), mk(), mk(), mk(), mk(), mk(), mk()
	for i, nd := range m.Nodes {
		for _, p := range []*[]*tensor.Mat{&s.Z, &s.mu, &s.eps, &s.pieps, &s.grad, &s.mom1, &s.mom2} {
			(*p)[i] = tensor.New(0, nd.Dim)
		}
	}
	s.edgeY = make([]*tensor.Mat, len(m.Edges))
	s.edgeX = make([]*tensor.Mat, len(m.Edges))
	s.fresh = make([]bool, len(m.Edges))
	for k, e := range m.Edges {
		s.edgeY[k] = tensor.New(0, m.Nodes[e.To].Dim)
		s.edgeX[k] = tensor.New(0, m.Nodes[e.From].Dim)
	}
	s.Resize(b)
	return s
}

// Resize changes the batch size to b (reusing storage when it fits). Node
// contents become unspecified and every node is unclamped.
func (s *State) Resize(b int) {
	if b < 0 {
		panic(fmt.Sprintf("pc: State.Resize(%d)", b))
	}
	s.B = b
	s.momDirty = true
	for i, nd := range s.m.Nodes {
		for _, p := range [][]*tensor.Mat{s.Z, s.mu, s.eps, s.pieps, s.grad, s.mom1, s.mom2} {
			p[i].Resize(b, nd.Dim)
		}
		s.Clamped[i] = false
	}
	for k := range s.m.Edges {
		s.edgeY[k].Resize(b, s.edgeY[k].Cols)
		s.edgeX[k].Resize(b, s.edgeX[k].Cols)
		s.fresh[k] = false
	}
}

// Model returns the model s belongs to.
func (s *State) Model() *Model { return s.m }

// Clamp fixes node n to x (copied; B×Dim). It panics on a shape mismatch.
func (s *State) Clamp(n int, x *tensor.Mat) {
	s.Z[n].CopyFrom(x)
	s.Clamped[n] = true
	s.invalidate(n)
}

// Free releases node n so that Infer updates it; its value is kept.
func (s *State) Free(n int) {
	s.Clamped[n] = false
	s.invalidate(n)
}

func (s *State) invalidate(n int) {
	for _, k := range s.m.out[n] {
		s.fresh[k] = false
	}
}

// Prediction returns μ_n from the last evaluation (nodes with parents).
func (s *State) Prediction(n int) *tensor.Mat { return s.mu[n] }

// Error returns ε_n = z_n − μ_n from the last evaluation.
func (s *State) Error(n int) *tensor.Mat { return s.eps[n] }

// Grad returns ∂F/∂z_n from the last gradient evaluation (free nodes): the
// last Model.Gradients call, or Infer's last iteration except where Infer
// fuses a plain gradient step into one pass that does not store ∂F/∂z (a
// node with an energy term and one Dense child edge).
func (s *State) Grad(n int) *tensor.Mat { return s.grad[n] }

// Invalidate marks every cached prediction (and the model's packed
// weights) stale. Call it after changing parameters by hand or by
// an optimiser step in the middle of inference (incremental PC); Init does
// it for each new batch.
func (s *State) Invalidate() {
	for k := range s.fresh {
		s.fresh[k] = false
	}
	s.m.staleWeights()
}

// Check returns an *ErrDiverged if the last evaluated energy is not finite.
func (s *State) Check() error { return s.check(-1) }
