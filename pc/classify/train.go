package classify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/vfe-go/vfe/data"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/optim"
	"github.com/vfe-go/vfe/pc"
	"github.com/vfe-go/vfe/plot"
	"github.com/vfe-go/vfe/run"
	"github.com/vfe-go/vfe/tensor"
)

// Files a classification run directory holds besides config.json,
// metrics.csv/.jsonl, summary.json and checkpoint.safetensors.
const (
	ModelFile  = "model.safetensors" // parameters only, names as Classifier.Params
	CurvesFile = "curves.png"
)

// Summary is written to summary.json at the end of a run.
type Summary struct {
	TestAccuracy  float64 `json:"test_accuracy"`  // fraction in [0, 1]
	TrainAccuracy float64 `json:"train_accuracy"` // last epoch, pre-update predictions
	WallS         float64 `json:"wall_s"`         // training + evaluation wall time, all sessions
	SamplesPerS   float64 `json:"samples_per_s"`  // training samples per second of training time
	BLAS          string  `json:"blas"`
	Epochs        int     `json:"epochs"`
	Seed          uint64  `json:"seed"`
	Method        string  `json:"method"`
	Mode          string  `json:"mode"`
	Dataset       string  `json:"dataset"`
}

// RunOptions says where a run writes and how it reports.
type RunOptions struct {
	// Out is the run directory (required).
	Out string
	// Resume continues the run in Out from its last checkpoint; its
	// config.json must match the requested config.
	Resume bool
	// Progress receives the progress bar (nil: none); ProgressMode says when
	// it draws.
	Progress     io.Writer
	ProgressMode run.ProgressMode
	// Log receives one human-readable line per epoch (nil: none).
	Log io.Writer
}

// LoadData loads cfg's dataset and applies its limits.
func LoadData(cfg Config) (train, test *data.Dataset, err error) {
	if cfg.DataDir != "" {
		train, test, err = data.LoadDir(cfg.DataDir, cfg.Dataset)
	} else {
		train, test, err = data.Load(cfg.Dataset, "")
	}
	if err != nil {
		return nil, nil, err
	}
	return limit(train, cfg.TrainLimit), limit(test, cfg.TestLimit), nil
}

func limit(d *data.Dataset, n int) *data.Dataset {
	if n <= 0 || n >= d.Len() {
		return d
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return d.Subset(idx)
}

// Accuracy returns the fraction of ds that c classifies correctly.
func (c *Classifier) Accuracy(ds *data.Dataset) (float64, error) {
	if ds.Len() == 0 {
		return 0, errors.New("classify: empty evaluation set")
	}
	it := ds.Sequential(1000)
	pred := make([]int, 1000)
	correct := 0
	for it.Next() {
		p, err := c.Predict(pred[:len(it.Y)], it.X)
		if err != nil {
			return 0, err
		}
		for i, v := range it.Y {
			if p[i] == v {
				correct++
			}
		}
	}
	return float64(correct) / float64(ds.Len()), nil
}

// checkpointTensors returns the parameters and optimiser state to save.
func (c *Classifier) checkpointTensors() []run.Tensor {
	var ts []run.Tensor
	for _, np := range c.Params() {
		ts = append(ts, run.MatTensor(np.Name, np.Param.Val))
	}
	for _, nt := range c.opt.State() {
		ts = append(ts, run.MatTensor("optim."+nt.Name, nt.Val))
	}
	if c.amortOpt != nil {
		for _, nt := range c.amortOpt.State() {
			ts = append(ts, run.MatTensor("amort_optim."+nt.Name, nt.Val))
		}
	}
	return ts
}

// LoadParams copies the parameters named in ts into c (every parameter must
// be present with its shape), and the optimiser state when withOptim is set.
func (c *Classifier) LoadParams(ts []run.Tensor, withOptim bool) error {
	byName := make(map[string]run.Tensor, len(ts))
	for _, t := range ts {
		byName[t.Name] = t
	}
	for _, np := range c.Params() {
		t, ok := byName[np.Name]
		if !ok {
			return fmt.Errorf("classify: checkpoint lacks %q (was it written by a run with this config?)", np.Name)
		}
		m, err := t.Mat()
		if err != nil {
			return err
		}
		if !tensor.SameShape(m, np.Param.Val) {
			return fmt.Errorf("classify: checkpoint tensor %q is %d×%d, the model needs %d×%d", np.Name, m.Rows, m.Cols, np.Param.Val.Rows, np.Param.Val.Cols)
		}
		np.Param.Val.CopyFrom(m)
	}
	c.Model.Project()
	if !withOptim {
		return nil
	}
	load := func(prefix string, st []nn.NamedTensor) []nn.NamedTensor {
		var out []nn.NamedTensor
		for _, nt := range st {
			if t, ok := byName[prefix+nt.Name]; ok {
				if m, err := t.Mat(); err == nil {
					out = append(out, nn.NamedTensor{Name: nt.Name, Val: m})
				}
			}
		}
		return out
	}
	if err := c.opt.LoadState(load("optim.", c.opt.State())); err != nil {
		return fmt.Errorf("classify: optimiser state: %w", err)
	}
	if c.amortOpt != nil {
		if err := c.amortOpt.LoadState(load("amort_optim.", c.amortOpt.State())); err != nil {
			return fmt.Errorf("classify: amortiser optimiser state: %w", err)
		}
	}
	return nil
}

// Open loads a finished or interrupted run's classifier from its directory
// (config.json and checkpoint.safetensors).
func Open(dir string) (*Classifier, *run.Dir, error) {
	d, err := run.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	cfg := DefaultConfig()
	if err := d.ReadConfig(&cfg); err != nil {
		return nil, nil, err
	}
	if !d.HasCheckpoint() {
		return nil, nil, fmt.Errorf("classify: %s has no checkpoint yet", dir)
	}
	ts, meta, err := d.LoadCheckpoint()
	if err != nil {
		return nil, nil, err
	}
	in, classes := 0, 0
	if in, err = strconv.Atoi(meta["input_dim"]); err != nil {
		return nil, nil, fmt.Errorf("classify: checkpoint metadata lacks input_dim")
	}
	if classes, err = strconv.Atoi(meta["classes"]); err != nil {
		return nil, nil, fmt.Errorf("classify: checkpoint metadata lacks classes")
	}
	c, err := New(cfg, in, classes)
	if err != nil {
		return nil, nil, err
	}
	if err := c.LoadParams(ts, false); err != nil {
		return nil, nil, err
	}
	return c, d, nil
}

// Run trains a classifier as cfg says, writing the run directory: config,
// per-epoch metrics, a checkpoint after every epoch (the last good one
// survives divergence or interruption), model.safetensors, summary.json and
// curves.png. Cancelling ctx stops after the current batch; the run can then
// be resumed.
func Run(ctx context.Context, cfg Config, opts RunOptions) (*Summary, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Threads > 0 {
		defer tensor.SetThreads(tensor.SetThreads(cfg.Threads))
	}
	train, test, err := LoadData(cfg)
	if err != nil {
		return nil, err
	}
	var d *run.Dir
	if opts.Resume {
		d, err = run.Resume(opts.Out, cfg)
	} else {
		d, err = run.Create(opts.Out, cfg)
	}
	if err != nil {
		return nil, err
	}
	c, err := New(cfg, train.Dim(), train.Classes)
	if err != nil {
		return nil, err
	}
	start, prevWall, prevTrain := 0, 0.0, 0.0
	if opts.Resume && d.HasCheckpoint() {
		ts, meta, err := d.LoadCheckpoint()
		if err != nil {
			return nil, err
		}
		if err := c.LoadParams(ts, true); err != nil {
			return nil, err
		}
		start, _ = strconv.Atoi(meta["epoch"])
		prevWall, _ = strconv.ParseFloat(meta["wall_s"], 64)
		prevTrain, _ = strconv.ParseFloat(meta["train_s"], 64)
	}
	logger, err := d.Logger()
	if err != nil {
		return nil, err
	}
	defer logger.Close()

	sum := &Summary{BLAS: tensor.BLAS(), Epochs: cfg.Epochs, Seed: cfg.Seed, Method: cfg.Method, Mode: cfg.Mode, Dataset: cfg.Dataset}
	t0 := time.Now()
	trainSecs := prevTrain
	nodeE := make([]float64, len(c.Model.Nodes))
	bar := run.NewProgress(opts.Progress, int64(train.Len())*int64(cfg.Epochs-start), fmt.Sprintf("%s/%s %s", cfg.Method, cfg.Mode, cfg.Dataset), opts.ProgressMode)
	for epoch := start; epoch < cfg.Epochs; epoch++ {
		// The data order of epoch e depends only on (Seed, e): a resumed run
		// sees the same batches.
		it := train.Batches(rand.New(rand.NewPCG(cfg.Seed, uint64(epoch)+1)), cfg.Batch)
		var energy float64
		clear(nodeE)
		correct, seen, batches, iters := 0, 0, 0, 0
		te := time.Now()
		nb := it.NumBatches()
		for it.Next() {
			if cfg.LRSchedule == "cosine" {
				c.opt.SetLR(optim.Cosine{Start: cfg.LR}.LR(epoch*nb+batches, cfg.Epochs*nb))
			}
			if err := ctx.Err(); err != nil {
				bar.Finish()
				return nil, fmt.Errorf("classify: interrupted in epoch %d; the checkpoint of epoch %d is kept in %s, continue with --resume", epoch+1, epoch, d.Path)
			}
			st, err := c.TrainBatch(it.X, it.Y)
			if err != nil {
				bar.Finish()
				var de *pc.ErrDiverged
				if errors.As(err, &de) {
					return nil, fmt.Errorf("classify: epoch %d, batch %d: %w; the last good checkpoint (epoch %d) is kept in %s", epoch+1, batches+1, err, epoch, d.Path)
				}
				return nil, err
			}
			n := len(it.Y)
			energy += st.Energy * float64(n)
			for i, v := range st.Nodes {
				nodeE[i] += v * float64(n)
			}
			correct += st.Correct
			seen += n
			batches++
			iters += st.Iters
			bar.Add(n, run.F("energy", st.Energy), run.F("acc", float64(correct)/float64(seen)))
		}
		secs := time.Since(te).Seconds()
		trainSecs += secs
		testAcc, err := c.Accuracy(test)
		if err != nil {
			return nil, err
		}
		wall := prevWall + time.Since(t0).Seconds()
		meta := map[string]string{
			"epoch": strconv.Itoa(epoch + 1), "wall_s": strconv.FormatFloat(wall, 'g', -1, 64),
			"train_s":   strconv.FormatFloat(trainSecs, 'g', -1, 64),
			"input_dim": strconv.Itoa(train.Dim()), "classes": strconv.Itoa(train.Classes),
			"format": "vfe pc classify checkpoint v1",
		}
		if err := d.SaveCheckpoint(c.checkpointTensors(), meta); err != nil {
			return nil, err
		}
		row := []run.KV{
			run.Int("epoch", epoch+1),
			run.F("train_energy", energy/float64(seen)),
			run.F("train_accuracy", float64(correct)/float64(seen)),
			run.F("test_accuracy", testAcc),
			run.F("samples_per_s", float64(seen)/secs),
			run.F("infer_iters", float64(iters)/float64(max(batches, 1))),
			run.F("wall_s", wall),
		}
		for i, v := range nodeE {
			row = append(row, run.F("energy_"+c.Model.Nodes[i].Name, v/float64(seen)))
		}
		if err := logger.Log(row...); err != nil {
			return nil, err
		}
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, "epoch %d/%d  energy %.4f  train acc %.4f  test acc %.4f  %.0f samples/s\n",
				epoch+1, cfg.Epochs, energy/float64(seen), float64(correct)/float64(seen), testAcc, float64(seen)/secs)
		}
		sum.TrainAccuracy = float64(correct) / float64(seen)
	}
	bar.Finish()
	if sum.TestAccuracy, err = c.Accuracy(test); err != nil {
		return nil, err
	}
	var ps []run.Tensor
	for _, np := range c.Params() {
		ps = append(ps, run.MatTensor(np.Name, np.Param.Val))
	}
	if err := run.SaveTensors(d.File(ModelFile), ps, map[string]string{"format": "vfe pc model v1", "mode": cfg.Mode, "method": cfg.Method}); err != nil {
		return nil, err
	}
	sum.WallS = prevWall + time.Since(t0).Seconds()
	if trainSecs > 0 {
		sum.SamplesPerS = float64(train.Len()*cfg.Epochs) / trainSecs
	}
	if err := d.WriteSummary(sum); err != nil {
		return nil, err
	}
	if err := plot.Curves(d.Path, d.File(CurvesFile)); err != nil {
		return sum, fmt.Errorf("classify: the run finished but its plot failed: %w", err)
	}
	return sum, nil
}
