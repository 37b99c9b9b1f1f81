package agent

import (
	"math/rand/v2"
	"testing"

	"github.com/vfe-go/vfe/internal/gradcheck"
	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/tensor"
)

// testWorld builds a three-node DAG (s^1 ← s^2, s^1 ← s^3, s^2 ← s^3; the
// observation reads s^1 and s^2) with the given precision modes, and a
// filter with random context, observation and latents.
func testWorld(t *testing.T, rng *rand.Rand, prec, obsPrec PrecisionMode) (*World, *Filter) {
	t.Helper()
	cfg := DefaultWorldConfig()
	cfg.Latent = []int{3, 2, 2}
	cfg.Parents = [][]int{{2, 3}, {3}, nil}
	cfg.ObsParents = []int{1, 2}
	cfg.Hidden = 5
	cfg.Prec, cfg.ObsPrec = prec, obsPrec
	cfg.LogPrecInit = 0.3
	w, err := NewWorld(cfg, 4, 2, rng)
	if err != nil {
		t.Fatal(err)
	}
	for _, np := range w.Params() {
		np.Param.Val.RandN(rng, 0.6)
	}
	f := w.NewFilter(3)
	f.X.RandN(rng, 1)
	f.A.RandN(rng, 1)
	for n := 1; n <= w.N(); n++ {
		f.Prev[n].RandN(rng, 1)
	}
	f.Init(false)
	for n := 1; n <= w.N(); n++ {
		f.Z[n].RandN(rng, 1)
	}
	f.Evaluate()
	return w, f
}

var modes = []struct {
	name          string
	prec, obsPrec PrecisionMode
}{
	{"fixed", PrecFixed, PrecFixed},
	{"learned", PrecLearned, PrecLearned},
	{"state", PrecState, PrecState},
	{"mixed", PrecState, PrecLearned},
}

func TestFilter_GradientsFiniteDifference(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			w, f := testWorld(t, testrand.New(1), m.prec, m.obsPrec)
			f.Gradients()
			for n := 1; n <= w.N(); n++ {
				analytic := gradcheck.F32(f.Grad(n).Data)
				z := f.Z[n]
				x0 := gradcheck.F32(z.Data)
				num := gradcheck.Numeric(func(x []float64) float64 {
					gradcheck.Set32(z.Data, x)
					return f.Evaluate() * float64(f.B)
				}, x0, 1e-2)
				gradcheck.Set32(z.Data, x0)
				f.Evaluate()
				if err := gradcheck.Compare(analytic, num, 3e-3, 3e-3); err != nil {
					t.Errorf("node %d: %v", n, err)
				}
			}
		})
	}
}

func TestFilter_LearnFiniteDifference(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			w, f := testWorld(t, testrand.New(2), m.prec, m.obsPrec)
			ps := make([]*nn.Param, 0)
			for _, np := range w.Params() {
				ps = append(ps, np.Param)
			}
			nn.ZeroGrad(ps)
			f.Evaluate()
			f.Learn()
			for _, np := range w.Params() {
				p := np.Param
				analytic := gradcheck.F32(p.Grad.Data)
				x0 := gradcheck.F32(p.Val.Data)
				num := gradcheck.Numeric(func(x []float64) float64 {
					gradcheck.Set32(p.Val.Data, x)
					return f.Evaluate()
				}, x0, 1e-2)
				gradcheck.Set32(p.Val.Data, x0)
				if err := gradcheck.Compare(analytic, num, 3e-3, 3e-3); err != nil {
					t.Errorf("%s: %v", np.Name, err)
				}
			}
		})
	}
}

func TestFilter_InferDecreasesEnergy(t *testing.T) {
	_, f := testWorld(t, testrand.New(3), PrecState, PrecLearned)
	prev := f.Evaluate()
	for it := 0; it < 30; it++ {
		if _, err := f.Infer(1, 0.01); err != nil {
			t.Fatal(err)
		}
		cur := f.lastF / float64(f.B)
		if cur > prev+1e-5 {
			t.Fatalf("step %d: F rose from %v to %v", it, prev, cur)
		}
		prev = cur
	}
}

func TestFilter_InferNoAlloc(t *testing.T) {
	w, f := testWorld(t, testrand.New(4), PrecState, PrecLearned)
	_ = w
	step := func() {
		f.Init(false)
		if _, err := f.Infer(5, 0.05); err != nil {
			t.Fatal(err)
		}
		f.Learn()
	}
	step()
	if a := testing.AllocsPerRun(5, step); a != 0 {
		t.Fatalf("a filtering step allocates %v times", a)
	}
}

func TestNewWorld_Errors(t *testing.T) {
	rng := testrand.New(5)
	cfg := DefaultWorldConfig()
	cfg.Latent = []int{2, 2}
	cfg.Parents = [][]int{{2}, {1}}
	if _, err := NewWorld(cfg, 3, 1, rng); err == nil {
		t.Error("a cycle was accepted")
	}
	cfg.Parents = [][]int{{7}, nil}
	if _, err := NewWorld(cfg, 3, 1, rng); err == nil {
		t.Error("an invalid parent was accepted")
	}
	cfg = DefaultWorldConfig()
	cfg.Latent = nil
	if _, err := NewWorld(cfg, 3, 1, rng); err == nil {
		t.Error("no latent nodes was accepted")
	}
	_ = tensor.Tanh
}
