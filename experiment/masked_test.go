package experiment

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vfe-go/vfe/pc"
	"github.com/vfe-go/vfe/pc/classify"
	"github.com/vfe-go/vfe/tensor"
)

// maskedFixture returns a small classifier (6 inputs, one hidden layer of
// 5, 4 classes, batch 8) and a batch with labels in {1, 2}.
func maskedFixture(t *testing.T, method string) (*classify.Classifier, *tensor.Mat, []int) {
	t.Helper()
	cfg := classify.DefaultConfig()
	cfg.Method, cfg.Hidden, cfg.Batch, cfg.Seed, cfg.LR = method, []int{5}, 8, 3, 0.01
	cfg.Infer.T, cfg.Infer.Eta = 7, 0.1
	clf, err := classify.New(cfg, 6, 4)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	x := tensor.New(8, 6)
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	y := []int{1, 2, 2, 1, 1, 2, 1, 2}
	return clf, x, y
}

func params(c *classify.Classifier) [][]float32 {
	var out [][]float32
	for _, np := range c.Params() {
		out = append(out, slices.Clone(np.Param.Val.Data))
	}
	return out
}

// outputLayer returns the Dense edge that predicts the label node.
func outputLayer(t *testing.T, c *classify.Classifier) *pc.Dense {
	t.Helper()
	for _, e := range c.Model.Edges {
		if e.To == c.LabelNode() {
			return e.Fn.(*pc.Dense)
		}
	}
	t.Fatal("no edge into the label node")
	return nil
}

func TestMasked_Step(t *testing.T) {
	for _, method := range Methods {
		t.Run(method+"/all classes equals TrainBatch", func(t *testing.T) {
			// With every output unit in the mask nothing is released, so
			// the masked step must reproduce TrainBatch bit for bit.
			a, x, y := maskedFixture(t, method)
			b, _, _ := maskedFixture(t, method)
			mk := newMasked(b)
			mk.setMask([]int{0, 1, 2, 3}, 4)
			for range 3 {
				st, err := a.TrainBatch(x, y)
				if err != nil {
					t.Fatal(err)
				}
				correct, err := mk.step(x, y)
				if err != nil {
					t.Fatal(err)
				}
				if correct != st.Correct {
					t.Errorf("correct %d, TrainBatch %d", correct, st.Correct)
				}
			}
			pa, pb := params(a), params(b)
			for i := range pa {
				if !slices.Equal(pa[i], pb[i]) {
					t.Fatalf("parameter %d differs from TrainBatch's", i)
				}
			}
		})
		t.Run(method+"/units outside the mask are not trained", func(t *testing.T) {
			// Output units 0 and 3 carry no error, so their weight rows
			// and biases get zero gradient and Adam leaves them unchanged;
			// units 1 and 2 do learn.
			c, x, y := maskedFixture(t, method)
			out := outputLayer(t, c)
			w0, b0 := slices.Clone(out.Lin.W.Val.Data), slices.Clone(out.Lin.B.Val.Data)
			mk := newMasked(c)
			mk.setMask([]int{1, 2}, 4)
			for range 2 {
				if _, err := mk.step(x, y); err != nil {
					t.Fatal(err)
				}
			}
			in := out.Lin.In
			for k := range 4 {
				row, row0 := out.Lin.W.Val.Data[k*in:(k+1)*in], w0[k*in:(k+1)*in]
				same := slices.Equal(row, row0) && out.Lin.B.Val.Data[k] == b0[k]
				if masked := k == 0 || k == 3; masked != same {
					t.Errorf("output unit %d: unchanged = %v, want %v", k, same, masked)
				}
			}
			// The released units sit at their predictions: zero error.
			eps := mk.s.Error(c.LabelNode())
			for r := 0; r < eps.Rows; r++ {
				if eps.At(r, 0) != 0 || eps.At(r, 3) != 0 {
					t.Fatalf("row %d: released errors %v, %v, want 0", r, eps.At(r, 0), eps.At(r, 3))
				}
			}
		})
	}
	t.Run("label outside the mask", func(t *testing.T) {
		c, x, y := maskedFixture(t, "bp")
		mk := newMasked(c)
		mk.setMask([]int{0, 3}, 4)
		if _, err := mk.step(x, y); err == nil {
			t.Error("no error for labels outside the mask")
		}
	})
}

func TestMasked_StepAllocs(t *testing.T) {
	for _, method := range Methods {
		t.Run(method, func(t *testing.T) {
			c, x, y := maskedFixture(t, method)
			mk := newMasked(c)
			mk.setMask([]int{1, 2}, 4)
			if _, err := mk.step(x, y); err != nil { // warm up buffers
				t.Fatal(err)
			}
			if n := testing.AllocsPerRun(20, func() {
				if _, err := mk.step(x, y); err != nil {
					t.Fatal(err)
				}
			}); n != 0 {
				t.Errorf("%v allocations per masked step, want 0", n)
			}
		})
	}
	t.Run("permuteInto", func(t *testing.T) {
		x, buf := tensor.New(8, 6), tensor.New(8, 6)
		perm := []int{5, 4, 3, 2, 1, 0}
		if n := testing.AllocsPerRun(20, func() { permuteInto(buf, x, perm) }); n != 0 {
			t.Errorf("%v allocations per permutation, want 0", n)
		}
	})
}

// BenchmarkMaskedStep measures one task-incremental training step of the
// full-size network (784-256-256-10, batch 64, PC with T = 20).
func BenchmarkMaskedStep(b *testing.B) {
	for _, method := range Methods {
		b.Run(method, func(b *testing.B) {
			cfg := classify.DefaultConfig()
			cfg.Method = method
			clf, err := classify.New(cfg, 784, 10)
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 1))
			x := tensor.New(64, 784)
			for i := range x.Data {
				x.Data[i] = rng.Float32()
			}
			y := make([]int, 64)
			for i := range y {
				y[i] = 2 + i%2
			}
			mk := newMasked(clf)
			mk.setMask([]int{2, 3}, 10)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := mk.step(x, y); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(64*b.N)/b.Elapsed().Seconds(), "samples/s")
			b.Logf("BLAS %s", tensor.BLAS())
		})
	}
}
