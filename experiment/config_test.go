package experiment

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/vfe-go/vfe/data"
	"github.com/vfe-go/vfe/tensor"
)

func TestGrid_Points(t *testing.T) {
	g := Grid{LR: []float64{1e-3, 3e-3}, Eta: []float64{0.01, 0.1}, T: []int{10, 20}}
	t.Run("pc", func(t *testing.T) {
		ps := g.Points("pc")
		if len(ps) != 8 { // 2 lr × 2 η × 2 T
			t.Fatalf("%d points, want 8", len(ps))
		}
		if ps[0] != (Hyper{1e-3, 0.01, 10}) || ps[1] != (Hyper{1e-3, 0.01, 20}) || ps[7] != (Hyper{3e-3, 0.1, 20}) {
			t.Errorf("order: %v", ps)
		}
	})
	t.Run("bp", func(t *testing.T) {
		ps := g.Points("bp")
		if !slices.Equal(ps, []Hyper{{LR: 1e-3}, {LR: 3e-3}}) {
			t.Errorf("bp points %v", ps)
		}
	})
	t.Run("strings", func(t *testing.T) {
		if s := (Hyper{1e-3, 0.03, 20}).String(); s != "lr=0.001 η=0.03 T=20" {
			t.Errorf("String = %q", s)
		}
		if s := (Hyper{LR: 1e-3}).key(); s != "lr0.001" {
			t.Errorf("key = %q", s)
		}
	})
}

func TestContinualConfig_Validate(t *testing.T) {
	for _, p := range []string{ProtocolSplitTask, ProtocolSplitClass, ProtocolPermuted} {
		for _, c := range []ContinualConfig{DefaultContinual("mnist", p), QuickContinual("fashion", p)} {
			if err := c.Validate(); err != nil {
				t.Errorf("%s preset: %v", p, err)
			}
		}
	}
	bad := map[string]func(*ContinualConfig){
		"protocol": func(c *ContinualConfig) { c.Protocol = "rotated" },
		"dataset":  func(c *ContinualConfig) { c.Dataset = "cifar" },
		"seeds":    func(c *ContinualConfig) { c.Seeds = 0 },
		"val_frac": func(c *ContinualConfig) { c.ValFrac = 1 },
		"grid":     func(c *ContinualConfig) { c.Grid.Eta = nil },
		"lr":       func(c *ContinualConfig) { c.Grid.LR = []float64{-1} },
		"batch":    func(c *ContinualConfig) { c.Batch = 0 },
		"hidden":   func(c *ContinualConfig) { c.Hidden = []int{0} },
		"limits":   func(c *ContinualConfig) { c.TrainPerTask = -1 },
	}
	for name, mod := range bad {
		t.Run(name, func(t *testing.T) {
			c := DefaultContinual("mnist", ProtocolPermuted)
			mod(&c)
			err := c.Validate()
			if err == nil || !strings.HasPrefix(err.Error(), "experiment: ") {
				t.Errorf("error %v, want an experiment: error", err)
			}
		})
	}
}

func TestBatchSizeConfig_Validate(t *testing.T) {
	if err := DefaultBatchSize("fashion").Validate(); err != nil {
		t.Error(err)
	}
	if err := QuickBatchSize("fashion").Validate(); err != nil {
		t.Error(err)
	}
	for name, mod := range map[string]func(*BatchSizeConfig){
		"batches":   func(c *BatchSizeConfig) { c.Batches = []int{1, 0} },
		"duplicate": func(c *BatchSizeConfig) { c.Batches = []int{4, 4} },
		"epochs":    func(c *BatchSizeConfig) { c.Epochs = 0 },
		"T":         func(c *BatchSizeConfig) { c.Grid.T = []int{0} },
	} {
		t.Run(name, func(t *testing.T) {
			c := DefaultBatchSize("fashion")
			mod(&c)
			if err := c.Validate(); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestArgmaxMasked(t *testing.T) {
	row := []float32{0.1, 0.9, 0.3, 0.5, 0.5}
	if k := argmaxMasked(row, nil); k != 1 {
		t.Errorf("unmasked argmax %d, want 1", k)
	}
	if k := argmaxMasked(row, []int{2, 3}); k != 3 {
		t.Errorf("masked {2,3} argmax %d, want 3", k)
	}
	if k := argmaxMasked(row, []int{3, 4}); k != 3 { // tie: the first
		t.Errorf("tie argmax %d, want 3", k)
	}
}

func TestPermuteInto(t *testing.T) {
	// permuteInto must agree with data.Permute (column j = column perm[j]).
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.New(3, 5)
	for i := range x.Data {
		x.Data[i] = float32(i)
	}
	ds := &data.Dataset{X: x, Y: []int{0, 1, 0}, Classes: 2}
	perm := data.PixelPermutation(rng, 5)
	want := ds.Permute(perm).X
	got := permuteInto(tensor.New(0, 1), x, perm)
	if !slices.Equal(got.Data, want.Data) || got.Rows != 3 || got.Cols != 5 {
		t.Errorf("permuteInto = %v, want %v", got.Data, want.Data)
	}
	if permuteInto(nil, x, nil) != x {
		t.Error("nil perm should return x itself")
	}
}
