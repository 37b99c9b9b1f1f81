package rlrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/classic"
	"github.com/vfe-go/vfe/env/wrap"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/plot"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/run"
	"github.com/vfe-go/vfe/tensor"
)

// Files an RL run directory holds besides run's config.json, metrics.csv,
// metrics.jsonl and summary.json.
const (
	ModelFile = "model.safetensors"
	// BestModelFile is the checkpoint of the deterministic evaluation with
	// the highest mean return (the earliest of equal ones), as SB3's
	// EvalCallback keeps it; the final model is ModelFile.
	BestModelFile = "model_best.safetensors"
	CurvesFile    = "curves.png"
)

// Config keys every algorithm Config carries, set from TrainSpec.
const (
	StepsKey   = "total_timesteps"
	NumEnvsKey = "num_envs"
)

// TrainSpec describes one training run.
type TrainSpec struct {
	// Algo is the algorithm name (see Algorithms). Required.
	Algo string
	// EnvID is a registered env id such as "CartPole-v1" (classic.IDs).
	// Required.
	EnvID string
	// NumEnvs overrides the config's num_envs when > 0; 0 keeps the
	// algorithm's (zoo) default.
	NumEnvs int
	// Steps overrides the config's total_timesteps when > 0; 0 keeps the
	// algorithm's (zoo) default.
	Steps int
	// Seed seeds everything random in the run.
	Seed uint64
	// Out is the run directory to create. Required; it must not already
	// hold a run.
	Out string
	// Sets are "key=value" overrides of the algorithm config (ApplySets),
	// applied after NumEnvs and Steps.
	Sets []string
	// Wrappers are env wrapper specs (wrap.SpecHelp), innermost first, applied
	// outside the env's time limit: "mask=1,3", "noise=0.1", "normobs", ….
	Wrappers []string
	// EvalEvery is the number of environment steps between deterministic
	// evaluations; 0 means a tenth of the run.
	EvalEvery int
	// EvalEpisodes is the number of episodes per evaluation; 0 means 10.
	EvalEpisodes int
	// Workers is the number of goroutines that share the rows of the
	// networks' products (tensor.Workers); 0 or 1 means one. The metrics do
	// not depend on it. With two or more, the pool probes its hand-offs
	// (tensor.Workers.SetProbe with ProbeLimit) and runs on one goroutine
	// while they are slow.
	Workers int
}

// ProbeLimit is the hand-off round trip above which a run's worker pool
// runs its products on one goroutine (tensor.Workers.SetProbe). Measured on
// a 2-vCPU AMD EPYC guest: 50–60 ns when the host places the vCPUs on cores
// that share a cache (two workers then take 275 µs per DQN update against
// 460 µs for one) and 330–350 ns when it does not (550 µs for two).
const ProbeLimit = 200 * time.Nanosecond

// RunConfig is what config.json of an RL run holds: enough to reproduce it.
type RunConfig struct {
	Algo         string   `json:"algo"`
	Env          string   `json:"env"`
	Steps        int      `json:"steps"`
	Seed         uint64   `json:"seed"`
	Wrappers     []string `json:"wrappers"`
	EvalEvery    int      `json:"eval_every"`
	EvalEpisodes int      `json:"eval_episodes"`
	// Config is the algorithm's full typed Config.
	Config any `json:"config"`
}

// Summary is what summary.json of an RL run holds.
type Summary struct {
	Algo string `json:"algo"`
	Env  string `json:"env"`
	// EvalMeanReturn and EvalStdReturn are the last deterministic
	// evaluation's mean and standard deviation of the episode return.
	EvalMeanReturn float64 `json:"eval_mean_return"`
	EvalStdReturn  float64 `json:"eval_std_return"`
	// BestEvalMeanReturn is the highest mean return of any deterministic
	// evaluation and BestEvalStep the step count it was taken at: the
	// policy saved in BestModelFile. Selecting the best of several noisy
	// evaluations biases this figure upwards; re-evaluate the checkpoint on
	// fresh episodes (vfe rl eval --best) for an unbiased one.
	BestEvalMeanReturn float64 `json:"best_eval_mean_return"`
	BestEvalStep       int     `json:"best_eval_step"`
	// WallS is the training wall time in seconds (evaluations included).
	WallS float64 `json:"wall_s"`
	// Steps is the number of environment steps taken.
	Steps int `json:"steps"`
	// SPS is Steps / WallS.
	SPS  float64 `json:"sps"`
	Seed uint64  `json:"seed"`
	// Probes and SlowProbes count the worker pool's hand-off probes and
	// those that found it slow, so that its products ran on one goroutine
	// until the next (zero without workers).
	Probes     int `json:"worker_probes"`
	SlowProbes int `json:"worker_slow_probes"`
}

// Prepare resolves a spec into its algorithm and validated config (defaults
// or zoo config for the env, then NumEnvs, Steps and Sets), without touching
// the disk. Errors name what to fix.
func Prepare(spec TrainSpec) (Algorithm, any, error) { return prepare(Lookup, spec) }

func prepare(lookup func(string) (Algorithm, error), spec TrainSpec) (Algorithm, any, error) {
	algo, err := lookup(spec.Algo)
	if err != nil {
		return nil, nil, err
	}
	if _, err := classic.Lookup(spec.EnvID); err != nil {
		return nil, nil, fmt.Errorf("rlrun: unknown env %q; valid: %s", spec.EnvID, strings.Join(classic.IDs(), ", "))
	}
	if spec.Steps < 0 || spec.NumEnvs < 0 {
		return nil, nil, errors.New("rlrun: steps and num-envs must be ≥ 0 (0 keeps the algorithm's default)")
	}
	cfg := algo.DefaultConfig(spec.EnvID)
	var sets []string
	if spec.Steps > 0 {
		sets = append(sets, fmt.Sprintf("%s=%d", StepsKey, spec.Steps))
	}
	if spec.NumEnvs > 0 {
		sets = append(sets, fmt.Sprintf("%s=%d", NumEnvsKey, spec.NumEnvs))
	}
	if err := ApplySets(cfg, sets); err != nil {
		return nil, nil, fmt.Errorf("rlrun: %s does not take --steps/--num-envs: %w", spec.Algo, err)
	}
	if err := ApplySets(cfg, spec.Sets); err != nil {
		return nil, nil, err
	}
	if err := algo.Validate(cfg); err != nil {
		return nil, nil, err
	}
	if _, err := newEnv(spec.EnvID, spec.Wrappers); err != nil {
		return nil, nil, err
	}
	return algo, cfg, nil
}

// ConfigSteps reads total_timesteps from a typed config.
func ConfigSteps(cfg any) int {
	b, _ := json.Marshal(cfg)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	var n int
	_ = json.Unmarshal(m[StepsKey], &n)
	return n
}

func newEnv(envID string, wrappers []string) (env.Env, error) {
	e, err := classic.Make(envID, classic.WithWrappers(wrappers...))
	if err != nil {
		return nil, fmt.Errorf("rlrun: %w", err)
	}
	return e, nil
}

// Train runs spec: it creates the run directory (config.json with the full
// typed config), trains while logging namespaced metrics to metrics.csv and
// metrics.jsonl and drawing a progress bar (steps, SPS, recent return) on
// progress (nil: none), evaluates deterministically every EvalEvery steps,
// then writes model.safetensors (policy tensors and any wrapper statistics),
// summary.json and curves.png. Cancelling ctx stops training at the next
// update and returns ctx's error.
func Train(ctx context.Context, spec TrainSpec, progress io.Writer) (*Summary, error) {
	return train(ctx, Lookup, spec, progress)
}

func train(ctx context.Context, lookup func(string) (Algorithm, error), spec TrainSpec, progress io.Writer) (*Summary, error) {
	algo, cfg, err := prepare(lookup, spec)
	if err != nil {
		return nil, err
	}
	steps := ConfigSteps(cfg)
	evalEvery := spec.EvalEvery
	if evalEvery <= 0 {
		evalEvery = max(1, steps/10)
	}
	evalEpisodes := spec.EvalEpisodes
	if evalEpisodes <= 0 {
		evalEpisodes = 10
	}
	wrappers := append([]string{}, spec.Wrappers...)
	rc := RunConfig{Algo: spec.Algo, Env: spec.EnvID, Steps: steps, Seed: spec.Seed, Wrappers: wrappers,
		EvalEvery: evalEvery, EvalEpisodes: evalEpisodes, Config: cfg}
	dir, err := run.Create(spec.Out, rc)
	if err != nil {
		return nil, err
	}
	sink := newMetricsSink(dir.Path)
	defer sink.closeFiles()

	var firstEnv env.Env
	makeEnv := func() (env.Env, error) {
		e, err := newEnv(spec.EnvID, wrappers)
		if err == nil && firstEnv == nil {
			firstEnv = e
		}
		return e, err
	}
	if progress == nil {
		progress = io.Discard
	}
	bar := run.NewProgress(progress, int64(steps), spec.Algo+" "+spec.EnvID, run.ProgressAuto)
	done := 0
	opts := rl.TrainOptions{
		MakeEnv: makeEnv,
		Logger:  sink,
		Progress: func(n int, recent float64) {
			if n > done {
				if math.IsNaN(recent) {
					bar.Add(n - done)
				} else {
					bar.Add(n-done, run.F("return", recent))
				}
				done = n
			}
		},
		EvalEvery:    evalEvery,
		EvalEpisodes: evalEpisodes,
		Ctx:          ctx,
	}
	best, bestStep := math.Inf(-1), -1
	opts.OnEval = func(step int, mean float64, p rl.Policy) error {
		if !(mean > best) {
			return nil
		}
		if err := saveModel(dir.File(BestModelFile), spec, p, firstEnv); err != nil {
			return err
		}
		best, bestStep = mean, step
		return nil
	}
	if spec.Workers > 1 {
		opts.Workers = tensor.NewWorkers(spec.Workers)
		opts.Workers.SetProbe(ProbeLimit)
		defer opts.Workers.Close()
	}
	start := time.Now()
	pol, err := algo.Train(cfg, spec.Seed, opts)
	wall := time.Since(start).Seconds()
	bar.Finish()
	if err != nil {
		return nil, err
	}
	if err := sink.closeFiles(); err != nil {
		return nil, err
	}
	if err := saveModel(dir.File(ModelFile), spec, pol, firstEnv); err != nil {
		return nil, err
	}
	if done == 0 {
		done = steps
	}
	sum := &Summary{Algo: spec.Algo, Env: spec.EnvID, WallS: wall, Steps: done, Seed: spec.Seed,
		EvalMeanReturn: math.NaN(), EvalStdReturn: math.NaN(), BestEvalMeanReturn: math.NaN(), BestEvalStep: bestStep}
	if bestStep >= 0 {
		sum.BestEvalMeanReturn = best
	}
	if v, ok := sink.last["eval/mean_return"]; ok {
		sum.EvalMeanReturn = v
	}
	if v, ok := sink.last["eval/std_return"]; ok {
		sum.EvalStdReturn = v
	}
	if wall > 0 {
		sum.SPS = float64(done) / wall
	}
	_, _, sum.Probes, sum.SlowProbes = opts.Workers.Probe()
	if err := dir.WriteSummary(summaryJSON(sum)); err != nil {
		return nil, err
	}
	if len(sink.rows) > 0 {
		if err := plot.Curves(dir.Path, dir.File(CurvesFile)); err != nil {
			return sum, fmt.Errorf("rlrun: curves: %w", err)
		}
	}
	return sum, nil
}

// summaryJSON replaces non-finite values (no evaluation happened) by null.
func summaryJSON(s *Summary) map[string]any {
	f := func(v float64) any {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return v
	}
	return map[string]any{
		"algo": s.Algo, "env": s.Env, "eval_mean_return": f(s.EvalMeanReturn), "eval_std_return": f(s.EvalStdReturn),
		"wall_s": s.WallS, "steps": s.Steps, "sps": f(s.SPS), "seed": s.Seed,
		"best_eval_mean_return": f(s.BestEvalMeanReturn), "best_eval_step": s.BestEvalStep,
		"worker_probes": s.Probes, "worker_slow_probes": s.SlowProbes,
	}
}

const wrapPrefix = "wrap/"

func saveModel(path string, spec TrainSpec, pol rl.Policy, e env.Env) error {
	cp, ok := pol.(rl.Checkpointer)
	if !ok {
		return fmt.Errorf("rlrun: %s agent %T cannot be checkpointed", spec.Algo, pol)
	}
	var ts []run.Tensor
	for _, t := range cp.Tensors() {
		ts = append(ts, run.MatTensor(t.Name, t.Val))
	}
	if e != nil {
		st := wrap.SaveState(e)
		keys := make([]string, 0, len(st))
		for k := range st {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ts = append(ts, run.F64Tensor(wrapPrefix+k, st[k]))
		}
	}
	return run.SaveTensors(path, ts, map[string]string{"algo": spec.Algo, "env": spec.EnvID})
}

// Run is a trained run loaded from its directory.
type Run struct {
	Dir    string
	Config RunConfig // Config.Config is the typed algorithm config (a pointer)
	Algo   Algorithm
	Policy rl.Policy
	// wrapState holds the saved wrapper statistics.
	wrapState map[string][]float64
	obsDim    int
}

// Open loads a run directory written by Train: its config and its policy
// with the trained weights (ModelFile).
func Open(runDir string) (*Run, error) { return open(Lookup, runDir, ModelFile) }

// OpenBest is Open with the best evaluation's checkpoint (BestModelFile)
// instead of the final one.
func OpenBest(runDir string) (*Run, error) { return open(Lookup, runDir, BestModelFile) }

func open(lookup func(string) (Algorithm, error), runDir, model string) (*Run, error) {
	d, err := run.Open(runDir)
	if err != nil {
		return nil, err
	}
	var raw struct {
		RunConfig
		Config json.RawMessage `json:"config"`
	}
	if err := d.ReadConfig(&raw); err != nil {
		return nil, err
	}
	rc := raw.RunConfig
	algo, err := lookup(rc.Algo)
	if err != nil {
		return nil, err
	}
	cfg := algo.DefaultConfig(rc.Env)
	if err := json.Unmarshal(raw.Config, cfg); err != nil {
		return nil, fmt.Errorf("rlrun: %s: config: %w", runDir, err)
	}
	rc.Config = cfg
	e, err := newEnv(rc.Env, rc.Wrappers)
	if err != nil {
		return nil, err
	}
	pol, err := algo.New(cfg, e.ObservationSpace(), e.ActionSpace())
	if err != nil {
		return nil, err
	}
	ts, _, err := run.LoadTensors(d.File(model))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("rlrun: %s has no %s; the run did not finish", runDir, model)
		}
		return nil, err
	}
	r := &Run{Dir: runDir, Config: rc, Algo: algo, Policy: pol, wrapState: map[string][]float64{}, obsDim: e.ObservationSpace().Dim()}
	loaded, err := toNamed(ts, r.wrapState)
	if err != nil {
		return nil, err
	}
	if err := pol.(rl.Checkpointer).Load(loaded); err != nil {
		return nil, fmt.Errorf("rlrun: %s: %w", runDir, err)
	}
	return r, nil
}

// ObsDim returns the observation width the policy expects (that of the
// run's env with its wrappers).
func (r *Run) ObsDim() int { return r.obsDim }

// Load returns the trained policy of a run directory and its env id.
func Load(runDir string) (rl.Policy, string, error) {
	r, err := Open(runDir)
	if err != nil {
		return nil, "", err
	}
	return r.Policy, r.Config.Env, nil
}

// NewEnv builds the run's env with its wrappers, their saved statistics
// restored and frozen (observation normalisation stops updating).
func (r *Run) NewEnv() (env.Env, error) {
	e, err := newEnv(r.Config.Env, r.Config.Wrappers)
	if err != nil {
		return nil, err
	}
	if len(r.wrapState) > 0 {
		if err := wrap.LoadState(e, r.wrapState); err != nil {
			return nil, fmt.Errorf("rlrun: %s: wrapper statistics: %w", r.Dir, err)
		}
	}
	for x := e; ; {
		if n, ok := x.(*wrap.NormalizeObs); ok {
			n.Training = false
		}
		u, ok := x.(env.Unwrapper)
		if !ok {
			break
		}
		x = u.Unwrap()
	}
	return e, nil
}

// Evaluate runs episodes episodes of the run's policy in its env, acting
// deterministically (mode or mean) unless stochastic, with env resets drawn
// from seed. It returns the undiscounted return of each episode.
func (r *Run) Evaluate(episodes int, seed uint64, stochastic bool) ([]float64, error) {
	if episodes < 1 {
		return nil, errors.New("rlrun: evaluate needs at least 1 episode")
	}
	e, err := r.NewEnv()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	ad := &rl.PolicyAdapter{P: r.Policy, Deterministic: !stochastic}
	out := make([]float64, episodes)
	for i := range out {
		obs := e.Reset(rng)
		ad.Reset()
		for {
			st := e.Step(ad.Act(obs, rng))
			out[i] += st.Reward
			if st.Terminated || st.Truncated {
				break
			}
			obs = st.Obs
		}
	}
	return out, nil
}

// toNamed converts checkpoint tensors to the policy's named matrices,
// moving wrapper statistics (F64 tensors named "wrap/…") into wrapState.
func toNamed(ts []run.Tensor, wrapState map[string][]float64) ([]nn.NamedTensor, error) {
	out := make([]nn.NamedTensor, 0, len(ts))
	for _, t := range ts {
		if k, ok := strings.CutPrefix(t.Name, wrapPrefix); ok {
			wrapState[k] = t.F64
			continue
		}
		m, err := t.Mat()
		if err != nil {
			return nil, fmt.Errorf("rlrun: model: %w", err)
		}
		out = append(out, nn.NamedTensor{Name: t.Name, Val: m})
	}
	return out, nil
}
