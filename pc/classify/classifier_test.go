package classify

import (
	"math/rand/v2"
	"testing"

	"github.com/vfe-go/vfe/pc"
	"github.com/vfe-go/vfe/tensor"
)

// blobs returns n samples of k well-separated Gaussian clusters in d
// dimensions (centres ±1.5 per coordinate, noise σ = 0.3), so a linear
// classifier reaches ~100% and any working learner must exceed 90%.
func blobs(rng *rand.Rand, centres *tensor.Mat, n int) (*tensor.Mat, []int) {
	k, d := centres.Rows, centres.Cols
	x := tensor.New(n, d)
	y := make([]int, n)
	for i := range n {
		y[i] = rng.IntN(k)
		for j := range d {
			x.Set(i, j, centres.At(y[i], j)+float32(0.3*rng.NormFloat64()))
		}
	}
	return x, y
}

func accuracy(t *testing.T, c *Classifier, x *tensor.Mat, y []int) float64 {
	t.Helper()
	pred, err := c.Predict(nil, x)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := range y {
		if pred[i] == y[i] {
			n++
		}
	}
	return float64(n) / float64(len(y))
}

func TestClassifier_LearnsBlobs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
	}{
		{"pc-discriminative", func(c *Config) {}},
		{"bp-discriminative", func(c *Config) { c.Method = MethodBP }},
		{"pc-incremental", func(c *Config) { c.Schedule = ScheduleIncremental; c.Infer.T = 5 }},
		{"pc-learned-precision", func(c *Config) { c.Prec = pc.PrecDiag }},
		{"pc-generative", func(c *Config) { c.Mode = ModeGenerative; c.LR = 3e-3 }},
		{"pc-hybrid", func(c *Config) { c.Mode = ModeHybrid; c.LR = 3e-3 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			centres := tensor.New(4, 12)
			for i := range centres.Data {
				centres.Data[i] = float32(3*rng.IntN(2)) - 1.5
			}
			x, y := blobs(rng, centres, 512)
			xt, yt := blobs(rng, centres, 512) // held out: fresh draws
			cfg := DefaultConfig()
			cfg.Hidden = []int{16}
			cfg.Batch = 32
			tc.mutate(&cfg)
			c, err := New(cfg, 12, 4)
			if err != nil {
				t.Fatal(err)
			}
			for epoch := 0; epoch < 15; epoch++ {
				for b := 0; b < 512; b += 32 {
					if _, err := c.TrainBatch(x.RowsView(b, b+32), y[b:b+32]); err != nil {
						t.Fatal(err)
					}
				}
			}
			if acc := accuracy(t, c, xt, yt); acc < 0.9 {
				t.Fatalf("accuracy %.3f < 0.9 on separable blobs", acc)
			}
		})
	}
}

func TestNew_LabelPrecision(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Hidden = []int{8}
	cfg.LabelPrec = 0.25
	c, err := New(cfg, 6, 3)
	if err != nil {
		t.Fatal(err)
	}
	for n := range c.Model.Nodes {
		want := float32(1)
		if n == c.LabelNode() {
			want = 0.25
		}
		for _, p := range c.Model.Precision(n) {
			if p != want {
				t.Fatalf("node %d precision %v, want %v", n, p, want)
			}
		}
	}
}
