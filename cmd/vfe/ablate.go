package main

import (
	"github.com/spf13/cobra"
	"github.com/vfe-go/vfe/experiment"
	"github.com/vfe-go/vfe/tensor"
)

func newExperimentAblateCmd() *cobra.Command {
	var (
		cfg     experiment.AblateConfig
		out     string
		mask    string
		threads int
	)
	cmd := &cobra.Command{
		Use:   "ablate",
		Short: "Ablate the agent's F_t terms and inference (β, drift, entropy, α, T, amortised) over seeds",
		Long: `Ablate trains the variational agent once per variant and seed — the base
configuration, β ∈ {0.5, 2}, drift weight ∈ {0, 0.1}, entropy weight ∈ {0,
0.01}, α = ±0.1 with state-dependent transition precision, T = 5, smoothing
(smooth = 2), hybrid
(amortised initialisation refined by inference), amortised-only
perception (act_T = 0: the recognition network alone when acting), no
prior on the world model, the amortised value gradient and the
model-based option (imagined rollouts of 3 steps) —
and writes report.md (mean ± 95% CI of the final evaluation return) and
results.csv into --out. Finished runs are kept: rerunning the same command
resumes a killed study.`,
		Example: `  vfe experiment ablate --env CartPole-v1 --steps 20000 --seeds 3 --out runs/ablate-cartpole`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.Env == "" || out == "" {
				return usagef("experiment ablate needs --env ID and --out DIR")
			}
			if cfg.Steps < 1 || cfg.Seeds < 1 {
				return usagef("--steps and --seeds must be ≥ 1")
			}
			if mask != "" {
				cfg.Wrappers = append(cfg.Wrappers, "mask="+mask)
			}
			if threads < 1 {
				return usagef("--blas-threads must be ≥ 1")
			}
			defer tensor.SetThreads(tensor.SetThreads(threads))
			_, err := experiment.Ablate(cmd.Context(), cfg, out, cmd.OutOrStdout())
			if err == nil {
				cmd.Printf("report: %s/report.md\n", out)
			}
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&cfg.Env, "env", "", "environment id (required)")
	fl.StringVar(&mask, "mask", "", "observation dimensions to hide, e.g. 1,3")
	fl.IntVar(&cfg.Steps, "steps", 20000, "environment steps per run")
	fl.IntVar(&cfg.Seeds, "seeds", 3, "seeds per variant")
	fl.StringArrayVar(&cfg.Base, "set", nil, "override applied to every variant, key=value (repeatable)")
	fl.IntVar(&cfg.EvalEpisodes, "eval-episodes", 10, "episodes of the final evaluation")
	fl.StringVar(&out, "out", "", "study directory (required)")
	fl.IntVar(&threads, "blas-threads", 1, "BLAS threads (the networks are small: 1 is fastest)")
	return cmd
}
