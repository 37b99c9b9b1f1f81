package optim

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vfe-go/vfe/nn"
)

func TestSchedule_LR(t *testing.T) {
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	t.Run("constant", func(t *testing.T) {
		if got := (Constant{Rate: 3e-4}).LR(7, 10); got != 3e-4 {
			t.Errorf("got %v", got)
		}
	})
	t.Run("linear is PPO annealing", func(t *testing.T) {
		// CleanRL: frac = 1 − (update − 1)/num_updates for update = 1…4 gives 1, 0.75, 0.5, 0.25.
		s := Linear{Start: 2.5e-4}
		for update, frac := range map[int]float64{1: 1, 2: 0.75, 3: 0.5, 4: 0.25} {
			if got := s.LR(update-1, 4); !near(got, frac*2.5e-4) {
				t.Errorf("update %d: %v, want %v", update, got, frac*2.5e-4)
			}
		}
		if got := (Linear{Start: 1, End: 0.5}).LR(20, 10); got != 0.5 {
			t.Errorf("past the end: %v, want End 0.5", got)
		}
		if got := (Linear{Start: 1}).LR(3, 0); got != 1 {
			t.Errorf("total 0: %v, want Start", got)
		}
	})
	t.Run("cosine", func(t *testing.T) {
		s := Cosine{Start: 1, End: 0.2}
		// cos(0) = 1 → Start; cos(π/2) = 0 → midpoint 0.6; cos(π) = −1 → End.
		for step, want := range map[int]float64{0: 1, 50: 0.6, 100: 0.2, 150: 0.2} {
			if got := s.LR(step, 100); !near(got, want) {
				t.Errorf("step %d: %v, want %v", step, got, want)
			}
		}
	})
	t.Run("step decay", func(t *testing.T) {
		s := StepDecay{Start: 1, Gamma: 0.5, Every: 3}
		for step, want := range map[int]float64{0: 1, 2: 1, 3: 0.5, 5: 0.5, 6: 0.25} {
			if got := s.LR(step, 0); got != want {
				t.Errorf("step %d: %v, want %v", step, got, want)
			}
		}
	})
	t.Run("warmup", func(t *testing.T) {
		s := Warmup{Steps: 4, Then: Constant{Rate: 1}}
		for step, want := range map[int]float64{0: 0.25, 1: 0.5, 3: 1, 4: 1, 9: 1} {
			if got := s.LR(step, 10); got != want {
				t.Errorf("step %d: %v, want %v", step, got, want)
			}
		}
	})
}

func TestClipGradNorm(t *testing.T) {
	mk := func(a, b float32) []*nn.Param {
		p, q := nn.NewParam("a", 1, 1), nn.NewParam("b", 1, 1)
		p.Grad.Data[0], q.Grad.Data[0] = a, b
		return []*nn.Param{p, q}
	}
	t.Run("clips", func(t *testing.T) {
		// ‖(3, 4)‖ = 5; c = 1/(5 + 1e-6); grads become (3c, 4c) ≈ (0.6, 0.8).
		ps := mk(3, 4)
		if n := ClipGradNorm(ps, 1); n != 5 {
			t.Errorf("norm %v, want 5", n)
		}
		c := 1 / (5 + 1e-6)
		if math.Abs(float64(ps[0].Grad.Data[0])-3*c) > 1e-7 || math.Abs(float64(ps[1].Grad.Data[0])-4*c) > 1e-7 {
			t.Errorf("grads %v %v, want %v %v", ps[0].Grad.Data, ps[1].Grad.Data, 3*c, 4*c)
		}
	})
	t.Run("below the limit", func(t *testing.T) {
		ps := mk(3, 4)
		if n := ClipGradNorm(ps, 10); n != 5 || ps[0].Grad.Data[0] != 3 || ps[1].Grad.Data[0] != 4 {
			t.Errorf("norm %v, grads %v %v; want 5 and unchanged", n, ps[0].Grad.Data, ps[1].Grad.Data)
		}
	})
	t.Run("non-finite", func(t *testing.T) {
		ps := mk(float32(math.Inf(1)), 4)
		if n := ClipGradNorm(ps, 1); !math.IsInf(n, 1) || ps[1].Grad.Data[0] != 4 {
			t.Errorf("norm %v, grad %v; want +Inf and untouched", n, ps[1].Grad.Data)
		}
	})
}

// TestSumSq checks the gradient-norm sum of squares: exact on integers for
// every length (n(n+1)(2n+1)/6, so every tail length mod 16 is covered);
// on random values the same bits as the Go form of the lane order
// (sumSqLanes, then the tail fused in: what machines without AVX2 run) and
// within float64 rounding of a serial sum.
func TestSumSq(t *testing.T) {
	for n := 0; n <= 40; n++ {
		a := make([]float32, n)
		for i := range a {
			a[i] = float32(i + 1)
			if i%3 == 0 {
				a[i] = -a[i] // signs do not matter
			}
		}
		if got, want := sumSq(a), float64(n*(n+1)*(2*n+1)/6); got != want {
			t.Errorf("n=%d: %v, want %v", n, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(5, 5))
	for _, n := range []int{16, 17, 31, 1024, 100_003} {
		a := make([]float32, n)
		var serial float64
		for i := range a {
			a[i] = float32(rng.NormFloat64())
			serial += float64(a[i]) * float64(a[i])
		}
		m := n &^ 15
		want := sumSqLanes(a[:m])
		for _, v := range a[m:] {
			want = math.FMA(float64(v), float64(v), want)
		}
		got := sumSq(a)
		if got != want {
			t.Errorf("n=%d: %v, want the lane order's %v", n, got, want)
		}
		if math.Abs(got-serial) > 1e-12*serial {
			t.Errorf("n=%d: %v, serial sum %v", n, got, serial)
		}
	}
}

func TestPolyak(t *testing.T) {
	tgt, src := nn.NewParam("t", 1, 2), nn.NewParam("s", 1, 2)
	src.Val.Fill(1)
	// τ = 0.25 from 0 towards 1: 0.25, then 0.25 + 0.75·0.25 = 0.4375.
	Polyak([]*nn.Param{tgt}, []*nn.Param{src}, 0.25)
	Polyak([]*nn.Param{tgt}, []*nn.Param{src}, 0.25)
	if tgt.Val.Data[0] != 0.4375 || tgt.Val.Data[1] != 0.4375 {
		t.Errorf("target %v, want 0.4375", tgt.Val.Data)
	}
	Polyak([]*nn.Param{tgt}, []*nn.Param{src}, 1)
	if tgt.Val.Data[0] != 1 {
		t.Errorf("τ = 1 gave %v, want a copy", tgt.Val.Data)
	}
	defer func() {
		if recover() == nil {
			t.Error("mismatched shapes did not panic")
		}
	}()
	Polyak([]*nn.Param{tgt}, []*nn.Param{nn.NewParam("x", 2, 1)}, 0.5)
}
