package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestRun_Consistent(t *testing.T) {
	cfg := Config{Dims: []int{3, 5, 4, 6}, Batch: 4, T: 5, Eta: 0.1, LR: 1e-3, Seed: 3}
	d, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("energy", func(t *testing.T) {
		// Plain gradient steps with a small η do not raise F.
		if !(d.F <= d.F0) {
			t.Fatalf("F after inference %v > F0 %v", d.F, d.F0)
		}
		var sum float64
		for _, e := range d.NodeF {
			sum += e
		}
		if math.Abs(sum-d.F) > 1e-9*math.Abs(d.F) {
			t.Fatalf("node energies sum to %v, F = %v", sum, d.F)
		}
	})
	t.Run("top-gradient", func(t *testing.T) {
		// Recompute by hand from the dump: ε = z_{L−1} − (x W_Lᵀ + b_L) and
		// ∂F/∂W_L = −εᵀx / B, ∂F/∂b_L = −Σ_rows ε / B (f = identity on x).
		L := len(cfg.Dims) - 1
		W, b, z, x := d.Init[L-1].W, d.Init[L-1].B, d.Z[L-1], d.X
		gW := make([]float64, W.Rows*W.Cols)
		gb := make([]float64, W.Rows)
		for r := 0; r < cfg.Batch; r++ {
			for i := 0; i < W.Rows; i++ {
				mu := float64(b.Data[i])
				for j := 0; j < W.Cols; j++ {
					mu += float64(W.Data[i*W.Cols+j]) * float64(x.Data[r*x.Cols+j])
				}
				eps := float64(z.Data[r*z.Cols+i]) - mu
				gb[i] -= eps / float64(cfg.Batch)
				for j := 0; j < W.Cols; j++ {
					gW[i*W.Cols+j] -= eps * float64(x.Data[r*x.Cols+j]) / float64(cfg.Batch)
				}
			}
		}
		for i, v := range gW {
			if math.Abs(v-float64(d.Grad[L-1].W.Data[i])) > 1e-5 {
				t.Fatalf("∂W[%d] = %v, hand %v", i, d.Grad[L-1].W.Data[i], v)
			}
		}
		for i, v := range gb {
			if math.Abs(v-float64(d.Grad[L-1].B.Data[i])) > 1e-5 {
				t.Fatalf("∂b[%d] = %v, hand %v", i, d.Grad[L-1].B.Data[i], v)
			}
		}
	})
	t.Run("adam", func(t *testing.T) {
		// Adam's first step is θ ← θ − α·g/(|g| + ε) (bias corrections
		// cancel at t = 1): −α·sign(g) up to ε.
		for l := range d.Init {
			for i, g := range d.Grad[l].W.Data {
				if math.Abs(float64(g)) < 1e-4 {
					continue
				}
				step := float64(d.AfterAdam[l].W.Data[i] - d.Init[l].W.Data[i])
				if want := -cfg.LR * math.Copysign(1, float64(g)); math.Abs(step-want) > 1e-6 {
					t.Fatalf("layer %d W[%d]: step %v, want %v", l, i, step, want)
				}
			}
		}
	})
}

func TestRun_CLI(t *testing.T) {
	t.Run("file", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "d.json")
		var stdout, stderr bytes.Buffer
		if code := run([]string{"-dims", "2,3,4", "-batch", "2", "-T", "2", "-out", out}, &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var d Dump
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		if len(d.Init) != 2 || d.Init[0].W.Rows != 2 || d.Init[0].W.Cols != 3 || len(d.Z) != 3 || d.X.Rows != 2 || d.X.Cols != 4 {
			t.Fatalf("unexpected shapes in %+v", d.Config)
		}
	})
	t.Run("bad-dims", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		if code := run([]string{"-dims", "3,x"}, &stdout, &stderr); code != 2 {
			t.Fatalf("exit %d, want 2", code)
		}
		if code := run([]string{"-dims", "3,4"}, &stdout, &stderr); code != 1 {
			t.Fatalf("two widths: exit %d, want 1", code)
		}
	})
}
