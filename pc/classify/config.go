package classify

import (
	"fmt"
	"math"

	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/pc"
	"github.com/vfe-go/vfe/tensor"
)

// Methods, modes and schedules.
const (
	MethodPC = "pc" // predictive coding: E-step on z, local M-step on θ
	MethodBP = "bp" // backpropagation on the identical architecture

	ModeDiscriminative = "discriminative" // input at the top s^L, label at the bottom s^0
	ModeGenerative     = "generative"     // label at the top s^L, image at the bottom s^0
	ModeHybrid         = "hybrid"         // generative, with an amortised recognition network initialising z

	ScheduleStandard    = "standard"    // learn once after T inference steps
	ScheduleIncremental = "incremental" // learn after every inference step (incremental PC)
)

// Config is everything that defines a classification run; it is written to
// config.json and registers the CLI flags.
type Config struct {
	// Dataset is "mnist" or "fashion" (Fashion-MNIST); DataDir, when set, is
	// an IDX folder that replaces the packaged files.
	Dataset string `json:"dataset"`
	DataDir string `json:"data_dir,omitempty"`
	// Method is "pc" (default) or "bp".
	Method string `json:"method"`
	// Mode is "discriminative" (default), "generative" or "hybrid". The
	// backprop baseline exists for the discriminative mode.
	Mode string `json:"mode"`
	// Hidden are the hidden widths listed from the input side (default 256,256).
	Hidden []int `json:"hidden"`
	// Act is the activation f of the hidden nodes in μ(s) = W f(s) + b
	// (default tanh). The input and label nodes use the identity.
	Act tensor.Act `json:"act"`
	// Init initialises every weight matrix (default Xavier uniform; biases 0).
	Init nn.Init `json:"init"`
	// Epochs over the training set (default 10); Batch is the mini-batch
	// size B (default 64).
	Epochs int `json:"epochs"`
	Batch  int `json:"batch"`
	// Seed drives initialisation and the data order (epoch e shuffles with
	// a generator seeded by (Seed, e), so a resumed run sees the same order).
	Seed uint64 `json:"seed"`
	// Infer configures the E-step (T, η, optimiser, decay, tolerance,
	// fixed prediction). Defaults T = 20, η = 0.1.
	Infer pc.InferConfig `json:"infer"`
	// TestT is the number of inference iterations used to classify in the
	// generative and hybrid modes (default 100; hybrid may use 0, amortised
	// only).
	TestT int `json:"test_T"`
	// Schedule is "standard" (default: learn after T steps) or
	// "incremental" (learn after every step).
	Schedule string `json:"schedule"`
	// Optimizer is "adam" (default), "adamw" or "sgd"; LR its learning rate
	// (default 1e-3 for Adam/AdamW, 0.01 for SGD), WeightDecay λ, Momentum
	// the SGD momentum.
	Optimizer   string  `json:"optimizer"`
	LR          float64 `json:"lr"`
	WeightDecay float64 `json:"weight_decay"`
	Momentum    float64 `json:"momentum"`
	// LRSchedule is "constant" (default) or "cosine": LR decays to 0 along a
	// half cosine over the run's batches (per epoch, so resuming is exact).
	LRSchedule string `json:"lr_schedule"`
	// Prec is the node precision kind (default fixed); PrecInit its value
	// or initial value (0 means 1).
	Prec     pc.PrecisionKind `json:"precision"`
	PrecInit float32          `json:"precision_init"`
	// LabelPrec is the (initial) precision of the label node alone (0: as
	// PrecInit). A small label precision keeps the output error small
	// relative to the hidden errors, the regime in which converged PC
	// learning approximates backprop (Whittington & Bogacz 2017).
	LabelPrec float32 `json:"label_precision,omitempty"`
	// Prior is the prior on the top node (default none: flat).
	Prior pc.PriorKind `json:"prior"`
	// AmortLR is the amortised network's Adam learning rate in hybrid mode
	// (default LR).
	AmortLR float64 `json:"amort_lr"`
	// TrainLimit and TestLimit keep only the first N samples (0: all), for
	// quick runs.
	TrainLimit int `json:"train_limit,omitempty"`
	TestLimit  int `json:"test_limit,omitempty"`
	// Threads is the number of BLAS threads (0 leaves the library default).
	Threads int `json:"threads"`
}

// DefaultConfig returns discriminative PC on MNIST, 784-256-256-10 tanh,
// 10 epochs, batch 64, T = 20, η = 0.1, Adam 1e-3.
func DefaultConfig() Config {
	return Config{
		Dataset: "mnist", Method: MethodPC, Mode: ModeDiscriminative,
		Hidden: []int{256, 256}, Act: tensor.Tanh, Init: nn.InitXavierUniform,
		Epochs: 10, Batch: 64, Seed: 1,
		Infer:    pc.DefaultInferConfig(),
		TestT:    100,
		Schedule: ScheduleStandard, Optimizer: "adam", LR: 1e-3, LRSchedule: "constant",
	}
}

// Validate reports the first invalid setting.
func (c Config) Validate() error {
	switch c.Method {
	case MethodPC, MethodBP:
	default:
		return fmt.Errorf("classify: unknown method %q (want pc or bp)", c.Method)
	}
	switch c.Mode {
	case ModeDiscriminative, ModeGenerative, ModeHybrid:
	default:
		return fmt.Errorf("classify: unknown mode %q (want discriminative, generative or hybrid)", c.Mode)
	}
	if c.Method == MethodBP && c.Mode != ModeDiscriminative {
		return fmt.Errorf("classify: the backprop baseline needs --mode discriminative, got %q", c.Mode)
	}
	switch c.Schedule {
	case ScheduleStandard, ScheduleIncremental:
	default:
		return fmt.Errorf("classify: unknown schedule %q (want standard or incremental)", c.Schedule)
	}
	switch c.Optimizer {
	case "adam", "adamw", "sgd":
	default:
		return fmt.Errorf("classify: unknown optimizer %q (want adam, adamw or sgd)", c.Optimizer)
	}
	switch c.LRSchedule {
	case "constant", "cosine":
	default:
		return fmt.Errorf("classify: unknown lr schedule %q (want constant or cosine)", c.LRSchedule)
	}
	for _, h := range c.Hidden {
		if h <= 0 {
			return fmt.Errorf("classify: hidden widths must be positive, got %v", c.Hidden)
		}
	}
	if c.Epochs < 1 || c.Batch < 1 {
		return fmt.Errorf("classify: epochs (%d) and batch (%d) must be ≥ 1", c.Epochs, c.Batch)
	}
	if !(c.LR >= 0) || math.IsInf(c.LR, 0) || c.AmortLR < 0 || c.WeightDecay < 0 {
		return fmt.Errorf("classify: learning rates and weight decay must be finite and ≥ 0")
	}
	if c.PrecInit < 0 || c.LabelPrec < 0 {
		return fmt.Errorf("classify: precisions must be ≥ 0 (0 means 1)")
	}
	if c.TestT < 0 || c.TrainLimit < 0 || c.TestLimit < 0 || c.Threads < 0 {
		return fmt.Errorf("classify: test_T, limits and threads must be ≥ 0")
	}
	if c.Method == MethodPC {
		if err := c.Infer.Validate(); err != nil {
			return err
		}
	}
	return nil
}
