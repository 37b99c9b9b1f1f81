package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/vfe-go/vfe/experiment"
)

func newExperimentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "experiment",
		Short: "Reproducible studies: predictive coding vs backprop on continual learning and batch size",
	}
	cmd.AddCommand(newExperimentContinualCmd(), newExperimentBatchSizeCmd(), newExperimentAblateCmd())
	return cmd
}

// commonFlags are the flags both studies share; fields apply only when the
// flag was given, over the preset.
type commonFlags struct {
	dataset, dataDir, out string
	seeds, workers        int
	quick                 bool
	hidden                []int
	lrGrid, etaGrid       []float64
	tGrid                 []int
	valFrac               float64
}

func (c *commonFlags) register(fs *pflag.FlagSet, defDataset string) {
	fs.StringVar(&c.dataset, "dataset", defDataset, "dataset: mnist or fashion")
	fs.StringVar(&c.dataDir, "data", "", "folder of IDX files to use instead of the packaged dataset")
	fs.StringVar(&c.out, "out", "", "study directory (required; rerun the same command to resume)")
	fs.IntVar(&c.seeds, "seeds", 5, "number of evaluation seeds")
	fs.IntVar(&c.workers, "workers", 2, "units trained at once (results do not depend on it)")
	fs.BoolVar(&c.quick, "quick", false, "small preset that finishes within minutes on two cores")
	fs.IntSliceVar(&c.hidden, "hidden", []int{256, 256}, "hidden widths from the input side")
	fs.Float64SliceVar(&c.lrGrid, "lr-grid", nil, "learning rates searched for both methods (default: the preset's)")
	fs.Float64SliceVar(&c.etaGrid, "eta-grid", nil, "PC inference step sizes η searched (default: the preset's)")
	fs.IntSliceVar(&c.tGrid, "T-grid", nil, "PC inference iteration counts T searched (default: the preset's)")
	fs.Float64Var(&c.valFrac, "val-frac", 0.1, "fraction of the training set used as the validation split")
}

func (c *commonFlags) apply(fs *pflag.FlagSet, dst *experiment.Common) {
	dst.DataDir = c.dataDir
	if fs.Changed("seeds") {
		dst.Seeds = c.seeds
	}
	if fs.Changed("hidden") {
		dst.Hidden = c.hidden
	}
	if fs.Changed("lr-grid") {
		dst.Grid.LR = c.lrGrid
	}
	if fs.Changed("eta-grid") {
		dst.Grid.Eta = c.etaGrid
	}
	if fs.Changed("T-grid") {
		dst.Grid.T = c.tGrid
	}
	if fs.Changed("val-frac") {
		dst.ValFrac = c.valFrac
	}
}

// commandLine reconstructs the command from the flags given.
func commandLine(cmd *cobra.Command) string {
	parts := []string{cmd.CommandPath()}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if f.Name == "workers" {
			return
		}
		v := f.Value.String()
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			vs := sv.GetSlice()
			for i, s := range vs {
				if strings.Contains(s, ".") {
					vs[i] = strings.TrimRight(strings.TrimRight(s, "0"), ".")
				}
			}
			v = strings.Join(vs, ",")
		}
		if f.Value.Type() == "bool" {
			parts = append(parts, "--"+f.Name)
			return
		}
		parts = append(parts, "--"+f.Name+" "+v)
	})
	return strings.Join(parts, " ")
}

func newExperimentContinualCmd() *cobra.Command {
	var c commonFlags
	var protocol string
	var tasks, batch, epochs, trainPer, valPer, testPer int
	cmd := &cobra.Command{
		Use:   "continual",
		Short: "Continual learning: split-task, split-class or permuted tasks in sequence; accuracy matrix and forgetting",
		Long: `Continual trains predictive coding (PC) and backprop (BP) on the same
network, initialisation and data order through a sequence of tasks, testing
every task after each one (the accuracy matrix R). It reports the average
final accuracy and the backward transfer (forgetting), mean ± 95% CI over
seeds, after choosing each method's hyperparameters by a grid search on a
validation split carved from the training set.

Protocols: split-task (5 two-class tasks, head masked to the task's classes
at test time), split-class (the same tasks, 10-way output), permuted (10
tasks of pixel-permuted digits). The study directory receives report.md,
results.csv, accuracy-matrix-{pc,bp}.png and acc-after-task.png; a study
killed half-way continues from its finished units when rerun.`,
		Example: `  vfe experiment continual --dataset fashion --protocol split-task --seeds 5 --out runs/cl-fashion-task
  vfe experiment continual --dataset mnist --protocol permuted --quick --out runs/cl-pmnist-quick`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if c.out == "" {
				return usagef("--out is required")
			}
			cfg := experiment.DefaultContinual(c.dataset, protocol)
			if c.quick {
				cfg = experiment.QuickContinual(c.dataset, protocol)
			}
			fs := cmd.Flags()
			c.apply(fs, &cfg.Common)
			for name, p := range map[string]*int{"tasks": &cfg.Tasks, "batch": &cfg.Batch, "epochs-per-task": &cfg.EpochsPerTask,
				"train-per-task": &cfg.TrainPerTask, "val-per-task": &cfg.ValPerTask, "test-per-task": &cfg.TestPerTask} {
				if fs.Changed(name) {
					*p = map[string]int{"tasks": tasks, "batch": batch, "epochs-per-task": epochs, "train-per-task": trainPer, "val-per-task": valPer, "test-per-task": testPer}[name]
				}
			}
			if err := cfg.Validate(); err != nil {
				return usageError{err}
			}
			_, err := experiment.RunContinual(cmd.Context(), cfg, experiment.RunOptions{Out: c.out, Workers: c.workers, Log: cmd.ErrOrStderr(), Command: commandLine(cmd)})
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "wrote", filepath.Join(c.out, experiment.ReportFile))
			return nil
		},
	}
	fs := cmd.Flags()
	c.register(fs, "mnist")
	fs.StringVar(&protocol, "protocol", experiment.ProtocolSplitTask, "split-task, split-class or permuted")
	fs.IntVar(&tasks, "tasks", 10, "number of permuted tasks")
	fs.IntVar(&batch, "batch", 64, "mini-batch size")
	fs.IntVar(&epochs, "epochs-per-task", 1, "passes over each task's training data")
	fs.IntVar(&trainPer, "train-per-task", 0, "training samples per task (0: the preset's; full: all, 10000 for permuted)")
	fs.IntVar(&valPer, "val-per-task", 0, "validation samples per task (0: all)")
	fs.IntVar(&testPer, "test-per-task", 0, "test samples per task (0: all)")
	return cmd
}

func newExperimentBatchSizeCmd() *cobra.Command {
	var c commonFlags
	var batches []int
	var train, epochs, valLimit, testLimit int
	cmd := &cobra.Command{
		Use:   "batchsize",
		Short: "Batch size: PC vs BP test and online accuracy for batch sizes 1 … 256 on a fixed sample budget",
		Long: `Batchsize trains predictive coding (PC) and backprop (BP) on the same
network, initialisation and data order with each batch size on the same
budget of training samples, choosing each method's hyperparameters per
batch size by a grid search on a validation split. It reports test accuracy
and online (prequential) accuracy, mean ± 95% CI over seeds, in report.md,
results.csv, acc-vs-batch.png and online-vs-batch.png; a study killed
half-way continues from its finished units when rerun.`,
		Example: `  vfe experiment batchsize --dataset fashion --seeds 5 --out runs/bs-fashion
  vfe experiment batchsize --dataset fashion --quick --out runs/bs-fashion-quick`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if c.out == "" {
				return usagef("--out is required")
			}
			cfg := experiment.DefaultBatchSize(c.dataset)
			if c.quick {
				cfg = experiment.QuickBatchSize(c.dataset)
			}
			fs := cmd.Flags()
			c.apply(fs, &cfg.Common)
			if fs.Changed("batches") {
				cfg.Batches = batches
			}
			for name, p := range map[string]*int{"train-samples": &cfg.TrainSamples, "epochs": &cfg.Epochs, "val-limit": &cfg.ValLimit, "test-limit": &cfg.TestLimit} {
				if fs.Changed(name) {
					*p = map[string]int{"train-samples": train, "epochs": epochs, "val-limit": valLimit, "test-limit": testLimit}[name]
				}
			}
			if err := cfg.Validate(); err != nil {
				return usageError{err}
			}
			_, err := experiment.RunBatchSize(cmd.Context(), cfg, experiment.RunOptions{Out: c.out, Workers: c.workers, Log: cmd.ErrOrStderr(), Command: commandLine(cmd)})
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "wrote", filepath.Join(c.out, experiment.ReportFile))
			return nil
		},
	}
	fs := cmd.Flags()
	c.register(fs, "fashion")
	fs.IntSliceVar(&batches, "batches", []int{1, 4, 16, 64, 256}, "batch sizes compared")
	fs.IntVar(&train, "train-samples", 20000, "training budget: first N samples of the training split (0: all)")
	fs.IntVar(&epochs, "epochs", 1, "passes over the training budget")
	fs.IntVar(&valLimit, "val-limit", 2000, "validation samples (0: all)")
	fs.IntVar(&testLimit, "test-limit", 0, "test samples (0: all)")
	return cmd
}
