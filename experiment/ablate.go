package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/vfe-go/vfe/run"
	"github.com/vfe-go/vfe/run/rlrun"
)

// Variant is one ablation arm: a name and the agent config overrides
// (rlrun.ApplySets keys) that define it relative to the base agent.
type Variant struct {
	Name string   `json:"name"`
	Sets []string `json:"sets"`
}

// AblateConfig configures an agent ablation study.
type AblateConfig struct {
	// Env is the environment id (required).
	Env string `json:"env"`
	// Wrappers are env wrapper specs applied to every run (e.g. "mask=1,3").
	Wrappers []string `json:"wrappers,omitempty"`
	// Steps is the environment-step budget of every run (default 20000).
	Steps int `json:"steps"`
	// Seeds is the number of seeds per variant (default 3); seeds are 1 … Seeds.
	Seeds int `json:"seeds"`
	// Base are overrides applied to every variant (e.g. "world.T=10").
	Base []string `json:"base,omitempty"`
	// Variants are the arms; nil means DefaultVariants().
	Variants []Variant `json:"variants"`
	// EvalEpisodes per final evaluation (default 10).
	EvalEpisodes int `json:"eval_episodes"`
}

// DefaultVariants returns the seed's knobs one at a time around the agent's
// defaults: β (value weight), the drift weight (d), the entropy weight (f),
// α (information seeking, both signs, with state-dependent transition
// precision so that i(s) varies), T (inference iterations) and PC inference
// against amortised-only inference, fixed-lag smoothing, the world model's prior (its absence
// lets the latents' scale drift), the estimator of the value gradient and
// the model-based option.
func DefaultVariants() []Variant {
	return []Variant{
		{Name: "base"},
		{Name: "beta=0.5", Sets: []string{"beta=0.5"}},
		{Name: "beta=2", Sets: []string{"beta=2"}},
		{Name: "drift=0", Sets: []string{"drift_weight=0"}},
		{Name: "drift=0.1", Sets: []string{"drift_weight=0.1"}},
		{Name: "entropy=0", Sets: []string{"entropy_weight=0"}},
		{Name: "entropy=0.01", Sets: []string{"entropy_weight=0.01"}},
		{Name: "alpha=+0.1", Sets: []string{"alpha=0.1", "world.prec=state"}},
		{Name: "alpha=-0.1", Sets: []string{"alpha=-0.1", "world.prec=state"}},
		{Name: "T=5", Sets: []string{"world.T=5"}},
		{Name: "smoothing (smooth=2)", Sets: []string{"smooth=2"}},
		{Name: "hybrid (amortised init + T)", Sets: []string{"amortised=true"}},
		{Name: "amortised only (act_T=0)", Sets: []string{"amortised=true", "act_T=0"}},
		{Name: "no world prior", Sets: []string{"world_prior=0"}},
		{Name: "value_grad=amortised", Sets: []string{"value_grad=amortised"}},
		{Name: "model-based (amortised, imagine_horizon=3)", Sets: []string{"value_grad=amortised", "imagine_horizon=3"}},
	}
}

func (c *AblateConfig) defaults() {
	if c.Steps == 0 {
		c.Steps = 20000
	}
	if c.Seeds == 0 {
		c.Seeds = 3
	}
	if c.Variants == nil {
		c.Variants = DefaultVariants()
	}
	if c.EvalEpisodes == 0 {
		c.EvalEpisodes = 10
	}
}

// AblateRow is one variant's outcome over seeds.
type AblateRow struct {
	Variant Variant   `json:"variant"`
	Returns []float64 `json:"returns"` // final deterministic evaluation per seed
	Return  Stat      `json:"return"`
	SPS     Stat      `json:"sps"`
}

// Ablate trains the agent for every variant and seed (each run its own run
// directory under out/runs, skipped when its summary.json exists, so a
// killed study resumes), then writes out/report.md and out/results.csv.
func Ablate(ctx context.Context, cfg AblateConfig, out string, log io.Writer) ([]AblateRow, error) {
	cfg.defaults()
	if cfg.Env == "" {
		return nil, errors.New("experiment: ablate needs an environment id")
	}
	if cfg.Steps < 1 || cfg.Seeds < 1 {
		return nil, errors.New("experiment: ablate needs steps ≥ 1 and seeds ≥ 1")
	}
	if log == nil {
		log = io.Discard
	}
	if err := os.MkdirAll(filepath.Join(out, "runs"), 0o755); err != nil {
		return nil, fmt.Errorf("experiment: %w", err)
	}
	if err := run.WriteJSON(filepath.Join(out, "ablate.json"), cfg); err != nil {
		return nil, err
	}
	// Validate every arm before spending time on any.
	for _, v := range cfg.Variants {
		spec := cfg.spec(v, 1, "")
		if _, _, err := rlrun.Prepare(spec); err != nil {
			return nil, fmt.Errorf("experiment: variant %q: %w", v.Name, err)
		}
	}
	var rows []AblateRow
	for vi, v := range cfg.Variants {
		row := AblateRow{Variant: v}
		var sps []float64
		for seed := 1; seed <= cfg.Seeds; seed++ {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("experiment: ablation interrupted; rerun the same command to resume: %w", err)
			}
			dir := filepath.Join(out, "runs", fmt.Sprintf("v%02d-seed%d", vi, seed))
			sum, err := readRLSummary(dir)
			if err != nil {
				_ = os.RemoveAll(dir) // an unfinished run: start it again
				fmt.Fprintf(log, "%s seed %d …\n", v.Name, seed)
				s, err := rlrun.Train(ctx, cfg.spec(v, uint64(seed), dir), nil)
				if err != nil {
					return nil, fmt.Errorf("experiment: variant %q seed %d: %w", v.Name, seed, err)
				}
				sum = s
			}
			row.Returns = append(row.Returns, sum.EvalMeanReturn)
			sps = append(sps, sum.SPS)
		}
		row.Return, row.SPS = Summarize(row.Returns), Summarize(sps)
		fmt.Fprintf(log, "%-30s return %.1f ± %.1f\n", v.Name, row.Return.Mean, row.Return.CI)
		rows = append(rows, row)
	}
	return rows, writeAblateReport(out, cfg, rows)
}

func (c AblateConfig) spec(v Variant, seed uint64, dir string) rlrun.TrainSpec {
	return rlrun.TrainSpec{Algo: "agent", EnvID: c.Env, Steps: c.Steps, Seed: seed, Out: dir,
		Sets: append(append([]string{}, c.Base...), v.Sets...), Wrappers: c.Wrappers,
		EvalEvery: c.Steps, EvalEpisodes: c.EvalEpisodes}
}

func readRLSummary(dir string) (*rlrun.Summary, error) {
	d, err := run.Open(dir)
	if err != nil {
		return nil, err
	}
	var s rlrun.Summary
	if err := d.ReadSummary(&s); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, run.SummaryFile)); errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return &s, nil
}

func writeAblateReport(out string, cfg AblateConfig, rows []AblateRow) error {
	var md, csv strings.Builder
	fmt.Fprintf(&md, "# Agent ablation on %s\n\n", cfg.Env)
	fmt.Fprintf(&md, "%d environment steps per run, %d seeds per variant (1 … %d), final deterministic evaluation over %d episodes; mean ± 95%% CI (Student t).\n\n",
		cfg.Steps, cfg.Seeds, cfg.Seeds, cfg.EvalEpisodes)
	if len(cfg.Wrappers) > 0 {
		fmt.Fprintf(&md, "Wrappers: `%s`.\n\n", strings.Join(cfg.Wrappers, " "))
	}
	if len(cfg.Base) > 0 {
		fmt.Fprintf(&md, "Base overrides: `%s`.\n\n", strings.Join(cfg.Base, " "))
	}
	md.WriteString("| variant | overrides | eval return | steps/s |\n|---|---|---|---|\n")
	csv.WriteString("variant,seed,eval_return\n")
	for _, r := range rows {
		fmt.Fprintf(&md, "| %s | `%s` | %s | %.0f |\n", r.Variant.Name, strings.Join(r.Variant.Sets, " "), fmtReturn(r.Return), r.SPS.Mean)
		for i, v := range r.Returns {
			fmt.Fprintf(&csv, "%q,%d,%g\n", r.Variant.Name, i+1, v)
		}
	}
	fmt.Fprintf(&md, "\nReproduce: `vfe experiment ablate --env %s --steps %d --seeds %d --out DIR`\n", cfg.Env, cfg.Steps, cfg.Seeds)
	if err := writeText(filepath.Join(out, "report.md"), []byte(md.String())); err != nil {
		return err
	}
	return writeText(filepath.Join(out, "results.csv"), []byte(csv.String()))
}

func fmtReturn(s Stat) string {
	if math.IsNaN(s.CI) {
		return fmt.Sprintf("%.1f", s.Mean)
	}
	return fmt.Sprintf("%.1f ± %.1f", s.Mean, s.CI)
}
