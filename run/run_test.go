package run

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type testConfig struct {
	Seed  uint64  `json:"seed"`
	LR    float64 `json:"lr"`
	Label string  `json:"label"`
}

func TestAtomicWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.txt")
	if err := AtomicWrite(p, func(w io.Writer) error { _, err := io.WriteString(w, "one"); return err }); err != nil {
		t.Fatal(err)
	}
	t.Run("failed write keeps the old file", func(t *testing.T) {
		boom := errors.New("boom")
		err := AtomicWrite(p, func(w io.Writer) error {
			_, _ = io.WriteString(w, "partial")
			return boom
		})
		if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "run: ") {
			t.Errorf("error %v, want the writer's error with a run: prefix", err)
		}
		if b, _ := os.ReadFile(p); string(b) != "one" {
			t.Errorf("file holds %q, want %q", b, "one")
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			t.Errorf("%d entries in the folder, want 1 (no temporary left behind)", len(ents))
		}
	})
	t.Run("replaces", func(t *testing.T) {
		if err := AtomicWrite(p, func(w io.Writer) error { _, err := io.WriteString(w, "two"); return err }); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != "two" {
			t.Errorf("file holds %q, want %q", b, "two")
		}
	})
	t.Run("missing folder", func(t *testing.T) {
		if err := AtomicWrite(filepath.Join(dir, "no", "f"), func(io.Writer) error { return nil }); err == nil {
			t.Error("no error writing into a missing folder")
		}
	})
}

func TestDir_Create(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs", "a")
	cfg := testConfig{Seed: 3, LR: 0.001, Label: "x"}
	d, err := Create(path, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(path, ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"seed\": 3,\n  \"lr\": 0.001,\n  \"label\": \"x\"\n}\n"
	if string(b) != want {
		t.Errorf("config.json = %q, want %q", b, want)
	}
	t.Run("refuses an existing run", func(t *testing.T) {
		if _, err := Create(path, cfg); err == nil || !strings.Contains(err.Error(), "already holds a run") {
			t.Errorf("error %v, want 'already holds a run'", err)
		}
	})
	t.Run("open and read config", func(t *testing.T) {
		o, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var got testConfig
		if err := o.ReadConfig(&got); err != nil || got != cfg {
			t.Errorf("ReadConfig = %+v, %v; want %+v", got, err, cfg)
		}
		if _, err := Open(t.TempDir()); err == nil {
			t.Error("Open of an empty folder succeeded")
		}
	})
	t.Run("resume", func(t *testing.T) {
		if _, err := Resume(path, cfg); err != nil {
			t.Errorf("Resume with the same config: %v", err)
		}
		other := cfg
		other.LR = 0.01
		if _, err := Resume(path, other); err == nil || !strings.Contains(err.Error(), "differs") {
			t.Errorf("Resume with another config: error %v, want 'differs'", err)
		}
		fresh := filepath.Join(t.TempDir(), "new")
		if _, err := Resume(fresh, cfg); err != nil {
			t.Errorf("Resume of a new folder: %v", err)
		}
		if _, err := os.Stat(filepath.Join(fresh, ConfigFile)); err != nil {
			t.Errorf("Resume of a new folder wrote no config: %v", err)
		}
	})
	t.Run("summary", func(t *testing.T) {
		if err := d.WriteSummary(map[string]float64{"acc": 0.5}); err != nil {
			t.Fatal(err)
		}
		var s map[string]float64
		if err := d.ReadSummary(&s); err != nil || s["acc"] != 0.5 {
			t.Errorf("ReadSummary = %v, %v", s, err)
		}
	})
	t.Run("unencodable config", func(t *testing.T) {
		if _, err := Create(filepath.Join(t.TempDir(), "b"), map[string]any{"f": func() {}}); err == nil {
			t.Error("Create with a func in the config succeeded")
		}
	})
}

func TestMeanCI95(t *testing.T) {
	t.Run("hand calculation", func(t *testing.T) {
		// xs = 1..5: mean 3, s² = 10/4 = 2.5, t_{0.975,4} = 2.776445 (standard
		// t table), half-width = 2.776445·√2.5/√5 = 2.776445/√2 = 1.963243.
		m, h := MeanCI95([]float64{1, 2, 3, 4, 5})
		if m != 3 || math.Abs(h-1.963243) > 1e-6 {
			t.Errorf("MeanCI95 = %v ± %v, want 3 ± 1.963243", m, h)
		}
	})
	t.Run("two samples", func(t *testing.T) {
		// xs = {0, 2}: s = √2, t_{0.975,1} = 12.706205, half-width = 12.706205.
		m, h := MeanCI95([]float64{0, 2})
		if m != 1 || math.Abs(h-12.706205) > 1e-5 {
			t.Errorf("MeanCI95 = %v ± %v, want 1 ± 12.706205", m, h)
		}
	})
	t.Run("degenerate", func(t *testing.T) {
		if m, h := MeanCI95([]float64{4}); m != 4 || !math.IsNaN(h) {
			t.Errorf("n=1: %v ± %v, want 4 ± NaN", m, h)
		}
		if m, h := MeanCI95(nil); !math.IsNaN(m) || !math.IsNaN(h) {
			t.Errorf("n=0: %v ± %v, want NaN ± NaN", m, h)
		}
		if m, h := MeanCI95([]float64{2, 2, 2}); m != 2 || h != 0 {
			t.Errorf("constant: %v ± %v, want 2 ± 0", m, h)
		}
	})
}

func TestProgress_Add(t *testing.T) {
	t.Run("on", func(t *testing.T) {
		var buf bytes.Buffer
		p := NewProgress(&buf, 100, "train", ProgressOn)
		p.Add(50, F("energy", 0.5), F("acc", 0.971))
		p.Add(50)
		p.Finish()
		out := buf.String()
		if !p.Visible() || !strings.Contains(out, "train") || !strings.Contains(out, "100%") {
			t.Errorf("output %q, want the description and 100%%", out)
		}
		if !strings.Contains(out, "acc 97.1%") || !strings.Contains(out, "energy 0.5") {
			t.Errorf("output %q lacks the stats", out)
		}
		if p.Done() != 100 {
			t.Errorf("Done = %d, want 100", p.Done())
		}
	})
	t.Run("hidden does not allocate", func(t *testing.T) {
		p := NewProgress(&bytes.Buffer{}, 10, "x", ProgressOff)
		if a := testing.AllocsPerRun(100, func() { p.Add(1, F("loss", 0.5), F("acc", 0.9)) }); a != 0 {
			t.Errorf("Add: %v allocs, want 0", a)
		}
	})
	for _, mode := range []ProgressMode{ProgressAuto, ProgressOff} {
		var buf bytes.Buffer
		p := NewProgress(&buf, 10, "x", mode)
		p.Add(10, F("loss", 1))
		p.Finish()
		if buf.Len() != 0 || p.Visible() {
			t.Errorf("mode %d on a buffer wrote %q, want nothing", mode, buf.String())
		}
	}
}
