package main

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vfe-go/vfe/agent"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/run/rlrun"
)

func newAgentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "The variational perception–action agent: train, evaluate, render, imagine",
		Long: `The agent minimises the seed's F_t: a predictive-coding world model infers the
latent state z_t from (z_{t−1}, a_{t−1}, x_t) at every step (terms a, b), and a
policy on z_t trades value (c, through learned critics), drift from past
actions (d) and policy entropy (f). Runs are RL run directories (vfe rl eval,
vfe plot work on them); metrics carry every F_t term by name: transition,
observation, value, drift, perception_entropy, policy_entropy and F.`,
	}
	cmd.AddCommand(newAgentTrainCmd(), newAgentEvalCmd(), newAgentRenderCmd(), newAgentImagineCmd())
	return cmd
}

func newAgentTrainCmd() *cobra.Command {
	var f rlTrainFlags
	var mask string
	var noise float64
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train the agent on an environment into a run directory",
		Example: `  vfe agent train --env CartPole-v1 --steps 100000 --seed 1 --out runs/agent-cartpole
  vfe agent train --env CartPole-v1 --mask 1,3 --steps 200000 --set policy_norm=true --set burn_in=4 \
    --set world_prior=1e-5 --set world_lr_steps=30000 --out runs/agent-cartpole-pomdp
  vfe agent train --env MountainCarContinuous-v0 --set alpha=0.5 --out runs/agent-mcc-info`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.spec.Algo = "agent"
			if mask != "" {
				f.spec.Wrappers = append(f.spec.Wrappers, "mask="+mask)
			}
			if noise != 0 {
				f.spec.Wrappers = append(f.spec.Wrappers, fmt.Sprintf("noise=%g", noise))
			}
			return runRLTrain(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.spec.EnvID, "env", "", "environment id, e.g. CartPole-v1 (required)")
	fl.StringVar(&mask, "mask", "", "observation dimensions to hide (partial observability), e.g. 1,3")
	fl.Float64Var(&noise, "noise", 0, "standard deviation of Gaussian observation noise")
	fl.IntVar(&f.spec.NumEnvs, "num-envs", 0, "parallel environments (0: the config's num_envs)")
	fl.IntVar(&f.spec.Steps, "steps", 0, "environment steps (0: the task default)")
	fl.Uint64Var(&f.spec.Seed, "seed", 1, "random seed")
	fl.StringVar(&f.spec.Out, "out", "", "run directory to create (required)")
	fl.StringArrayVar(&f.spec.Sets, "set", nil, "config override key=value, e.g. alpha=0.1, world.T=10 (repeatable)")
	fl.StringArrayVar(&f.spec.Wrappers, "wrap", nil, "further env wrapper specs (repeatable)")
	fl.IntVar(&f.spec.EvalEvery, "eval-every", 0, "steps between deterministic evaluations (0: a tenth of the run)")
	fl.IntVar(&f.spec.EvalEpisodes, "eval-episodes", 10, "episodes per evaluation")
	fl.IntVar(&f.threads, "blas-threads", 1, "BLAS threads (the networks are small: 1 is fastest)")
	fl.BoolVar(&f.noProgress, "no-progress", false, "do not draw the progress bar")
	return cmd
}

func newAgentEvalCmd() *cobra.Command {
	cmd := newRLEvalCmd()
	cmd.Short = "Evaluate a trained agent from its run directory"
	return cmd
}

func newAgentRenderCmd() *cobra.Command {
	cmd := newRLRenderCmd()
	cmd.Short = "Render an episode of a trained agent as an animated GIF"
	return cmd
}

func newAgentImagineCmd() *cobra.Command {
	var (
		dir, out string
		seed     uint64
		horizon  int
	)
	cmd := &cobra.Command{
		Use:   "imagine",
		Short: "Plot the world model's h-step predictions against a held-out episode",
		Long: `Imagine runs one episode with the trained agent (deterministic policy), then
predicts every observation 1 … H steps ahead from the filtered state by
rolling the learned transition with the actions taken. It writes the mean
squared error against the horizon to --out and, per observation dimension,
the actual trajectory with the 1-step and H-step predictions to OUT-dimK.png.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" || out == "" {
				return usagef("agent imagine needs --run DIR and --out FILE.png")
			}
			if horizon < 1 {
				return usagef("--horizon must be ≥ 1")
			}
			r, err := rlrun.Open(dir)
			if err != nil {
				return err
			}
			a, ok := r.Policy.(*agent.Agent)
			if !ok {
				return fmt.Errorf("%s is a %s run, not an agent run", dir, r.Config.Algo)
			}
			im, err := a.Imagine(rl.EnvMaker(r.NewEnv), seed, horizon)
			if err != nil {
				return err
			}
			if err := im.WritePNG(out); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "episode of %d steps; mean squared prediction error by horizon:\n", len(im.Actual))
			printMSE(w, im.MSE)
			base := strings.TrimSuffix(out, ".png")
			if d := len(im.Actual[0]); d > 1 {
				fmt.Fprintf(w, "wrote %s and %s-dim0.png … %s-dim%d.png\n", out, base, base, d-1)
			} else {
				fmt.Fprintf(w, "wrote %s and %s-dim0.png\n", out, base)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "run", "", "agent run directory (required)")
	cmd.Flags().StringVar(&out, "out", "", "PNG to write (required)")
	cmd.Flags().Uint64Var(&seed, "seed", 0, "seed of the episode's reset")
	cmd.Flags().IntVar(&horizon, "horizon", 10, "largest prediction horizon H")
	return cmd
}

func printMSE(w io.Writer, mse []float64) {
	for h, v := range mse {
		if math.IsNaN(v) {
			continue
		}
		fmt.Fprintf(w, "  h=%-3d %.5f\n", h+1, v)
	}
}
