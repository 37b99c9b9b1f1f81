package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runExperiment(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Run(context.Background(), append([]string{"experiment"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestExperimentCmd_Usage(t *testing.T) {
	for name, args := range map[string][]string{
		"no out":         {"continual", "--quick"},
		"bad protocol":   {"continual", "--protocol", "rotated", "--out", t.TempDir()},
		"bad dataset":    {"batchsize", "--dataset", "cifar", "--out", t.TempDir()},
		"zero seeds":     {"batchsize", "--seeds", "0", "--out", t.TempDir()},
		"bad batch list": {"batchsize", "--batches", "0,4", "--out", t.TempDir()},
		"extra argument": {"continual", "oops", "--out", t.TempDir()},
	} {
		t.Run(name, func(t *testing.T) {
			code, _, stderr := runExperiment(args...)
			if code != exitUsage {
				t.Errorf("exit %d (%s), want %d", code, stderr, exitUsage)
			}
		})
	}
}

func TestExperimentCmd_Continual(t *testing.T) {
	if testing.Short() {
		t.Skip("trains networks; run without -short")
	}
	// The --quick preset, cut down to a few hundred samples per task and one
	// grid point per method so that it runs in seconds.
	dir := filepath.Join(t.TempDir(), "study")
	args := []string{"continual", "--dataset", "mnist", "--protocol", "split-class", "--quick", "--seeds", "2", "--hidden", "32",
		"--train-per-task", "256", "--val-per-task", "100", "--test-per-task", "100", "--batch", "32",
		"--lr-grid", "0.003", "--eta-grid", "0.05", "--T-grid", "5", "--out", dir}
	code, stdout, stderr := runExperiment(args...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, filepath.Join(dir, "report.md")) {
		t.Errorf("stdout %q does not name the report", stdout)
	}
	rep, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"vfe experiment continual", "--protocol split-class", "--lr-grid 0.003", "lr=0.003 η=0.05 T=5"} {
		if !strings.Contains(string(rep), s) {
			t.Errorf("report.md lacks %q", s)
		}
	}
	for _, f := range []string{"results.csv", "acc-after-task.png", "accuracy-matrix-pc.png", "accuracy-matrix-bp.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	// Rerunning resumes: every unit is finished, so nothing trains and the
	// report is rewritten identically.
	code, _, stderr = runExperiment(args...)
	if code != exitOK || strings.Contains(stderr, "accuracy") {
		t.Errorf("resume: exit %d, log %q (want no unit retrained)", code, stderr)
	}
	rep2, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	if !bytes.Equal(rep, rep2) {
		t.Error("resumed report differs")
	}
	// Different flags on the same directory are refused.
	args[len(args)-3] = "6"
	if code, _, stderr := runExperiment(args...); code != exitError || !strings.Contains(stderr, "different config") {
		t.Errorf("changed config: exit %d, %q", code, stderr)
	}
}

func TestExperimentCmd_BatchSize(t *testing.T) {
	if testing.Short() {
		t.Skip("trains networks; run without -short")
	}
	dir := t.TempDir()
	code, _, stderr := runExperiment("batchsize", "--quick", "--seeds", "2", "--hidden", "32", "--batches", "16,128",
		"--train-samples", "512", "--val-limit", "200", "--test-limit", "200", "--lr-grid", "0.003", "--eta-grid", "0.05", "--T-grid", "5", "--out", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, f := range []string{"report.md", "results.csv", "acc-vs-batch.png", "online-vs-batch.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}
