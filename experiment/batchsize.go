package experiment

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/vfe-go/vfe/data"
	"github.com/vfe-go/vfe/pc/classify"
	"github.com/vfe-go/vfe/tensor"
)

// BatchSizeResult is a finished batch-size study. Maps are keyed by method,
// slices follow Config.Batches.
type BatchSizeResult struct {
	Config BatchSizeConfig
	// Grid[m][b] holds the grid units of method m at batch size index b;
	// Chosen[m][b] the hyperparameters with the best validation accuracy.
	Grid   map[string][][]*Unit
	Chosen map[string][]Hyper
	// Runs[m][b] holds the evaluation units, seeds 1 … Seeds.
	Runs map[string][][]*Unit
}

// RunBatchSize runs (or resumes) the batch-size study: for every batch size
// and method, the grid search on the validation split, then every
// evaluation seed with the chosen hyperparameters, each trained on the same
// budget of TrainSamples samples for Epochs passes; it writes report.md,
// results.csv and the figures into opts.Out.
func RunBatchSize(ctx context.Context, cfg BatchSizeConfig, opts RunOptions) (*BatchSizeResult, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := openStudy(opts.Out, "batchsize", cfg); err != nil {
		return nil, err
	}
	s, err := loadSplits(cfg.Common)
	if err != nil {
		return nil, err
	}
	train, val, test := head(s.Train, cfg.TrainSamples), head(s.Val, cfg.ValLimit), head(s.Test, cfg.TestLimit)
	log := &logger{w: opts.Log}
	res := &BatchSizeResult{Config: cfg, Grid: map[string][][]*Unit{}, Chosen: map[string][]Hyper{}, Runs: map[string][][]*Unit{}}
	unit := func(method string, h Hyper, b int, seed uint64, eval *data.Dataset, stop func() bool) (*Unit, error) {
		clf, err := classify.New(cfg.classifierConfig(method, h, b, seed), train.Dim(), s.Train.Classes)
		if err != nil {
			return nil, err
		}
		tr := newTrainer(clf)
		it := train.Batches(rand.New(rand.NewPCG(seed, 0x5eed)), b)
		u := &Unit{Kind: "grid", Method: method, Hyper: h, Seed: seed, Batch: b}
		for e := 0; e < cfg.Epochs; e++ {
			if e > 0 {
				it.Reset()
			}
			if err := tr.epoch(it, nil, stop); err != nil {
				return nil, err
			}
			if e == 0 && tr.seen > 0 {
				u.OnlineAcc = float64(tr.correct) / float64(tr.seen)
			}
		}
		u.Diverged = tr.diverged
		acc := accuracy(clf, eval, nil, nil, tensor.New(0, 1))
		if eval == test {
			u.Kind, u.TestAcc = "seed", acc
		}
		u.Score = acc
		return u, nil
	}

	// Grid search per batch size on the validation split.
	var jobs []job
	for _, b := range cfg.Batches {
		for _, m := range Methods {
			for _, h := range cfg.Grid.Points(m) {
				jobs = append(jobs, job{name: fmt.Sprintf("grid-b%d-%s-%s", b, m, h.key()), run: func(stop func() bool) (*Unit, error) {
					return unit(m, h, b, GridSeed, val, stop)
				}})
			}
		}
	}
	units, err := runJobs(ctx, opts.Out, opts.Workers, jobs, log)
	if err != nil {
		return nil, err
	}
	k := 0
	for range cfg.Batches {
		for _, m := range Methods {
			n := len(cfg.Grid.Points(m))
			res.Grid[m] = append(res.Grid[m], units[k:k+n])
			res.Chosen[m] = append(res.Chosen[m], best(units[k:k+n]).Hyper)
			k += n
		}
	}

	// Evaluation seeds.
	jobs = jobs[:0]
	for bi, b := range cfg.Batches {
		for seed := uint64(1); seed <= uint64(cfg.Seeds); seed++ {
			for _, m := range Methods {
				h := res.Chosen[m][bi]
				jobs = append(jobs, job{name: fmt.Sprintf("seed%d-b%d-%s-%s", seed, b, m, h.key()), run: func(stop func() bool) (*Unit, error) {
					return unit(m, h, b, seed, test, stop)
				}})
			}
		}
	}
	if units, err = runJobs(ctx, opts.Out, opts.Workers, jobs, log); err != nil {
		return nil, err
	}
	for _, m := range Methods {
		res.Runs[m] = make([][]*Unit, len(cfg.Batches))
	}
	for _, u := range units {
		for bi, b := range cfg.Batches {
			if u.Batch == b {
				res.Runs[u.Method][bi] = append(res.Runs[u.Method][bi], u)
			}
		}
	}
	if err := writeBatchSizeReport(res, opts); err != nil {
		return nil, err
	}
	return res, nil
}
