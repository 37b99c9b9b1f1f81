package pc

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vfe-go/vfe/internal/gradcheck"
	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/tensor"
)

// dagModel builds a small DAG exercising every kind of term:
//
//	node 3 (root, learned prior, diag precision) → node 1 (tanh Dense)
//	node 2 (root, fixed prior, scalar precision) → node 1 (sigmoid Dense)  [two parents]
//	node 1 → node 0 (gelu Dense), node 2 → node 0 (an nn.Sequential edge)
func dagModel(t *testing.T, rng *rand.Rand) *Model {
	t.Helper()
	nodes := []*Node{
		{Dim: 3, Prec: PrecDiag, FixedPrec: 1.5},
		{Dim: 4, Prec: PrecScalar, FixedPrec: 0.7},
		{Dim: 2, Prec: PrecScalar, Prior: PriorFixed},
		{Dim: 3, Prec: PrecDiag, Prior: PriorLearned},
	}
	d31 := NewDense(3, 4, tensor.Tanh)
	d21 := NewDense(2, 4, tensor.Sigmoid)
	d10 := NewDense(4, 3, tensor.GELU)
	seq := &nn.Sequential{Layers: []nn.Layer{nn.NewLinear(2, 5, true), &nn.Activation{Act: tensor.Tanh}, nn.NewLinear(5, 3, true)}}
	for _, l := range []*nn.Linear{d31.Lin, d21.Lin, d10.Lin, seq.Layers[0].(*nn.Linear), seq.Layers[2].(*nn.Linear)} {
		l.W.Val.RandN(rng, 0.8)
		l.B.Val.RandN(rng, 0.3)
	}
	m, err := New(nodes, []*Edge{{From: 3, To: 1, Fn: d31}, {From: 2, To: 1, Fn: d21}, {From: 1, To: 0, Fn: d10}, {From: 2, To: 0, Fn: seq}})
	if err != nil {
		t.Fatal(err)
	}
	// Non-trivial learned precisions and prior mean.
	for i := range nodes[0].P.Val.Data {
		nodes[0].P.Val.Data[i] = 0.5 + float32(i)*0.4
	}
	nodes[3].P.Val.Data[1] = 2.5
	nodes[3].PriorMu.Val.RandN(rng, 0.5)
	m.Project()
	return m
}

func TestModel_EnergyHandCalculation(t *testing.T) {
	// Two 1-D nodes, identity f: μ_0 = 2·z_1 + 1. With z_1 = 3, x = 5:
	// ε = 5 − 7 = −2, E_0 = ½·1·4 + ½ log(2π) = 2 + 0.918939 (π = 1).
	// Root with the fixed N(0, 1) prior: E_1 = ½·9 + ½ log(2π).
	m, err := NewChain(testrand.New(1), ChainConfig{Dims: []int{1, 1}, Acts: []tensor.Act{tensor.Identity}, TopPrior: PriorFixed})
	if err != nil {
		t.Fatal(err)
	}
	d := m.Edges[0].Fn.(*Dense)
	d.Lin.W.Val.Data[0], d.Lin.B.Val.Data[0] = 2, 1
	s := m.NewState(1)
	s.Clamp(0, tensor.FromSlice(1, 1, []float32{5}))
	s.Clamp(1, tensor.FromSlice(1, 1, []float32{3}))
	m.Init(s, InitKeep, DefaultInferConfig())
	e := s.Energy(nil)
	half := 0.5 * math.Log(2*math.Pi)
	if math.Abs(e.Nodes[0]-(2+half)) > 1e-6 || math.Abs(e.Nodes[1]-(4.5+half)) > 1e-6 || math.Abs(e.Total-(6.5+2*half)) > 1e-6 {
		t.Fatalf("energies %+v, want [%v %v]", e, 2+half, 4.5+half)
	}
}

func randomState(m *Model, rng *rand.Rand, b int, clamp ...int) *State {
	s := m.NewState(b)
	for n, nd := range m.Nodes {
		z := tensor.New(b, nd.Dim).RandN(rng, 1)
		s.Z[n].CopyFrom(z)
	}
	for _, n := range clamp {
		s.Clamp(n, s.Z[n].Clone())
	}
	m.Init(s, InitKeep, DefaultInferConfig())
	return s
}

func TestModel_GradientsFiniteDifference(t *testing.T) {
	rng := testrand.New(2)
	m := dagModel(t, rng)
	const B = 3
	s := randomState(m, rng, B, 0)
	m.Gradients(s)
	for n := 1; n < len(m.Nodes); n++ {
		z := s.Z[n]
		f := func(x []float64) float64 {
			gradcheck.Set32(z.Data, x)
			s.Invalidate()
			return m.Evaluate(s) * B // Gradients is of the batch-sum F
		}
		x0 := gradcheck.F32(z.Data)
		num := gradcheck.Numeric(f, x0, 1e-2)
		gradcheck.Set32(z.Data, x0)
		if err := gradcheck.Compare(gradcheck.F32(s.Grad(n).Data), num, 2e-3, 2e-3); err != nil {
			t.Errorf("node %d: %v", n, err)
		}
	}
}

func TestModel_LearnFiniteDifference(t *testing.T) {
	rng := testrand.New(3)
	m := dagModel(t, rng)
	const B = 4
	s := randomState(m, rng, B, 0)
	m.Learn(s)
	for _, np := range m.Params() {
		p := np.Param
		analytic := gradcheck.F32(p.Grad.Data)
		f := func(x []float64) float64 {
			gradcheck.Set32(p.Val.Data, x)
			m.refreshPrecisions()
			s.Invalidate()
			return m.Evaluate(s)
		}
		x0 := gradcheck.F32(p.Val.Data)
		num := gradcheck.Numeric(f, x0, 1e-2)
		gradcheck.Set32(p.Val.Data, x0)
		m.refreshPrecisions()
		if err := gradcheck.Compare(analytic, num, 2e-3, 2e-3); err != nil {
			t.Errorf("%s: %v", np.Name, err)
		}
	}
}

func TestModel_InferDecreasesEnergyAndKeepsClamps(t *testing.T) {
	rng := testrand.New(4)
	m := dagModel(t, rng)
	s := randomState(m, rng, 5, 0, 2)
	c0, c2 := s.Z[0].Clone(), s.Z[2].Clone()
	cfg := InferConfig{T: 1, Eta: 0.02}
	prev := m.Evaluate(s)
	for it := 0; it < 50; it++ {
		st, err := m.Infer(s, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if st.F > prev+1e-5 {
			t.Fatalf("iteration %d: F rose from %v to %v", it, prev, st.F)
		}
		prev = st.F
	}
	for i := range c0.Data {
		if s.Z[0].Data[i] != c0.Data[i] {
			t.Fatal("clamped node 0 changed during inference")
		}
	}
	for i := range c2.Data {
		if s.Z[2].Data[i] != c2.Data[i] {
			t.Fatal("clamped node 2 changed during inference")
		}
	}
}

func TestModel_InferOptimisers(t *testing.T) {
	for _, o := range []InferOptim{InferSGD, InferMomentum, InferAdam} {
		t.Run(o.String(), func(t *testing.T) {
			rng := testrand.New(5)
			m := dagModel(t, rng)
			s := randomState(m, rng, 4, 0)
			cfg := InferConfig{T: 200, Eta: 0.02, Optim: o, Decay: true}
			f0 := m.Evaluate(s)
			st, err := m.Infer(s, cfg)
			if err != nil {
				t.Fatal(err)
			}
			// The minimum over the free nodes lies below the start; every
			// optimiser must make substantial progress towards it.
			if !(st.F < f0-0.5) {
				t.Fatalf("F went from %v to %v", f0, st.F)
			}
			m.Gradients(s)
			var g float64
			for n := 1; n < 4; n++ {
				g += tensor.SumSq(s.Grad(n).Data)
			}
			if math.Sqrt(g) > 0.5 {
				t.Fatalf("gradient norm %v after 200 iterations", math.Sqrt(g))
			}
		})
	}
}

func TestModel_ForwardInitHasZeroFreeError(t *testing.T) {
	// Property: with only the top clamped, the feed-forward sweep puts every
	// free node at its prediction, so the quadratic parts vanish and F equals
	// the log-determinant terms exactly.
	rng := testrand.New(6)
	m, err := NewChain(rng, ChainConfig{Dims: []int{3, 5, 4}, Acts: []tensor.Act{tensor.Tanh, tensor.ReLU}, Init: nn.InitXavierNormal})
	if err != nil {
		t.Fatal(err)
	}
	s := m.NewState(6)
	s.Clamp(2, tensor.New(6, 4).RandN(rng, 1))
	m.Init(s, InitForward, DefaultInferConfig())
	want := m.logDetTerm(0) + m.logDetTerm(1)
	if got := s.Energy(nil).Total; math.Abs(got-want) > 1e-9 {
		t.Fatalf("F = %v, want log-det terms %v", got, want)
	}
	for _, n := range []int{0, 1} {
		for _, e := range s.Error(n).Data {
			if e != 0 {
				t.Fatalf("node %d has error %v after the forward sweep", n, e)
			}
		}
	}
}

// TestModel_FixedPredictionEqualsBackprop checks the known equivalence: under
// the fixed-prediction assumption, at converged inference, the PC weight
// gradient equals backprop's gradient of ½‖y − ŷ‖² (Millidge, Tschantz &
// Buckley 2022, "Predictive coding approximates backprop along arbitrary
// computation graphs").
func TestModel_FixedPredictionEqualsBackprop(t *testing.T) {
	rng := testrand.New(7)
	m, err := NewChain(rng, ChainConfig{Dims: []int{3, 6, 5, 4}, Acts: []tensor.Act{tensor.Tanh, tensor.Tanh, tensor.Identity}, Init: nn.InitXavierNormal})
	if err != nil {
		t.Fatal(err)
	}
	const B = 5
	x := tensor.New(B, 4).RandN(rng, 1)
	y := tensor.New(B, 3).RandN(rng, 1)
	s := m.NewState(B)
	s.Clamp(3, x)
	s.Clamp(0, y)
	m.Init(s, InitForward, DefaultInferConfig())
	m.Backprop(s)
	var bp [][]float32
	for _, p := range m.ParamList() {
		bp = append(bp, append([]float32(nil), p.Grad.Data...))
	}
	cfg := InferConfig{T: 400, Eta: 0.2, Fixed: true}
	m.Init(s, InitForward, cfg)
	if _, err := m.Infer(s, cfg); err != nil {
		t.Fatal(err)
	}
	m.Learn(s)
	for i, p := range m.ParamList() {
		for j, v := range p.Grad.Data {
			if d := math.Abs(float64(v - bp[i][j])); d > 1e-5 {
				t.Fatalf("param %d[%d]: PC %v, backprop %v", i, j, v, bp[i][j])
			}
		}
	}
}

func TestModel_BackpropFiniteDifference(t *testing.T) {
	rng := testrand.New(8)
	m, err := NewChain(rng, ChainConfig{Dims: []int{2, 4, 3}, Acts: []tensor.Act{tensor.Tanh, tensor.Identity}, Init: nn.InitXavierNormal})
	if err != nil {
		t.Fatal(err)
	}
	const B = 3
	x := tensor.New(B, 3).RandN(rng, 1)
	y := tensor.New(B, 2).RandN(rng, 1)
	s := m.NewState(B)
	loss := func() float64 {
		s.Clamp(2, x)
		s.Clamp(0, y)
		m.Init(s, InitForward, DefaultInferConfig())
		return s.Energy(nil).Total
	}
	loss()
	m.Backprop(s)
	for _, np := range m.Params() {
		p := np.Param
		analytic := gradcheck.F32(p.Grad.Data)
		x0 := gradcheck.F32(p.Val.Data)
		num := gradcheck.Numeric(func(v []float64) float64 { gradcheck.Set32(p.Val.Data, v); return loss() }, x0, 1e-2)
		gradcheck.Set32(p.Val.Data, x0)
		if err := gradcheck.Compare(analytic, num, 1e-3, 1e-3); err != nil {
			t.Errorf("%s: %v", np.Name, err)
		}
	}
}

func TestModel_Diverged(t *testing.T) {
	rng := testrand.New(9)
	m := dagModel(t, rng)
	s := randomState(m, rng, 2, 0)
	s.Z[1].Data[0] = float32(math.Inf(1))
	m.Init(s, InitKeep, DefaultInferConfig())
	_, err := m.Infer(s, DefaultInferConfig())
	var de *ErrDiverged
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want *ErrDiverged", err)
	}
	if de.Node < 0 || de.Step != 0 {
		t.Fatalf("diverged at %+v, want step 0 and a node", de)
	}
}

func TestModel_Deterministic(t *testing.T) {
	run := func() []float32 {
		rng := testrand.New(10)
		m := dagModel(t, rng)
		s := randomState(m, rng, 3, 0)
		if _, err := m.Infer(s, InferConfig{T: 10, Eta: 0.05, Optim: InferAdam}); err != nil {
			t.Fatal(err)
		}
		m.Learn(s)
		var out []float32
		for _, p := range m.ParamList() {
			out = append(out, p.Grad.Data...)
		}
		return append(out, s.Z[1].Data...)
	}
	a, b := run(), run()
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("value %d differs between identical runs: %v vs %v", i, a[i], b[i])
		}
	}
}

func TestModel_InferNoAlloc(t *testing.T) {
	rng := testrand.New(11)
	m, err := NewChain(rng, ChainConfig{Dims: []int{10, 32, 32, 50}, Acts: []tensor.Act{tensor.Tanh, tensor.Tanh, tensor.Identity}})
	if err != nil {
		t.Fatal(err)
	}
	s := m.NewState(16)
	x, y := tensor.New(16, 50).RandN(rng, 1), tensor.New(16, 10).RandN(rng, 1)
	cfg := DefaultInferConfig()
	step := func() {
		s.Clamp(3, x)
		s.Clamp(0, y)
		m.Init(s, InitForward, cfg)
		if _, err := m.Infer(s, cfg); err != nil {
			t.Fatal(err)
		}
		m.Learn(s)
	}
	step()
	if a := testing.AllocsPerRun(5, step); a != 0 {
		t.Fatalf("a training step allocates %v times", a)
	}
}

func TestNew_Errors(t *testing.T) {
	d := NewDense(2, 2, tensor.Tanh)
	if _, err := New([]*Node{{Dim: 2}, {Dim: 2}}, []*Edge{{From: 0, To: 1, Fn: d}, {From: 1, To: 0, Fn: NewDense(2, 2, tensor.Tanh)}}); err == nil {
		t.Error("a cycle was accepted")
	}
	if _, err := New([]*Node{{Dim: 3}, {Dim: 2}}, []*Edge{{From: 1, To: 0, Fn: d}}); err == nil {
		t.Error("a width mismatch was accepted")
	}
	if _, err := New([]*Node{{Dim: 2}}, []*Edge{{From: 0, To: 5, Fn: d}}); err == nil {
		t.Error("an edge to a missing node was accepted")
	}
}

// TestModel_FusedUpdateMatchesGradients checks Infer's fused update on a
// Dense chain (gradient, step and cached activations in one pass, narrow
// and wide layers) against the definition: after one plain step from a
// point, z = z₀ − η ∂F/∂z₀ with ∂F/∂z₀ from Gradients, and the energy Infer
// reports equals a fresh Evaluate at the new z bit for bit.
func TestModel_FusedUpdateMatchesGradients(t *testing.T) {
	for _, act := range []tensor.Act{tensor.Tanh, tensor.ReLU, tensor.GELU} {
		t.Run(act.String(), func(t *testing.T) {
			rng := testrand.New(14)
			m, err := NewChain(rng, ChainConfig{Dims: []int{10, 24, 16, 9}, Acts: []tensor.Act{act, act, tensor.Identity}, Prec: PrecDiag, FixedPrec: 0.8})
			if err != nil {
				t.Fatal(err)
			}
			for i := range m.Nodes[1].P.Val.Data {
				m.Nodes[1].P.Val.Data[i] = 0.5 + 0.05*float32(i)
			}
			m.Project()
			const B = 6
			s := m.NewState(B)
			s.Clamp(0, tensor.New(B, 10).RandN(rng, 1))
			s.Clamp(3, tensor.New(B, 9).RandN(rng, 1))
			cfg := InferConfig{T: 1, Eta: 0.1}
			m.Init(s, InitZero, cfg) // free nodes away from their predictions
			z1, z2 := s.Z[1].Clone(), s.Z[2].Clone()
			m.Gradients(s)
			g1, g2 := s.Grad(1).Clone(), s.Grad(2).Clone()
			st, err := m.Infer(s, cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct{ z, z0, g *tensor.Mat }{{s.Z[1], z1, g1}, {s.Z[2], z2, g2}} {
				for i, v := range c.z.Data {
					want := c.z0.Data[i] - cfg.Eta*c.g.Data[i]
					if math.Abs(float64(v-want)) > 1e-6*(1+math.Abs(float64(want))) {
						t.Fatalf("z[%d] = %v, want z₀ − η·∂F/∂z = %v", i, v, want)
					}
				}
			}
			if f := m.Evaluate(s); math.Float64bits(f) != math.Float64bits(st.F) {
				t.Fatalf("Infer reported F = %v, a fresh evaluation gives %v", st.F, f)
			}
		})
	}
}
