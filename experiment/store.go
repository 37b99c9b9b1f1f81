package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/vfe-go/vfe/pc"
	"github.com/vfe-go/vfe/run"
	"github.com/vfe-go/vfe/tensor"
)

// Files a study directory holds.
const (
	StudyFile   = "study.json"  // the study's config, checked on resume
	ReportFile  = "report.md"   // tables, grid choices, commands
	ResultsFile = "results.csv" // one row per seed × method × setting
	UnitsDir    = "units"       // one JSON file per finished unit
)

// RunOptions says where a study writes and how it runs.
type RunOptions struct {
	// Out is the study directory (required). A directory holding a study
	// with the same config is resumed: finished units are read back, the
	// rest are run.
	Out string
	// Workers is the number of units trained at once (0: 2). With more
	// than one, the BLAS is set to one thread for the study's duration.
	// Results do not depend on it.
	Workers int
	// Log receives one line per finished unit (nil: none).
	Log io.Writer
	// Command is the command line recorded in the report (empty: none).
	Command string
}

// Unit is one finished training run: a grid point scored on the
// validation split, or an evaluation seed scored on the test set.
type Unit struct {
	Kind   string `json:"kind"` // "grid" or "seed"
	Method string `json:"method"`
	Hyper  Hyper  `json:"hyper"`
	Seed   uint64 `json:"seed"`
	Batch  int    `json:"batch"`
	// Score is the grid-search criterion on the validation split: the
	// average final accuracy (continual) or the accuracy (batch size).
	Score float64 `json:"score"`
	// R is the accuracy matrix on the test sets (continual seeds). Final
	// is the accuracy on every task after the last one (continual: on the
	// validation splits for grid units, the test sets for seeds).
	R     AccMatrix `json:"R,omitempty"`
	Final []float64 `json:"final,omitempty"`
	// TestAcc is the final test accuracy (batch-size seeds); OnlineAcc the
	// fraction of training samples predicted right before the update on
	// them during the first pass (prequential accuracy).
	TestAcc   float64 `json:"test_acc"`
	OnlineAcc float64 `json:"online_acc"`
	// Diverged is true when training stopped on a non-finite energy; the
	// model is then evaluated as it was.
	Diverged bool    `json:"diverged"`
	WallS    float64 `json:"wall_s"`
}

// job is a unit to run, saved under name.
type job struct {
	name string
	run  func(stop func() bool) (*Unit, error)
}

// logger serialises log lines from the workers.
type logger struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *logger) printf(format string, a ...any) {
	if l == nil || l.w == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, format+"\n", a...)
}

// openStudy creates out (or checks that the study there has the same
// config) and its units folder.
func openStudy(out, kind string, cfg any) error {
	if out == "" {
		return errors.New("experiment: an output directory is required")
	}
	if err := os.MkdirAll(filepath.Join(out, UnitsDir), 0o755); err != nil {
		return fmt.Errorf("experiment: %w", err)
	}
	want, err := json.MarshalIndent(struct {
		Study  string `json:"study"`
		Config any    `json:"config"`
	}{kind, cfg}, "", "  ")
	if err != nil {
		return fmt.Errorf("experiment: encode config: %w", err)
	}
	want = append(want, '\n')
	path := filepath.Join(out, StudyFile)
	have, err := os.ReadFile(path)
	switch {
	case err == nil:
		if !bytes.Equal(have, want) {
			return fmt.Errorf("experiment: %s holds a study with a different config; use a new output directory or the same flags", out)
		}
		return nil
	case errors.Is(err, os.ErrNotExist):
		return run.AtomicWrite(path, func(w io.Writer) error { _, err := w.Write(want); return err })
	default:
		return fmt.Errorf("experiment: %w", err)
	}
}

// runJobs runs the jobs not yet saved in out/units on workers goroutines,
// saving each finished unit atomically, and returns all units in job order.
// Every job is independent (its own classifier, generators and buffers), so
// the results do not depend on scheduling.
func runJobs(ctx context.Context, out string, workers int, jobs []job, log *logger) ([]*Unit, error) {
	units := make([]*Unit, len(jobs))
	var todo []int
	for i, j := range jobs {
		b, err := os.ReadFile(filepath.Join(out, UnitsDir, j.name+".json"))
		if err != nil {
			todo = append(todo, i)
			continue
		}
		var u Unit
		if err := json.Unmarshal(b, &u); err != nil {
			todo = append(todo, i) // a damaged file is rerun
			continue
		}
		units[i] = &u
	}
	if len(todo) == 0 {
		return units, nil
	}
	if workers < 1 {
		workers = 2
	}
	if workers > 1 {
		prev := tensor.SetThreads(1)
		defer tensor.SetThreads(prev)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := func() bool { return ctx.Err() != nil }
	next := make(chan int)
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for range min(workers, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				start := time.Now()
				u, err := jobs[i].run(stop)
				if err != nil {
					errs[i] = err
					cancel()
					continue
				}
				u.WallS = time.Since(start).Seconds()
				if err := run.WriteJSON(filepath.Join(out, UnitsDir, jobs[i].name+".json"), u); err != nil {
					errs[i] = err
					cancel()
					continue
				}
				units[i] = u
				log.printf("%-40s %s accuracy %.4f  (%.1f s)", jobs[i].name, map[string]string{"grid": "validation", "seed": "test"}[u.Kind], u.Score, u.WallS)
			}
		}()
	}
	for _, i := range todo {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, errStopped) {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("experiment: interrupted; rerun the same command to continue: %w", err)
	}
	return units, nil
}

func isDiverged(err error) bool {
	var d *pc.ErrDiverged
	return errors.As(err, &d)
}

// best returns the unit with the highest score (the first on ties; NaN
// scores never win).
func best(us []*Unit) *Unit {
	var b *Unit
	for _, u := range us {
		if u.Score == u.Score && (b == nil || u.Score > b.Score) {
			b = u
		}
	}
	if b == nil {
		return us[0]
	}
	return b
}
