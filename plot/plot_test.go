package plot

import (
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vfe-go/vfe/run"
)

type cfg struct {
	Method string  `json:"method"`
	LR     float64 `json:"lr"`
	Seed   uint64  `json:"seed"`
}

// makeRun writes a run whose metrics follow closed forms: loss = offset +
// 1/step, acc = 1 − 1/(step+1), energy = 2/step.
func makeRun(t *testing.T, root, name string, c cfg, offset float64) string {
	t.Helper()
	d, err := run.Create(filepath.Join(root, name), c)
	if err != nil {
		t.Fatal(err)
	}
	l, err := d.Logger()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for s := 1; s <= 20; s++ {
		st := float64(s)
		row := []run.KV{run.Int("step", s), run.F("losses/policy", offset+1/st), run.F("losses/value", offset+2/st),
			run.F("test/acc", 1-1/(st+1)), run.F("pc/energy", 2/st), run.F("charts/sps", 1000)}
		if s == 5 {
			row[1].Value = math.NaN() // non-finite values are skipped
		}
		if err := l.Log(row...); err != nil {
			t.Fatal(err)
		}
	}
	return d.Path
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// outDir returns where test figures go: $VFE_PLOT_OUT when set (to look at
// them), else a temporary folder.
func outDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("VFE_PLOT_OUT"); d != "" {
		return d
	}
	return t.TempDir()
}

func TestFamily(t *testing.T) {
	for key, want := range map[string]string{
		"test/acc":               "accuracy",
		"train_accuracy":         "accuracy",
		"pc/energy":              "energy",
		"charts/episodic_return": "return",
		"losses/policy":          "losses",
		"wm_loss":                "losses",
		"charts/sps":             "charts/sps",
	} {
		if got := Family(key); got != want {
			t.Errorf("Family(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestCurves(t *testing.T) {
	root := t.TempDir()
	dir := makeRun(t, root, "a", cfg{"pc", 0.1, 1}, 0)
	out := filepath.Join(outDir(t), "curves.png")
	if err := Curves(dir, out); err != nil {
		t.Fatal(err)
	}
	// Families: losses, accuracy, energy, charts/sps → 4 panels in 2×2.
	b := decodePNG(t, out).Bounds()
	if b.Dx() < 900 || b.Dy() < 600 {
		t.Errorf("image %v, want a 2×2 grid of panels", b)
	}
	t.Run("deterministic", func(t *testing.T) {
		out2 := filepath.Join(t.TempDir(), "c2.png")
		if err := Curves(dir, out2); err != nil {
			t.Fatal(err)
		}
		a, _ := os.ReadFile(out)
		c, _ := os.ReadFile(out2)
		if string(a) != string(c) {
			t.Error("the same run gave different PNG bytes")
		}
	})
	t.Run("errors", func(t *testing.T) {
		if err := Curves(filepath.Join(root, "missing"), out); err == nil || !strings.HasPrefix(err.Error(), "plot: ") {
			t.Errorf("error %v, want a plot: error", err)
		}
	})
}

func TestOverlay(t *testing.T) {
	root := t.TempDir()
	var dirs []string
	for s := uint64(1); s <= 3; s++ {
		dirs = append(dirs, makeRun(t, root, "pc-s"+string(rune('0'+s)), cfg{"pc", 0.1, s}, 0.1*float64(s)))
	}
	dirs = append(dirs, makeRun(t, root, "bp", cfg{"bp", 0.1, 1}, 0.5))
	t.Run("groups by config without seed", func(t *testing.T) {
		runs, err := loadRuns(dirs, "losses/value")
		if err != nil {
			t.Fatal(err)
		}
		order, groups := groupRuns(runs)
		if len(order) != 2 || len(groups[order[0]]) != 3 || len(groups[order[1]]) != 1 || groups[order[1]][0].dir != dirs[3] {
			t.Fatalf("groups %v", order)
		}
		out := filepath.Join(outDir(t), "overlay.png")
		if err := Overlay(dirs, "losses/value", out); err != nil {
			t.Fatal(err)
		}
		decodePNG(t, out)
	})
	t.Run("aggregate", func(t *testing.T) {
		// Three seeds with offsets 0.1, 0.2, 0.3 at step 1: values 2.1, 2.2,
		// 2.3 → mean 2.2, s = 0.1, half-width t_{0.975,2}·0.1/√3 =
		// 4.302653·0.057735 = 0.248414.
		members, err := loadRuns(dirs[:3], "losses/value")
		if err != nil {
			t.Fatal(err)
		}
		mean, lo, hi := aggregate(members, "losses/value")
		if len(mean) != 20 || mean[0].X != 1 || math.Abs(mean[0].Y-2.2) > 1e-12 {
			t.Fatalf("mean %v", mean[:1])
		}
		if math.Abs(hi[0].Y-2.2-0.248414) > 1e-6 || math.Abs(2.2-lo[0].Y-0.248414) > 1e-6 {
			t.Errorf("band [%v, %v], want 2.2 ± 0.248414", lo[0].Y, hi[0].Y)
		}
		// losses/policy is NaN at step 5 in every run: that x is left out.
		mp, _, _ := aggregate(members, "losses/policy")
		for _, pt := range mp {
			if pt.X == 5 {
				t.Error("a NaN step was aggregated")
			}
		}
	})
	t.Run("labels", func(t *testing.T) {
		groups := map[string][]*runData{
			"a": {{dir: "x/r1", flat: map[string]any{"method": `"pc"`, "lr": "0.1"}}},
			"b": {{dir: "x/r2", flat: map[string]any{"method": `"bp"`, "lr": "0.1"}}},
		}
		got := groupLabels([]string{"a", "b"}, groups)
		if got[0] != "method=pc" || got[1] != "method=bp" {
			t.Errorf("labels %v, want [method=pc method=bp]", got)
		}
	})
	t.Run("seed removal", func(t *testing.T) {
		v := dropSeeds(map[string]any{"Seed": 1.0, "inner": map[string]any{"seed": 2.0, "k": 3.0}})
		m := v.(map[string]any)
		if _, ok := m["Seed"]; ok || len(m["inner"].(map[string]any)) != 1 {
			t.Errorf("dropSeeds = %v", v)
		}
	})
	t.Run("missing metric", func(t *testing.T) {
		err := Overlay(dirs, "nope", filepath.Join(t.TempDir(), "o.png"))
		if err == nil || !strings.Contains(err.Error(), `no metric "nope"`) {
			t.Errorf("error %v", err)
		}
	})
}

func TestHeatmap(t *testing.T) {
	m := [][]float64{{0.98, math.NaN(), math.NaN()}, {0.61, 0.97, math.NaN()}, {0.42, 0.55, 0.96}}
	out := filepath.Join(outDir(t), "heatmap.png")
	if err := Heatmap(m, []string{"after T1", "after T2", "after T3"}, []string{"T1", "T2", "T3"}, "accuracy", out); err != nil {
		t.Fatal(err)
	}
	decodePNG(t, out)
	for name, bad := range map[string][][]float64{"empty": nil, "ragged": {{1, 2}, {3}}} {
		if err := Heatmap(bad, nil, nil, "", out); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := Heatmap(m, []string{"a"}, nil, "", out); err == nil {
		t.Error("wrong label count: no error")
	}
}

func TestLines(t *testing.T) {
	xs := []float64{1, 4, 16, 64}
	series := []Series{
		{Name: "pc", Y: [][]float64{{0.97, 0.98, 0.975}, {0.96, 0.97}, {0.95}, {0.93, 0.94, 0.92}}},
		{Name: "bp", Y: [][]float64{{0.9, 0.91}, {0.95, 0.96}, {0.97, 0.975}, {}}},
	}
	out := filepath.Join(outDir(t), "lines.png")
	if err := Lines(xs, series, Axes{Title: "accuracy vs batch size", X: "batch size", Y: "test accuracy", LogX: true}, out); err != nil {
		t.Fatal(err)
	}
	decodePNG(t, out)
	if err := Lines([]float64{0, 1}, []Series{{Name: "a", Y: [][]float64{{1}, {2}}}}, Axes{LogX: true}, out); err == nil {
		t.Error("LogX with x = 0: no error")
	}
	if err := Lines(xs, []Series{{Name: "a", Y: [][]float64{{1}}}}, Axes{}, out); err == nil {
		t.Error("series length mismatch: no error")
	}
}

func TestImageGrid(t *testing.T) {
	// Two 2×2 images; image 1 is a checkerboard.
	imgs := [][]float32{{0, 1, 1, 0}, {0.5, 2, -1, float32(math.NaN())}}
	out := filepath.Join(outDir(t), "grid.png")
	if err := ImageGrid(imgs, 1, 3, out); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, out)
	g, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("decoded %T, want *image.Gray", img)
	}
	// Layout: gap 2, pixel scale 3, cell 2·3+2 = 8; width 3·8+2 = 26, height 10.
	if b := g.Bounds(); b.Dx() != 26 || b.Dy() != 10 {
		t.Fatalf("size %v, want 26×10", b)
	}
	for _, c := range []struct {
		x, y int
		want uint8
	}{
		{2, 2, 0}, {5, 2, 255}, {2, 5, 255}, {7, 7, 0}, // image 0
		{10, 2, 128}, {13, 2, 255}, {10, 5, 0}, {13, 5, 0}, // image 1: 0.5→128, clamp 2→255, −1→0, NaN→0
		{0, 0, 128}, {20, 4, 128}, // separators and the empty cell
	} {
		if got := g.GrayAt(c.x, c.y).Y; got != c.want {
			t.Errorf("pixel (%d,%d) = %d, want %d", c.x, c.y, got, c.want)
		}
	}
	if err := ImageGrid([][]float32{{1, 2, 3}}, 1, 1, out); err == nil {
		t.Error("non-square image: no error")
	}
	if err := ImageGrid(imgs, 1, 1, out); err == nil {
		t.Error("too many images: no error")
	}
	t.Run("h×w", func(t *testing.T) {
		// One 1×3 image: width 3·3+2·2 = 13, height 1·3+2·2 = 7.
		if err := ImageGridHW([][]float32{{0, 1, 0}}, 1, 3, 1, 1, out); err != nil {
			t.Fatal(err)
		}
		g := decodePNG(t, out).(*image.Gray)
		if b := g.Bounds(); b.Dx() != 13 || b.Dy() != 7 {
			t.Errorf("size %v, want 13×7", b)
		}
		if g.GrayAt(6, 3).Y != 255 || g.GrayAt(3, 3).Y != 0 {
			t.Error("pixels of the 1×3 image misplaced")
		}
		if err := ImageGridHW([][]float32{{0, 1}}, 1, 3, 1, 1, out); err == nil {
			t.Error("wrong pixel count: no error")
		}
	})
}
