package experiment

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/vfe-go/vfe/data"
	"github.com/vfe-go/vfe/pc/classify"
	"github.com/vfe-go/vfe/tensor"
)

// ContinualResult is a finished continual-learning study.
type ContinualResult struct {
	Config    ContinualConfig
	TaskNames []string
	// Grid holds every grid unit per method, in Grid.Points order; Chosen
	// the hyperparameters with the best validation score.
	Grid   map[string][]*Unit
	Chosen map[string]Hyper
	// Runs holds the evaluation units per method, seeds 1 … Seeds.
	Runs map[string][]*Unit
}

// continualStudy holds the loaded data of a continual study.
type continualStudy struct {
	cfg     ContinualConfig
	s       *splits
	split   []task // split protocols: the same tasks for every seed
	classes int
}

func (st *continualStudy) tasks(seed uint64) []task {
	if st.cfg.Protocol == ProtocolPermuted {
		return permutedTasks(st.s, st.cfg, seed)
	}
	return st.split
}

// RunContinual runs (or resumes) a continual-learning study: the grid search
// for each method on the validation splits with seed GridSeed, then every
// evaluation seed with each method's chosen hyperparameters, and writes
// report.md, results.csv and the figures into opts.Out.
//
// For each seed, PC and BP start from the identical initialisation and see
// the identical batches in the identical order; only the learning rule
// differs.
func RunContinual(ctx context.Context, cfg ContinualConfig, opts RunOptions) (*ContinualResult, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := openStudy(opts.Out, "continual", cfg); err != nil {
		return nil, err
	}
	s, err := loadSplits(cfg.Common)
	if err != nil {
		return nil, err
	}
	st := &continualStudy{cfg: cfg, s: s, classes: s.Train.Classes}
	if cfg.Protocol != ProtocolPermuted {
		if st.split, err = splitTasks(s, cfg, cfg.Protocol == ProtocolSplitTask); err != nil {
			return nil, err
		}
	}
	log := &logger{w: opts.Log}
	res := &ContinualResult{Config: cfg, Grid: map[string][]*Unit{}, Chosen: map[string]Hyper{}, Runs: map[string][]*Unit{}}
	for _, t := range st.tasks(GridSeed) {
		res.TaskNames = append(res.TaskNames, t.Name)
	}

	// Grid search on the validation splits.
	var jobs []job
	for _, m := range Methods {
		for _, h := range cfg.Grid.Points(m) {
			jobs = append(jobs, job{name: fmt.Sprintf("grid-%s-%s", m, h.key()), run: func(stop func() bool) (*Unit, error) {
				return st.unit(m, h, GridSeed, false, stop)
			}})
		}
	}
	units, err := runJobs(ctx, opts.Out, opts.Workers, jobs, log)
	if err != nil {
		return nil, err
	}
	k := 0
	for _, m := range Methods {
		n := len(cfg.Grid.Points(m))
		res.Grid[m] = units[k : k+n]
		res.Chosen[m] = best(units[k : k+n]).Hyper
		k += n
	}

	// Evaluation seeds with the chosen hyperparameters.
	jobs = jobs[:0]
	for seed := uint64(1); seed <= uint64(cfg.Seeds); seed++ {
		for _, m := range Methods {
			h := res.Chosen[m]
			jobs = append(jobs, job{name: fmt.Sprintf("seed%d-%s-%s", seed, m, h.key()), run: func(stop func() bool) (*Unit, error) {
				return st.unit(m, h, seed, true, stop)
			}})
		}
	}
	if units, err = runJobs(ctx, opts.Out, opts.Workers, jobs, log); err != nil {
		return nil, err
	}
	for i, u := range units {
		m := Methods[i%len(Methods)]
		res.Runs[m] = append(res.Runs[m], u)
	}
	if err := writeContinualReport(res, opts); err != nil {
		return nil, err
	}
	return res, nil
}

// unit trains one method through the task sequence. With test false (grid
// search) it scores the final model on every task's validation split; with
// test true it measures the full accuracy matrix on the test sets.
func (st *continualStudy) unit(method string, h Hyper, seed uint64, test bool, stop func() bool) (*Unit, error) {
	cfg := st.cfg
	tasks := st.tasks(seed)
	clf, err := classify.New(cfg.classifierConfig(method, h, cfg.Batch, seed), tasks[0].Train.Dim(), st.classes)
	if err != nil {
		return nil, err
	}
	tr := newTrainer(clf)
	if cfg.Protocol == ProtocolSplitTask {
		tr.masked = newMasked(clf)
	}
	buf := tensor.New(0, 1)
	n := len(tasks)
	u := &Unit{Kind: "grid", Method: method, Hyper: h, Seed: seed, Batch: cfg.Batch}
	eval := func(t task) *data.Dataset { return t.Val }
	if test {
		u.Kind = "seed"
		u.R = make(AccMatrix, n)
		eval = func(t task) *data.Dataset { return t.Test }
	}
	for i, t := range tasks {
		// The data order depends on the seed and task only: both methods
		// see the same batches.
		it := t.Train.Batches(rand.New(rand.NewPCG(seed, 0x5eed+uint64(i))), cfg.Batch)
		if tr.masked != nil {
			tr.masked.setMask(t.Classes, st.classes)
		}
		for e := 0; e < cfg.EpochsPerTask; e++ {
			if e > 0 {
				it.Reset()
			}
			if err := tr.epoch(it, t.Perm, stop); err != nil {
				return nil, err
			}
		}
		if test || i == n-1 {
			row := make([]float64, n)
			for j, tj := range tasks {
				row[j] = accuracy(clf, eval(tj), tj.Classes, tj.Perm, buf)
			}
			if test {
				u.R[i] = row
			}
			if i == n-1 {
				u.Final = row
			}
		}
	}
	u.Diverged = tr.diverged
	u.Score = mean(u.Final)
	if tr.seen > 0 {
		u.OnlineAcc = float64(tr.correct) / float64(tr.seen)
	}
	return u, nil
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
