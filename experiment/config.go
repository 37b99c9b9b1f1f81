package experiment

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/vfe-go/vfe/pc/classify"
)

// Protocols of the continual-learning study.
const (
	// ProtocolSplitTask trains 5 tasks of 2 classes in sequence with the
	// output masked to the task's two classes, in training (only their
	// errors count) and at test time (argmax over them): task-incremental,
	// the task identity is known.
	ProtocolSplitTask = "split-task"
	// ProtocolSplitClass trains the same 5 tasks and tests with the full
	// 10-way output (class-incremental: no task identity at test time).
	ProtocolSplitClass = "split-class"
	// ProtocolPermuted trains Tasks tasks, each the full 10-class problem
	// under its own fixed pixel permutation (task 0 is unpermuted).
	ProtocolPermuted = "permuted"
)

// Methods compared, in report order.
var Methods = []string{classify.MethodPC, classify.MethodBP}

// Grid is the hyperparameter grid searched on the validation split, the
// same for every study setting. LR is shared by both methods (the weight
// learning rate of the common optimiser); Eta (the inference step size η)
// and T (inference iterations) apply to predictive coding only.
type Grid struct {
	LR  []float64 `json:"lr"`
	Eta []float64 `json:"eta"`
	T   []int     `json:"T"`
}

// Hyper is one grid point. Eta and T are zero for backprop.
type Hyper struct {
	LR  float64 `json:"lr"`
	Eta float64 `json:"eta,omitempty"`
	T   int     `json:"T,omitempty"`
}

// String formats h as "lr=0.001 η=0.03 T=20" (no η, T for backprop).
func (h Hyper) String() string {
	s := "lr=" + strconv.FormatFloat(h.LR, 'g', -1, 64)
	if h.T > 0 {
		s += " η=" + strconv.FormatFloat(h.Eta, 'g', -1, 64) + " T=" + strconv.Itoa(h.T)
	}
	return s
}

// key is h as a file-name fragment.
func (h Hyper) key() string {
	s := "lr" + strconv.FormatFloat(h.LR, 'g', -1, 64)
	if h.T > 0 {
		s += "-eta" + strconv.FormatFloat(h.Eta, 'g', -1, 64) + "-T" + strconv.Itoa(h.T)
	}
	return s
}

// Points lists the grid points of method in a fixed order (LR outermost,
// then η, then T).
func (g Grid) Points(method string) []Hyper {
	var ps []Hyper
	for _, lr := range g.LR {
		if method != classify.MethodPC {
			ps = append(ps, Hyper{LR: lr})
			continue
		}
		for _, eta := range g.Eta {
			for _, t := range g.T {
				ps = append(ps, Hyper{LR: lr, Eta: eta, T: t})
			}
		}
	}
	return ps
}

func (g Grid) validate() error {
	if len(g.LR) == 0 || len(g.Eta) == 0 || len(g.T) == 0 {
		return fmt.Errorf("experiment: the grid needs at least one lr, eta and T value")
	}
	for _, v := range g.LR {
		if !(v > 0) {
			return fmt.Errorf("experiment: grid learning rates must be > 0, got %v", g.LR)
		}
	}
	for _, v := range g.Eta {
		if !(v > 0) {
			return fmt.Errorf("experiment: grid η values must be > 0, got %v", g.Eta)
		}
	}
	for _, v := range g.T {
		if v < 1 {
			return fmt.Errorf("experiment: grid T values must be ≥ 1, got %v", g.T)
		}
	}
	return nil
}

// Common holds the settings both studies share.
type Common struct {
	// Dataset is "mnist" or "fashion"; DataDir, when set, is a folder of
	// IDX files that replaces the packaged data.
	Dataset string `json:"dataset"`
	DataDir string `json:"data_dir,omitempty"`
	// Seeds is the number of evaluation seeds (1 … Seeds; default 5). The
	// grid search uses a separate seed, GridSeed.
	Seeds int `json:"seeds"`
	// Hidden are the hidden widths from the input side (default 256,256);
	// the network is 784-Hidden-10 with tanh hidden nodes, Xavier-uniform
	// weights and the Adam optimiser, for both methods.
	Hidden []int `json:"hidden"`
	// ValFrac is the fraction of the training set carved out as the
	// validation split for the grid search (default 0.1).
	ValFrac float64 `json:"val_frac"`
	// Grid is searched once per method and setting on the validation split.
	Grid Grid `json:"grid"`
}

// GridSeed is the seed of every grid-search run; evaluation seeds are
// 1 … Seeds, so the hyperparameters are never chosen on an evaluated run.
const GridSeed = 1000

// SplitSeed seeds the train/validation split (fixed across seeds so every
// run trains on the same samples).
const SplitSeed = 77

func (c Common) validate() error {
	switch c.Dataset {
	case "mnist", "fashion":
	default:
		if c.DataDir == "" {
			return fmt.Errorf("experiment: unknown dataset %q (want mnist or fashion)", c.Dataset)
		}
	}
	if c.Seeds < 1 {
		return fmt.Errorf("experiment: seeds must be ≥ 1, got %d", c.Seeds)
	}
	if len(c.Hidden) == 0 || slices.ContainsFunc(c.Hidden, func(h int) bool { return h < 1 }) {
		return fmt.Errorf("experiment: hidden widths must be positive, got %v", c.Hidden)
	}
	if !(c.ValFrac > 0 && c.ValFrac < 1) {
		return fmt.Errorf("experiment: val_frac must lie in (0, 1), got %g", c.ValFrac)
	}
	return c.Grid.validate()
}

func defaultCommon(dataset string) Common {
	return Common{
		Dataset: dataset, Seeds: 5, Hidden: []int{256, 256}, ValFrac: 0.1,
		Grid: Grid{LR: []float64{3e-4, 1e-3, 3e-3}, Eta: []float64{0.01, 0.03, 0.1}, T: []int{10, 20}},
	}
}

func quickCommon(dataset string) Common {
	c := defaultCommon(dataset)
	c.Grid = Grid{LR: []float64{1e-3, 3e-3}, Eta: []float64{0.03, 0.1}, T: []int{20}}
	return c
}

// ContinualConfig defines a continual-learning study: a sequence of tasks
// trained one after the other, with the accuracy matrix R measured on every
// task's test set after each task.
type ContinualConfig struct {
	Common
	// Protocol is "split-task", "split-class" or "permuted".
	Protocol string `json:"protocol"`
	// Tasks is the number of permuted tasks (default 10); split protocols
	// always have 5 (classes {0,1}, {2,3}, … {8,9}).
	Tasks int `json:"tasks"`
	// Batch is the mini-batch size B (default 64); EpochsPerTask the passes
	// over each task's training data (default 1).
	Batch         int `json:"batch"`
	EpochsPerTask int `json:"epochs_per_task"`
	// TrainPerTask keeps only the first N training samples of each task
	// (0: all of them, after the validation split); ValPerTask and
	// TestPerTask likewise cap each task's validation and test sets.
	TrainPerTask int `json:"train_per_task"`
	ValPerTask   int `json:"val_per_task"`
	TestPerTask  int `json:"test_per_task"`
}

// DefaultContinual returns the full study of a dataset and protocol: 5
// seeds, 784-256-256-10, batch 64, one epoch per task, every training sample
// for split tasks and 10 000 per permuted task (each permuted task reuses
// the same images), the grid lr ∈ {3e-4, 1e-3, 3e-3} × η ∈ {0.01, 0.03,
// 0.1} × T ∈ {10, 20}.
func DefaultContinual(dataset, protocol string) ContinualConfig {
	c := ContinualConfig{Common: defaultCommon(dataset), Protocol: protocol, Tasks: 10, Batch: 64, EpochsPerTask: 1, ValPerTask: 2000}
	if protocol == ProtocolPermuted {
		c.TrainPerTask = 10000
	}
	return c
}

// QuickContinual returns a preset that finishes within minutes on two
// cores: 2 000 training samples per split task (1 000 per permuted task),
// 500 validation and 1 000 test samples per task, and the grid lr ∈ {1e-3,
// 3e-3} × η ∈ {0.03, 0.1} × T = 20.
func QuickContinual(dataset, protocol string) ContinualConfig {
	c := DefaultContinual(dataset, protocol)
	c.Common = quickCommon(dataset)
	c.TrainPerTask, c.ValPerTask, c.TestPerTask = 2000, 500, 1000
	if protocol == ProtocolPermuted {
		c.TrainPerTask = 1000
	}
	return c
}

// Validate reports the first invalid setting.
func (c ContinualConfig) Validate() error {
	if err := c.Common.validate(); err != nil {
		return err
	}
	switch c.Protocol {
	case ProtocolSplitTask, ProtocolSplitClass:
	case ProtocolPermuted:
		if c.Tasks < 1 {
			return fmt.Errorf("experiment: permuted needs ≥ 1 task, got %d", c.Tasks)
		}
	default:
		return fmt.Errorf("experiment: unknown protocol %q (want split-task, split-class or permuted)", c.Protocol)
	}
	if c.Batch < 1 || c.EpochsPerTask < 1 {
		return fmt.Errorf("experiment: batch (%d) and epochs per task (%d) must be ≥ 1", c.Batch, c.EpochsPerTask)
	}
	if c.TrainPerTask < 0 || c.ValPerTask < 0 || c.TestPerTask < 0 {
		return fmt.Errorf("experiment: per-task limits must be ≥ 0")
	}
	return nil
}

// BatchSizeConfig defines the batch-size study: each method trained with
// every batch size on the same fixed budget of training samples.
type BatchSizeConfig struct {
	Common
	// Batches are the mini-batch sizes compared (default 1, 4, 16, 64, 256).
	Batches []int `json:"batches"`
	// TrainSamples is the training budget N: the first N samples of the
	// training split (after carving out validation), seen Epochs times
	// (default 20 000 samples, 1 epoch). 0 means the whole split.
	TrainSamples int `json:"train_samples"`
	Epochs       int `json:"epochs"`
	// ValLimit and TestLimit cap the validation and test sets (0: all).
	ValLimit  int `json:"val_limit"`
	TestLimit int `json:"test_limit"`
}

// DefaultBatchSize returns the full batch-size study: 5 seeds, batch sizes
// 1, 4, 16, 64, 256, a budget of 20 000 training samples for one epoch,
// 2 000 validation samples, the whole test set, and the full grid.
func DefaultBatchSize(dataset string) BatchSizeConfig {
	return BatchSizeConfig{Common: defaultCommon(dataset), Batches: []int{1, 4, 16, 64, 256}, TrainSamples: 20000, Epochs: 1, ValLimit: 2000}
}

// QuickBatchSize returns a preset that finishes within minutes on two
// cores: 2 000 training samples, 1 000 validation and 2 000 test samples,
// and the quick grid.
func QuickBatchSize(dataset string) BatchSizeConfig {
	c := DefaultBatchSize(dataset)
	c.Common = quickCommon(dataset)
	c.TrainSamples, c.ValLimit, c.TestLimit = 2000, 1000, 2000
	return c
}

// Validate reports the first invalid setting.
func (c BatchSizeConfig) Validate() error {
	if err := c.Common.validate(); err != nil {
		return err
	}
	if len(c.Batches) == 0 || slices.ContainsFunc(c.Batches, func(b int) bool { return b < 1 }) {
		return fmt.Errorf("experiment: batch sizes must be ≥ 1, got %v", c.Batches)
	}
	for i, b := range c.Batches {
		if slices.Contains(c.Batches[:i], b) {
			return fmt.Errorf("experiment: batch size %d listed twice", b)
		}
	}
	if c.Epochs < 1 || c.TrainSamples < 0 || c.ValLimit < 0 || c.TestLimit < 0 {
		return fmt.Errorf("experiment: epochs must be ≥ 1 and limits ≥ 0")
	}
	return nil
}

// classifierConfig returns the shared network and optimiser settings for
// method with hyperparameters h, batch size b and seed.
func (c Common) classifierConfig(method string, h Hyper, batch int, seed uint64) classify.Config {
	cfg := classify.DefaultConfig()
	cfg.Dataset = c.Dataset
	cfg.Method = method
	cfg.Hidden = slices.Clone(c.Hidden)
	cfg.Batch = batch
	cfg.Epochs = 1
	cfg.Seed = seed
	cfg.LR = h.LR
	if method == classify.MethodPC {
		cfg.Infer.Eta = float32(h.Eta)
		cfg.Infer.T = h.T
	}
	return cfg
}
