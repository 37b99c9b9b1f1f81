package main

import (
	"bytes"
	"fmt"
	"image"
	"io"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/classic"
	"github.com/vfe-go/vfe/env/render"
	"github.com/vfe-go/vfe/env/wrap"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/run/rlrun"
	"github.com/vfe-go/vfe/tensor"
)

func newRLCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rl",
		Short: "Train, evaluate and render reinforcement-learning baselines",
	}
	cmd.AddCommand(newRLTrainCmd(), newRLEvalCmd(), newRLRenderCmd())
	return cmd
}

// rlTrainFlags holds the flags of "vfe rl train".
type rlTrainFlags struct {
	spec       rlrun.TrainSpec
	noProgress bool
	threads    int
}

func newRLTrainCmd() *cobra.Command {
	var f rlTrainFlags
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train an RL algorithm on an environment into a run directory",
		Long: `Train runs one algorithm on one environment and writes a run directory:
config.json, metrics.csv/metrics.jsonl (charts/episodic_return, charts/sps,
losses/..., eval/mean_return), model.safetensors, summary.json and curves.png.

Hyperparameters start from rl-baselines3-zoo's tuned values for the env when
they exist, else the algorithm's defaults; --set key=value overrides any
config field by its JSON name (see config.json of a run, or pass a bad key to
list them). --steps and --num-envs set total_timesteps and num_envs.

Algorithms: ` + strings.Join(rlrun.Algorithms(), ", ") + `.
Wrappers (--wrap, repeatable, innermost first):
` + wrap.SpecHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRLTrain(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.spec.Algo, "algo", "", "algorithm: "+strings.Join(rlrun.Algorithms(), ", ")+" (required)")
	fl.StringVar(&f.spec.EnvID, "env", "", "environment id, e.g. CartPole-v1 (required)")
	fl.IntVar(&f.spec.NumEnvs, "num-envs", 0, "parallel environments (0: the config's num_envs)")
	fl.IntVar(&f.spec.Steps, "steps", 0, "environment steps to train for (0: the config's total_timesteps)")
	fl.Uint64Var(&f.spec.Seed, "seed", 1, "random seed")
	fl.StringVar(&f.spec.Out, "out", "", "run directory to create (required)")
	fl.StringArrayVar(&f.spec.Sets, "set", nil, "config override key=value (repeatable)")
	fl.StringArrayVar(&f.spec.Wrappers, "wrap", nil, "env wrapper spec, e.g. normobs or mask=1,3 (repeatable)")
	fl.IntVar(&f.spec.EvalEvery, "eval-every", 0, "steps between deterministic evaluations (0: a tenth of the run)")
	fl.IntVar(&f.spec.EvalEpisodes, "eval-episodes", 10, "episodes per evaluation")
	fl.IntVar(&f.threads, "blas-threads", 1, "threads for the networks' matrix products: the BLAS's and the packed kernels' row workers")
	fl.BoolVar(&f.noProgress, "no-progress", false, "do not draw the progress bar")
	return cmd
}

func runRLTrain(cmd *cobra.Command, f rlTrainFlags) error {
	switch {
	case f.spec.Algo == "":
		return usagef("--algo is required (%s)", strings.Join(rlrun.Algorithms(), ", "))
	case f.spec.EnvID == "":
		return usagef("--env is required (%s)", strings.Join(classic.IDs(), ", "))
	case f.spec.Out == "":
		return usagef("--out is required: the run directory to create")
	case f.spec.EvalEpisodes < 1:
		return usagef("--eval-episodes must be ≥ 1")
	case f.threads < 1:
		return usagef("--blas-threads must be ≥ 1")
	}
	if _, _, err := rlrun.Prepare(f.spec); err != nil {
		return usageError{err}
	}
	defer tensor.SetThreads(tensor.SetThreads(f.threads))
	f.spec.Workers = f.threads
	var progress io.Writer = cmd.ErrOrStderr()
	if f.noProgress {
		progress = nil
	}
	sum, err := rlrun.Train(cmd.Context(), f.spec, progress)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s %s seed %d: eval return %.1f ± %.1f after %d steps in %.1f s (%.0f steps/s, %s BLAS) → %s\n",
		f.spec.Algo, f.spec.EnvID, f.spec.Seed, sum.EvalMeanReturn, sum.EvalStdReturn, sum.Steps, sum.WallS, sum.SPS, tensor.BLAS(), f.spec.Out)
	return nil
}

func newRLEvalCmd() *cobra.Command {
	var (
		dir        string
		episodes   int
		seed       uint64
		stochastic bool
		best       bool
	)
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Evaluate a trained policy from its run directory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return usagef("--run is required")
			}
			if episodes < 1 {
				return usagef("--episodes must be ≥ 1")
			}
			open, which := rlrun.Open, "final"
			if best {
				open, which = rlrun.OpenBest, "best"
			}
			r, err := open(dir)
			if err != nil {
				return err
			}
			rets, err := r.Evaluate(episodes, seed, stochastic)
			if err != nil {
				return err
			}
			var s, s2 float64
			for _, x := range rets {
				s, s2 = s+x, s2+x*x
			}
			n := float64(len(rets))
			mean := s / n
			std := math.Sqrt(max(0, s2/n-mean*mean))
			mode := "deterministic"
			if stochastic {
				mode = "stochastic"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s (%s model): mean return %.2f ± %.2f over %d %s episodes (seed %d)\n",
				r.Config.Algo, r.Config.Env, which, mean, std, episodes, mode, seed)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "run", "", "run directory written by vfe rl train (required)")
	cmd.Flags().IntVar(&episodes, "episodes", 10, "number of episodes")
	cmd.Flags().Uint64Var(&seed, "seed", 0, "seed of the episode resets")
	cmd.Flags().BoolVar(&stochastic, "stochastic", false, "sample actions instead of taking the mode/mean")
	cmd.Flags().BoolVar(&best, "best", false, "evaluate the best periodic evaluation's checkpoint (model_best.safetensors) instead of the final model")
	return cmd
}

func newRLRenderCmd() *cobra.Command {
	var (
		dir, out string
		seed     uint64
		every    int
	)
	cmd := &cobra.Command{
		Use:   "render",
		Short: "Render one episode of a trained policy as an animated GIF",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return usagef("--run is required")
			}
			if every < 1 {
				return usagef("--every must be ≥ 1")
			}
			n, ret, err := renderRun(cmd, dir, out, seed, every)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d frames, return %.1f)\n", out, n, ret)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "run", "", "run directory written by vfe rl train (required)")
	cmd.Flags().StringVar(&out, "out", "episode.gif", "output GIF file")
	cmd.Flags().Uint64Var(&seed, "seed", 0, "seed of the episode reset")
	cmd.Flags().IntVar(&every, "every", 1, "keep every k-th frame")
	return cmd
}

func renderRun(cmd *cobra.Command, dir, out string, seed uint64, every int) (frames int, ret float64, err error) {
	r, err := rlrun.Open(dir)
	if err != nil {
		return 0, 0, err
	}
	e, err := r.NewEnv()
	if err != nil {
		return 0, 0, err
	}
	rd, ok := env.AsRenderer(e)
	if !ok {
		return 0, 0, fmt.Errorf("%s cannot render", r.Config.Env)
	}
	spec, err := classic.Lookup(r.Config.Env)
	if err != nil {
		return 0, 0, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	pol := &rl.PolicyAdapter{P: r.Policy, Deterministic: true}
	obs := e.Reset(rng)
	imgs := []*image.RGBA{rd.Render(nil)}
	for i := 0; ; i++ {
		if err := cmd.Context().Err(); err != nil {
			return 0, 0, err
		}
		st := e.Step(pol.Act(obs, rng))
		ret += st.Reward
		obs = st.Obs
		done := st.Terminated || st.Truncated
		if (i+1)%every == 0 || done {
			imgs = append(imgs, rd.Render(nil))
		}
		if done {
			break
		}
	}
	delay := max(1, int(math.Round(100*float64(every)/float64(max(spec.RenderFPS, 1)))))
	var buf bytes.Buffer
	if err := render.EncodeGIF(&buf, imgs, delay); err != nil {
		return 0, 0, err
	}
	if err := render.WriteFileAtomic(out, buf.Bytes()); err != nil {
		return 0, 0, err
	}
	return len(imgs), ret, nil
}
