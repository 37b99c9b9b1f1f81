package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vfe-go/vfe/run"
)

// plotTestRun writes a tiny run directory with a decreasing loss.
func plotTestRun(t *testing.T, root, name string, seed int) string {
	t.Helper()
	d, err := run.Create(filepath.Join(root, name), map[string]any{"method": "pc", "seed": seed})
	if err != nil {
		t.Fatal(err)
	}
	l, err := d.Logger()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for s := 1; s <= 5; s++ {
		if err := l.Log(run.Int("step", s), run.F("loss", float64(seed)/float64(s)), run.F("acc", 1-1/float64(s+1))); err != nil {
			t.Fatal(err)
		}
	}
	return d.Path
}

func TestPlotCmd_Run(t *testing.T) {
	root := t.TempDir()
	a := plotTestRun(t, root, "a", 1)
	b := plotTestRun(t, root, "b", 2)
	exec := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Run(context.Background(), append([]string{"plot"}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}
	t.Run("one run: curves", func(t *testing.T) {
		code, out, errs := exec(a)
		want := filepath.Join(a, "curves.png")
		if code != exitOK || !strings.Contains(out, want) {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
		}
		if _, err := os.Stat(want); err != nil {
			t.Error(err)
		}
	})
	t.Run("overlay", func(t *testing.T) {
		code, out, errs := exec(a, b, "--metric", "loss")
		want := filepath.Join(root, "overlay-loss.png")
		if code != exitOK || !strings.Contains(out, want) {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
		}
		if _, err := os.Stat(want); err != nil {
			t.Error(err)
		}
	})
	t.Run("explicit out", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "x.png")
		if code, _, errs := exec(a, "--metric", "acc", "--out", p); code != exitOK {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	})
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no runs", nil, exitUsage, "requires at least"},
		{"several runs without metric", []string{a, b}, exitUsage, "--metric is required"},
		{"bad out", []string{a, "--out", "x.jpg"}, exitUsage, ".png"},
		{"unknown metric", []string{a, "--metric", "nope"}, exitError, "no metric"},
		{"missing run", []string{filepath.Join(root, "none")}, exitError, "none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := exec(tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, errs, tc.code, tc.msg)
			}
		})
	}
}
