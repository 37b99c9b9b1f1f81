package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/vfe-go/vfe/pc/classify"
	"github.com/vfe-go/vfe/plot"
	"github.com/vfe-go/vfe/run"
	"github.com/vfe-go/vfe/tensor"
)

func newPCCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pc",
		Short: "Predictive-coding networks: train, evaluate, generate",
	}
	cmd.AddCommand(newPCTrainCmd(), newPCEvalCmd(), newPCGenerateCmd())
	return cmd
}

// textFlag adapts an encoding.TextMarshaler/Unmarshaler to a pflag.Value.
type textFlag struct {
	v interface {
		MarshalText() ([]byte, error)
		UnmarshalText([]byte) error
	}
	typ string
}

func (f textFlag) String() string     { b, _ := f.v.MarshalText(); return string(b) }
func (f textFlag) Set(s string) error { return f.v.UnmarshalText([]byte(s)) }
func (f textFlag) Type() string       { return f.typ }

// float32Flag is a pflag.Value for a float32 field.
type float32Flag struct{ p *float32 }

func (f float32Flag) String() string { return fmt.Sprint(*f.p) }
func (f float32Flag) Set(s string) error {
	var v float64
	if _, err := fmt.Sscan(s, &v); err != nil {
		return fmt.Errorf("not a number: %q", s)
	}
	*f.p = float32(v)
	return nil
}
func (f float32Flag) Type() string { return "float" }

// registerPCFlags binds every classify.Config field to a flag.
func registerPCFlags(fs *pflag.FlagSet, c *classify.Config) {
	fs.StringVar(&c.Dataset, "dataset", c.Dataset, "dataset: mnist or fashion")
	fs.StringVar(&c.DataDir, "data", c.DataDir, "folder of IDX files to use instead of the packaged dataset")
	fs.StringVar(&c.Method, "method", c.Method, "pc (predictive coding) or bp (backprop on the same network)")
	fs.StringVar(&c.Mode, "mode", c.Mode, "discriminative, generative or hybrid")
	fs.IntSliceVar(&c.Hidden, "hidden", c.Hidden, "hidden widths from the input side")
	fs.Var(textFlag{&c.Act, "act"}, "act", "hidden activation f: tanh, relu, gelu, sigmoid, leaky_relu, identity")
	fs.Var(textFlag{&c.Init, "init"}, "init", "weight initialisation: xavier_uniform, xavier_normal, he_uniform, he_normal, orthogonal, torch")
	fs.IntVar(&c.Epochs, "epochs", c.Epochs, "training epochs")
	fs.IntVar(&c.Batch, "batch", c.Batch, "mini-batch size B")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "random seed (initialisation and data order)")
	fs.IntVar(&c.Infer.T, "T", c.Infer.T, "inference iterations T per batch")
	fs.Var(float32Flag{&c.Infer.Eta}, "eta", "inference step size η")
	fs.Var(textFlag{&c.Infer.Optim, "optim"}, "infer-optim", "inference update: sgd, momentum or adam")
	fs.Var(float32Flag{&c.Infer.Momentum}, "infer-momentum", "momentum for --infer-optim momentum (0: 0.9)")
	fs.BoolVar(&c.Infer.Decay, "eta-decay", c.Infer.Decay, "halve η whenever the energy rises during inference")
	fs.Float64Var(&c.Infer.Tol, "tol", c.Infer.Tol, "stop inference early when the relative energy change is below this (0: never)")
	fs.BoolVar(&c.Infer.Fixed, "fixed-prediction", c.Infer.Fixed, "hold predictions at their feed-forward values during inference")
	fs.IntVar(&c.TestT, "test-T", c.TestT, "inference iterations to classify in generative/hybrid mode")
	fs.StringVar(&c.Schedule, "schedule", c.Schedule, "standard (learn after T steps) or incremental (learn every step)")
	fs.StringVar(&c.Optimizer, "optimizer", c.Optimizer, "weight optimiser: adam, adamw or sgd")
	fs.Float64Var(&c.LR, "lr", c.LR, "weight learning rate")
	fs.StringVar(&c.LRSchedule, "lr-schedule", c.LRSchedule, "learning-rate schedule: constant or cosine (to 0 over the run)")
	fs.Float64Var(&c.WeightDecay, "weight-decay", c.WeightDecay, "weight decay λ")
	fs.Float64Var(&c.Momentum, "momentum", c.Momentum, "SGD momentum")
	fs.Var(textFlag{&c.Prec, "precision"}, "precision", "node precision: fixed, scalar or diag (learned)")
	fs.Var(float32Flag{&c.PrecInit}, "precision-init", "fixed or initial precision (0: 1)")
	fs.Var(float32Flag{&c.LabelPrec}, "label-precision", "precision of the label node alone (0: as --precision-init)")
	fs.Var(textFlag{&c.Prior, "prior"}, "prior", "prior on the top node: none, fixed or learned")
	fs.Float64Var(&c.AmortLR, "amort-lr", c.AmortLR, "recognition network learning rate in hybrid mode (0: --lr)")
	fs.IntVar(&c.TrainLimit, "train-limit", c.TrainLimit, "use only the first N training samples (0: all)")
	fs.IntVar(&c.TestLimit, "test-limit", c.TestLimit, "use only the first N test samples (0: all)")
	fs.IntVar(&c.Threads, "threads", c.Threads, "BLAS threads (0: library default)")
	fs.IntVar(&c.Infer.Workers, "workers", c.Infer.Workers, "goroutines sharing each batch's rows in inference (use with --threads 1; 0: serial)")
}

func newPCTrainCmd() *cobra.Command {
	cfg := classify.DefaultConfig()
	var out string
	var resume, noProgress bool
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train a predictive-coding network (or its backprop twin) on MNIST or Fashion-MNIST",
		Example: `  vfe pc train --dataset mnist --method pc --hidden 256,256 --epochs 10 --out runs/pc-mnist
  vfe pc train --dataset fashion --method bp --out runs/bp-fashion
  vfe pc train --out runs/pc-mnist --resume`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usagef("pc train needs --out DIR (the run directory)")
			}
			if err := cfg.Validate(); err != nil {
				return usageError{err}
			}
			if resume && !cmd.Flags().Changed("dataset") {
				// Resuming without flags: take the run's own config.
				if d, err := run.Open(out); err == nil {
					if err := d.ReadConfig(&cfg); err != nil {
						return err
					}
				}
			}
			mode := run.ProgressAuto
			if noProgress {
				mode = run.ProgressOff
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "vfe pc train: %s %s on %s, hidden %v, %d epochs, batch %d, blas %s\n", cfg.Method, cfg.Mode, cfg.Dataset, cfg.Hidden, cfg.Epochs, cfg.Batch, tensor.BLAS())
			sum, err := classify.Run(cmd.Context(), cfg, classify.RunOptions{Out: out, Resume: resume, Progress: cmd.ErrOrStderr(), ProgressMode: mode, Log: w})
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "test accuracy %.4f  (%.0f samples/s, %.1f s)\nrun directory: %s\n", sum.TestAccuracy, sum.SamplesPerS, sum.WallS, out)
			return nil
		},
	}
	registerPCFlags(cmd.Flags(), &cfg)
	cmd.Flags().StringVar(&out, "out", "", "run directory to create (required)")
	cmd.Flags().BoolVar(&resume, "resume", false, "continue the run in --out from its last checkpoint")
	cmd.Flags().BoolVar(&noProgress, "no-progress", false, "do not draw the progress bar")
	return cmd
}

func newPCEvalCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Evaluate a trained run's checkpoint on its test set",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return usagef("pc eval needs --run DIR")
			}
			c, _, err := classify.Open(dir)
			if err != nil {
				return err
			}
			_, test, err := classify.LoadData(c.Cfg)
			if err != nil {
				return err
			}
			acc, err := c.Accuracy(test)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "test accuracy %.4f on %d %s test samples\n", acc, test.Len(), c.Cfg.Dataset)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "run", "", "run directory")
	return cmd
}

func newPCGenerateCmd() *cobra.Command {
	var dir, out string
	var perLabel int
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write a PNG grid of the images a generative run predicts for each label",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" || out == "" {
				return usagef("pc generate needs --run DIR and --out FILE.png")
			}
			if perLabel < 1 {
				return usagef("--per-label must be ≥ 1")
			}
			c, _, err := classify.Open(dir)
			if err != nil {
				return err
			}
			classes := c.Model.Nodes[c.LabelNode()].Dim
			var labels []int
			for k := 0; k < classes; k++ {
				for range perLabel {
					labels = append(labels, k)
				}
			}
			imgs, err := c.Generate(labels)
			if err != nil {
				return err
			}
			if err := writeGrid(out, imgs, classes, perLabel); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d labels × %d)\n", out, classes, perLabel)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "run", "", "run directory of a generative or hybrid run")
	cmd.Flags().StringVar(&out, "out", "", "PNG file to write")
	cmd.Flags().IntVar(&perLabel, "per-label", 1, "images per label (identical: the prediction is the mean)")
	return cmd
}

// writeGrid writes the rows of imgs as a rows×cols grid PNG, one label
// per row.
func writeGrid(path string, imgs *tensor.Mat, rows, cols int) error {
	ims := make([][]float32, imgs.Rows)
	for i := range ims {
		ims[i] = imgs.Row(i)
	}
	return plot.ImageGrid(ims, rows, cols, path)
}
