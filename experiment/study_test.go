package experiment

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vfe-go/vfe/data"
	"github.com/vfe-go/vfe/tensor"
)

// tinyCommon is a study small enough for a test: one grid point per method,
// a narrow network, two seeds.
func tinyCommon(dataset string) Common {
	c := defaultCommon(dataset)
	c.Seeds, c.Hidden = 2, []int{32}
	c.Grid = Grid{LR: []float64{3e-3}, Eta: []float64{0.05}, T: []int{5}}
	return c
}

func readUnit(t *testing.T, path string) Unit {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var u Unit
	if err := json.Unmarshal(b, &u); err != nil {
		t.Fatal(err)
	}
	u.WallS = 0
	return u
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestRunContinual(t *testing.T) {
	if testing.Short() {
		t.Skip("trains networks; run without -short")
	}
	cfg := ContinualConfig{Common: tinyCommon("mnist"), Protocol: ProtocolSplitTask, Batch: 16, EpochsPerTask: 1, TrainPerTask: 320, ValPerTask: 100, TestPerTask: 100}
	dir := t.TempDir()
	res, err := RunContinual(context.Background(), cfg, RunOptions{Out: dir, Workers: 2, Command: "vfe experiment continual --tiny"})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("outputs", func(t *testing.T) {
		for _, f := range []string{ReportFile, ResultsFile, StudyFile, CurveFile, HeatmapFile("pc"), HeatmapFile("bp")} {
			if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
				t.Errorf("%s missing or empty: %v", f, err)
			}
		}
		rows := readCSV(t, filepath.Join(dir, ResultsFile))
		if len(rows) != 1+2*2 { // header + seeds × methods
			t.Errorf("results.csv has %d rows, want 5", len(rows))
		}
		rep, _ := os.ReadFile(filepath.Join(dir, ReportFile))
		for _, s := range []string{"vfe experiment continual --tiny", "PC − BP", "(chosen)", "backward transfer"} {
			if !strings.Contains(string(rep), s) {
				t.Errorf("report.md lacks %q", s)
			}
		}
	})
	t.Run("metrics", func(t *testing.T) {
		for _, m := range Methods {
			if len(res.Runs[m]) != 2 {
				t.Fatalf("%s: %d runs", m, len(res.Runs[m]))
			}
			for _, u := range res.Runs[m] {
				if u.R.Tasks() != 5 {
					t.Fatalf("R has %d tasks", u.R.Tasks())
				}
				// Masked two-way evaluation: just-trained tasks are well
				// above the 50% chance level of their two classes.
				diag := 0.0
				for i := range 5 {
					diag += u.R[i][i] / 5
				}
				if diag < 0.75 {
					t.Errorf("%s seed %d: mean of R's diagonal %.3f, want ≥ 0.75", m, u.Seed, diag)
				}
				if u.Score != u.R.AverageAccuracy() {
					t.Errorf("score %v ≠ ACC %v", u.Score, u.R.AverageAccuracy())
				}
			}
		}
		// Same seed, same initialisation and data: the first batch's
		// pre-update predictions are identical, so both methods' runs exist
		// for the same seeds in the same order.
		for i := range 2 {
			if res.Runs["pc"][i].Seed != res.Runs["bp"][i].Seed {
				t.Error("seeds out of step")
			}
		}
	})
	t.Run("resume", func(t *testing.T) {
		name := "seed2-pc-" + res.Chosen["pc"].key() + ".json"
		path := filepath.Join(dir, UnitsDir, name)
		before := readUnit(t, path)
		other := filepath.Join(dir, UnitsDir, "seed1-bp-"+res.Chosen["bp"].key()+".json")
		otherInfo, _ := os.Stat(other)
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		// Workers 1 this time: scheduling must not change the numbers.
		if _, err := RunContinual(context.Background(), cfg, RunOptions{Out: dir, Workers: 1}); err != nil {
			t.Fatal(err)
		}
		if after := readUnit(t, path); !equalUnits(before, after) {
			t.Errorf("rerun unit differs:\n%+v\n%+v", before, after)
		}
		if fi, _ := os.Stat(other); !fi.ModTime().Equal(otherInfo.ModTime()) {
			t.Error("a finished unit was rerun")
		}
	})
	t.Run("config changed", func(t *testing.T) {
		c := cfg
		c.Batch = 32
		if _, err := RunContinual(context.Background(), c, RunOptions{Out: dir}); err == nil || !strings.Contains(err.Error(), "different config") {
			t.Errorf("error %v, want a different-config error", err)
		}
	})
	t.Run("interrupted", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := RunContinual(ctx, cfg, RunOptions{Out: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), "rerun") {
			t.Errorf("error %v, want an interrupted error", err)
		}
	})
}

func equalUnits(a, b Unit) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestRunContinual_Permuted(t *testing.T) {
	if testing.Short() {
		t.Skip("trains networks; run without -short")
	}
	cfg := ContinualConfig{Common: tinyCommon("mnist"), Protocol: ProtocolPermuted, Tasks: 3, Batch: 32, EpochsPerTask: 1, TrainPerTask: 300, ValPerTask: 100, TestPerTask: 200}
	res, err := RunContinual(context.Background(), cfg, RunOptions{Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range Methods {
		for _, u := range res.Runs[m] {
			// Ten classes: chance is 10%; a just-trained task is well above.
			if u.R.Tasks() != 3 || u.R[2][2] < 0.4 {
				t.Errorf("%s seed %d: R = %v", m, u.Seed, u.R)
			}
		}
	}
	// Permutations differ per task, so task 0 and task 1 inputs differ.
	tiny := &data.Dataset{X: tensor.New(4, 50), Y: []int{0, 1, 0, 1}, Classes: 2}
	st := &continualStudy{cfg: cfg, s: &splits{Train: tiny, Val: tiny, Test: tiny}}
	ts := st.tasks(1)
	if ts[0].Perm != nil || ts[1].Perm == nil || slices.Equal(ts[1].Perm, ts[2].Perm) {
		t.Error("task 0 must be unpermuted and tasks 1, 2 differently permuted")
	}
}

func TestRunBatchSize(t *testing.T) {
	if testing.Short() {
		t.Skip("trains networks; run without -short")
	}
	cfg := BatchSizeConfig{Common: tinyCommon("fashion"), Batches: []int{8, 64}, TrainSamples: 640, Epochs: 1, ValLimit: 200, TestLimit: 300}
	dir := t.TempDir()
	res, err := RunBatchSize(context.Background(), cfg, RunOptions{Out: dir, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range Methods {
		for bi := range cfg.Batches {
			if len(res.Runs[m][bi]) != 2 {
				t.Fatalf("%s batch %d: %d runs", m, cfg.Batches[bi], len(res.Runs[m][bi]))
			}
			for _, u := range res.Runs[m][bi] {
				// Ten classes: chance 10%; 10 steps of batch 64 reach
				// well above it, 80 steps of batch 8 further.
				floor := map[int]float64{8: 0.5, 64: 0.2}[u.Batch]
				if u.TestAcc < floor || u.OnlineAcc <= 0 || u.OnlineAcc > 1 {
					t.Errorf("%s batch %d seed %d: test %.3f online %.3f", m, u.Batch, u.Seed, u.TestAcc, u.OnlineAcc)
				}
			}
		}
	}
	rows := readCSV(t, filepath.Join(dir, ResultsFile))
	if len(rows) != 1+2*2*2 {
		t.Errorf("results.csv has %d rows, want 9", len(rows))
	}
	for _, f := range []string{ReportFile, BatchAccFile, BatchOnlineFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}
