package classify

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vfe-go/vfe/data"
	"github.com/vfe-go/vfe/run"
)

// writeBlobIDX writes a tiny IDX dataset of 4×4 images in 3 classes (each
// class lights a different band of pixels, plus noise) to a new folder.
func writeBlobIDX(t *testing.T, nTrain, nTest int) string {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 5))
	write := func(name string, dims []int, payload []byte) {
		if err := data.WriteIDX(filepath.Join(dir, name), dims, payload); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []struct {
		prefix string
		n      int
	}{{"train", nTrain}, {"t10k", nTest}} {
		img := make([]byte, 16*s.n)
		lbl := make([]byte, s.n)
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
		write(s.prefix+"-images-idx3-ubyte", []int{s.n, 4, 4}, img)
		write(s.prefix+"-labels-idx1-ubyte", []int{s.n}, lbl)
	}
	return dir
}

func blobConfig(dir string) Config {
	cfg := DefaultConfig()
	cfg.Dataset = "blobs"
	cfg.DataDir = dir
	cfg.Hidden = []int{8}
	cfg.Batch = 16
	cfg.Epochs = 3
	cfg.LR = 3e-3
	return cfg
}

// cancelAfter cancels a context when the epoch log reports epoch n.
type cancelAfter struct {
	cancel context.CancelFunc
	mark   string
}

func (c cancelAfter) Write(p []byte) (int, error) {
	if strings.Contains(string(p), c.mark) {
		c.cancel()
	}
	return len(p), nil
}

func TestRun_WritesRunAndResumesExactly(t *testing.T) {
	data := writeBlobIDX(t, 320, 96)
	cfg := blobConfig(data)

	full := filepath.Join(t.TempDir(), "full")
	sum, err := Run(context.Background(), cfg, RunOptions{Out: full})
	if err != nil {
		t.Fatal(err)
	}
	if sum.TestAccuracy < 0.9 {
		t.Fatalf("test accuracy %.3f on separable blobs", sum.TestAccuracy)
	}
	for _, f := range []string{run.ConfigFile, "metrics.csv", "metrics.jsonl", run.SummaryFile, run.CheckpointFile, ModelFile, CurvesFile} {
		if _, err := os.Stat(filepath.Join(full, f)); err != nil {
			t.Errorf("run directory lacks %s", f)
		}
	}

	// Interrupt a second run after its first epoch, then resume it: the
	// result must equal the uninterrupted run's bit for bit (data order and
	// optimiser state are restored from the checkpoint).
	part := filepath.Join(t.TempDir(), "part")
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := Run(ctx, cfg, RunOptions{Out: part, Log: cancelAfter{cancel, "epoch 1/"}}); err == nil {
		t.Fatal("the interrupted run returned no error")
	}
	if _, err := Run(context.Background(), cfg, RunOptions{Out: part}); err == nil {
		t.Fatal("a second run into the same directory without --resume was accepted")
	}
	resumed, err := Run(context.Background(), cfg, RunOptions{Out: part, Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	if resumed.TestAccuracy != sum.TestAccuracy {
		t.Fatalf("resumed accuracy %v, uninterrupted %v", resumed.TestAccuracy, sum.TestAccuracy)
	}
	a, _ := os.ReadFile(filepath.Join(full, ModelFile))
	b, _ := os.ReadFile(filepath.Join(part, ModelFile))
	if !bytes.Equal(a, b) {
		t.Fatal("resumed model differs from the uninterrupted one")
	}
	rows, _, err := run.ReadMetrics(part)
	if err != nil || len(rows) != cfg.Epochs {
		t.Fatalf("resumed run logged %d epochs (err %v), want %d", len(rows), err, cfg.Epochs)
	}

	// The run can be reopened for evaluation.
	c, _, err := Open(full)
	if err != nil {
		t.Fatal(err)
	}
	_, test, err := LoadData(c.Cfg)
	if err != nil {
		t.Fatal(err)
	}
	if acc, err := c.Accuracy(test); err != nil || acc != sum.TestAccuracy {
		t.Fatalf("reopened accuracy %v (%v), want %v", acc, err, sum.TestAccuracy)
	}
}

func TestRun_DivergenceKeepsLastCheckpoint(t *testing.T) {
	data := writeBlobIDX(t, 160, 32)
	cfg := blobConfig(data)
	cfg.Epochs = 2
	cfg.Infer.Eta = 1e30 // inference explodes
	dir := filepath.Join(t.TempDir(), "div")
	_, err := Run(context.Background(), cfg, RunOptions{Out: dir})
	if err == nil || !strings.Contains(err.Error(), "diverged") {
		t.Fatalf("err = %v, want a divergence error", err)
	}
}

func TestRun_MissingData(t *testing.T) {
	cfg := blobConfig(filepath.Join(t.TempDir(), "nothing-here"))
	_, err := Run(context.Background(), cfg, RunOptions{Out: filepath.Join(t.TempDir(), "r")})
	if err == nil {
		t.Fatal("a missing dataset was accepted")
	}
	if strings.Count(err.Error(), "\n") > 0 {
		t.Fatalf("error is not one line: %q", err)
	}
}
