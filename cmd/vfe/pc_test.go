package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vfe-go/vfe/data"
)

// tinyIDX writes a 3-class 4×4 IDX dataset (class k lights pixel band k).
func tinyIDX(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(9, 9))
	for _, s := range []struct {
		prefix string
		n      int
	}{{"train", 240}, {"t10k", 60}} {
		img, lbl := make([]byte, 16*s.n), make([]byte, s.n)
		for i := range s.n {
			k := rng.IntN(3)
			lbl[i] = byte(k)
			for j := range 16 {
				v := rng.IntN(60)
				if j/5 == k {
					v += 180
				}
				img[16*i+j] = byte(v)
			}
		}
		if err := data.WriteIDX(filepath.Join(dir, s.prefix+"-images-idx3-ubyte"), []int{s.n, 4, 4}, img); err != nil {
			t.Fatal(err)
		}
		if err := data.WriteIDX(filepath.Join(dir, s.prefix+"-labels-idx1-ubyte"), []int{s.n}, lbl); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestPC_TrainEvalGenerate(t *testing.T) {
	dataDir := tinyIDX(t)
	out := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := runVFE(t, "pc", "train", "--dataset", "tiny", "--data", dataDir, "--mode", "hybrid",
		"--hidden", "8", "--epochs", "2", "--batch", "16", "--T", "5", "--test-T", "5", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "test accuracy") || !strings.Contains(stdout, out) {
		t.Fatalf("stdout %q", stdout)
	}
	code, stdout, stderr = runVFE(t, "pc", "eval", "--run", out)
	if code != 0 || !strings.Contains(stdout, "test accuracy") {
		t.Fatalf("eval exit %d: %s %s", code, stdout, stderr)
	}
	grid := filepath.Join(t.TempDir(), "grid.png")
	code, _, stderr = runVFE(t, "pc", "generate", "--run", out, "--out", grid)
	if code != 0 {
		t.Fatalf("generate exit %d: %s", code, stderr)
	}
	if st, err := os.Stat(grid); err != nil || st.Size() == 0 {
		t.Fatalf("no grid written: %v", err)
	}
}

func TestPC_Errors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"pc", "train"}, exitUsage},                                                // no --out
		{[]string{"pc", "train", "--out", "x", "--method", "hebb"}, exitUsage},              // bad method
		{[]string{"pc", "train", "--out", "x", "--act", "swish"}, exitUsage},                // bad activation
		{[]string{"pc", "train", "--out", "x", "--T", "-1"}, exitUsage},                     // bad T
		{[]string{"pc", "train", "--out", "x", "--mode", "bp", "--epochs", "1"}, exitUsage}, // bad mode
		{[]string{"pc", "eval"}, exitUsage},
		{[]string{"pc", "eval", "--run", "/nonexistent/run"}, exitError},
		{[]string{"pc", "train", "--dataset", "tiny", "--data", "/nonexistent", "--out", "OUT"}, exitError},
	} {
		args := append([]string(nil), tc.args...)
		for i, a := range args {
			if a == "OUT" {
				args[i] = filepath.Join(t.TempDir(), "r")
			}
		}
		code, _, stderr := runVFE(t, args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args, code, tc.code, stderr)
		}
		if code != 0 && strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: error is not one line: %q", tc.args, stderr)
		}
	}
	_ = fmt.Sprint
}
