package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/classic"
	"github.com/vfe-go/vfe/env/render"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/run/rlrun"
)

func newEnvCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "env",
		Short: "List, script, render and benchmark the environments",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newEnvListCmd(), newEnvRolloutCmd(), newEnvRenderCmd(), newEnvBenchCmd())
	return cmd
}

// envFlags are the flags that choose and wrap an environment.
type envFlags struct {
	ID    string
	Mask  string
	Wraps []string
}

func (f *envFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.ID, "env", "", "Gymnasium id, e.g. CartPole-v1 (see vfe env list)")
	cmd.Flags().StringVar(&f.Mask, "mask", "", "drop observation dimensions, e.g. 1,3 (CartPole without velocities)")
	cmd.Flags().StringArrayVar(&f.Wraps, "wrap", nil, "wrapper spec, repeatable, innermost first: mask=I,J noise=S stack=K normobs[=CLIP] normreward[=G] clipaction rescaleaction timelimit=N stats")
}

// make builds the env: the registered task with its time limit, then
// --mask, then the --wrap specs.
func (f *envFlags) make() (env.Env, classic.Spec, error) {
	if f.ID == "" {
		return nil, classic.Spec{}, usagef("--env is required; one of: %s", strings.Join(classic.IDs(), ", "))
	}
	spec, err := classic.Lookup(f.ID)
	if err != nil {
		return nil, spec, usageError{err}
	}
	var specs []string
	if f.Mask != "" {
		specs = append(specs, "mask="+f.Mask)
	}
	specs = append(specs, f.Wraps...)
	e, err := classic.Make(f.ID, classic.WithWrappers(specs...))
	if err != nil {
		return nil, spec, usageError{err}
	}
	return e, spec, nil
}

func newEnvListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the environment ids with their spaces and time limits",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tOBSERVATION\tACTION\tMAX STEPS\tREWARD THRESHOLD")
			for _, s := range classic.Specs() {
				e := s.New()
				thr := "-"
				if s.RewardThreshold != 0 {
					thr = strconv.FormatFloat(s.RewardThreshold, 'g', -1, 64)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", s.ID, e.ObservationSpace(), e.ActionSpace(), s.MaxEpisodeSteps, thr)
			}
			return tw.Flush()
		},
	}
}

// rolloutConfig is the configuration of vfe env rollout.
type rolloutConfig struct {
	Env        envFlags
	State      string // JSON array; empty: reset with Seed
	Seed       uint64
	Actions    string // FILE, "-" (stdin), an inline JSON array, or "random"
	Steps      int    // 0: all actions (file) or until the episode ends (random)
	PrintState bool
}

func newEnvRolloutCmd() *cobra.Command {
	var cfg rolloutConfig
	cmd := &cobra.Command{
		Use:   "rollout",
		Short: "Apply actions to an environment and print one JSON line per step",
		Long: `Resets the environment with --seed (or sets its internal state from --state, a JSON
array in the layout of the task's Stateful docs), applies the actions and prints one line per step:
{"obs":[...],"reward":r,"terminated":b,"truncated":b}. Observations are printed with the fewest
digits that round-trip float32. The rollout stops when the episode ends.

--actions is a file holding a JSON array with one action per step (an integer for Discrete
spaces, an array of numbers for Box spaces), "-" for standard input, the JSON array itself,
or "random" for actions sampled with the seed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRollout(cmd.Context(), cfg, cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
	cfg.Env.register(cmd)
	cmd.Flags().StringVar(&cfg.State, "state", "", "internal state as a JSON array, e.g. '[0,0,0.1,0]'")
	cmd.Flags().Uint64Var(&cfg.Seed, "seed", 0, "seed of the reset and of random actions")
	cmd.Flags().StringVar(&cfg.Actions, "actions", "", "FILE, -, an inline JSON array, or random (required)")
	cmd.Flags().IntVar(&cfg.Steps, "steps", 0, "maximum number of steps (0: all given actions, or one episode)")
	cmd.Flags().BoolVar(&cfg.PrintState, "print-state", false, `add the internal state after each step as "state":[...]`)
	return cmd
}

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// parseState reads a JSON array of finite numbers.
func parseState(s string) ([]float64, error) {
	var v []float64
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, usagef("--state %q is not a JSON array of numbers", s)
	}
	return v, nil
}

// parseActions decodes a JSON array of actions for space.
func parseActions(data []byte, space env.Space) ([][]float32, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, usagef("actions are not a JSON array: %v", err)
	}
	out := make([][]float32, len(raw))
	for i, r := range raw {
		a, err := parseAction(r, space)
		if err != nil {
			return nil, usagef("action %d (%s): %v", i, strings.TrimSpace(string(r)), err)
		}
		out[i] = a
	}
	return out, nil
}

func parseAction(r json.RawMessage, space env.Space) ([]float32, error) {
	var nums []float64
	var one float64
	if err := json.Unmarshal(r, &one); err == nil {
		nums = []float64{one}
	} else if err := json.Unmarshal(r, &nums); err != nil {
		return nil, errors.New("not a number or an array of numbers")
	}
	a := make([]float32, len(nums))
	for i, x := range nums {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, errors.New("not finite")
		}
		a[i] = float32(x)
	}
	switch sp := space.(type) {
	case env.Discrete:
		if !sp.Contains(a) {
			return nil, fmt.Errorf("not in %s (want an integer 0..%d)", sp, sp.N-1)
		}
	default:
		// Box actions outside the bounds are passed on: the tasks clip them
		// as Gymnasium does.
		if len(a) != space.Dim() {
			return nil, fmt.Errorf("has %d values, %s needs %d", len(a), space, space.Dim())
		}
	}
	return a, nil
}

func readActions(spec string, stdin io.Reader) ([]byte, error) {
	switch {
	case spec == "-":
		return io.ReadAll(stdin)
	case strings.HasPrefix(strings.TrimSpace(spec), "["):
		return []byte(spec), nil
	}
	b, err := os.ReadFile(spec)
	if err != nil {
		return nil, fmt.Errorf("read actions: %w", err)
	}
	return b, nil
}

// appendFloats writes a JSON array of float32 values with the fewest
// digits that round-trip.
func appendFloats32(b []byte, xs []float32) []byte {
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, float64(x), 'g', -1, 32)
	}
	return append(b, ']')
}

func appendFloats64(b []byte, xs []float64) []byte {
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, x, 'g', -1, 64)
	}
	return append(b, ']')
}

func runRollout(ctx context.Context, cfg rolloutConfig, stdin io.Reader, stdout io.Writer) error {
	e, _, err := cfg.Env.make()
	if err != nil {
		return err
	}
	if cfg.Actions == "" {
		return usagef("--actions is required: FILE, -, a JSON array, or random")
	}
	if cfg.Steps < 0 {
		return usagef("--steps %d must be ≥ 0", cfg.Steps)
	}
	space := e.ActionSpace()
	var actions [][]float32
	random := cfg.Actions == "random"
	if !random {
		data, err := readActions(cfg.Actions, stdin)
		if err != nil {
			return err
		}
		if actions, err = parseActions(data, space); err != nil {
			return err
		}
	}
	rng := newRNG(cfg.Seed)
	e.Reset(rng)
	st, _ := env.AsStateful(e)
	if cfg.State != "" {
		s, err := parseState(cfg.State)
		if err != nil {
			return err
		}
		if st == nil {
			return usagef("%s does not expose its state", cfg.Env.ID)
		}
		if err := st.SetState(s); err != nil {
			return usageError{err}
		}
	}
	n := len(actions)
	if random {
		n = math.MaxInt
	}
	if cfg.Steps > 0 {
		n = min(n, cfg.Steps)
	}
	w := bufio.NewWriter(stdout)
	var line []byte
	var act []float32
	for i := 0; i < n; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if random {
			act = space.Sample(act, rng)
		} else {
			act = actions[i]
		}
		step := e.Step(act)
		for _, x := range step.Obs {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("env rollout: step %d gave a non-finite observation %v", i, step.Obs)
			}
		}
		line = append(line[:0], `{"obs":`...)
		line = appendFloats32(line, step.Obs)
		line = append(line, `,"reward":`...)
		line = strconv.AppendFloat(line, step.Reward, 'g', -1, 64)
		line = append(line, `,"terminated":`...)
		line = strconv.AppendBool(line, step.Terminated)
		line = append(line, `,"truncated":`...)
		line = strconv.AppendBool(line, step.Truncated)
		if cfg.PrintState && st != nil {
			line = append(line, `,"state":`...)
			line = appendFloats64(line, st.State())
		}
		line = append(line, "}\n"...)
		if _, err := w.Write(line); err != nil {
			return err
		}
		if step.Terminated || step.Truncated {
			break
		}
	}
	return w.Flush()
}

// renderConfig is the configuration of vfe env render.
type renderConfig struct {
	Env    envFlags
	Seed   uint64
	Policy string // "random" or a run directory
	Out    string
	Steps  int // 0: one episode up to the time limit
	Every  int // keep every k-th frame
}

func newEnvRenderCmd() *cobra.Command {
	var cfg renderConfig
	cmd := &cobra.Command{
		Use:   "render",
		Short: "Render one episode as an animated GIF",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, err := runRender(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d frames)\n", cfg.Out, n)
			return nil
		},
	}
	cfg.Env.register(cmd)
	cmd.Flags().Uint64Var(&cfg.Seed, "seed", 0, "seed of the reset and of the policy")
	cmd.Flags().StringVar(&cfg.Policy, "policy", "random", "random, or the run directory of a trained policy")
	cmd.Flags().StringVar(&cfg.Out, "out", "episode.gif", "output GIF file")
	cmd.Flags().IntVar(&cfg.Steps, "steps", 0, "maximum number of steps (0: one episode)")
	cmd.Flags().IntVar(&cfg.Every, "every", 1, "keep every k-th frame")
	return cmd
}

// loadPolicy returns the policy named by --policy: "random" samples the
// action space; a run directory is loaded by the learner that wrote it.
func loadPolicy(name string, e env.Env) (env.Policy, error) {
	if name == "random" {
		return &env.RandomPolicy{Space: e.ActionSpace()}, nil
	}
	fi, err := os.Stat(name)
	if err != nil || !fi.IsDir() {
		return nil, usagef("--policy %q is neither random nor a run directory", name)
	}
	r, err := rlrun.Open(name)
	if err != nil {
		return nil, err
	}
	if d := e.ObservationSpace().Dim(); d != r.ObsDim() {
		return nil, usagef("--policy %s was trained on %s with %d observation values, this env has %d", name, r.Config.Env, r.ObsDim(), d)
	}
	return &rl.PolicyAdapter{P: r.Policy, Deterministic: true}, nil
}

func runRender(ctx context.Context, cfg renderConfig) (int, error) {
	e, spec, err := cfg.Env.make()
	if err != nil {
		return 0, err
	}
	if cfg.Every < 1 || cfg.Steps < 0 {
		return 0, usagef("--every must be ≥ 1 and --steps ≥ 0")
	}
	r, ok := env.AsRenderer(e)
	if !ok {
		return 0, usagef("%s cannot render", cfg.Env.ID)
	}
	pol, err := loadPolicy(cfg.Policy, e)
	if err != nil {
		return 0, err
	}
	rng := newRNG(cfg.Seed)
	obs := e.Reset(rng)
	frames := []*image.RGBA{r.Render(nil)}
	for i := 0; cfg.Steps == 0 || i < cfg.Steps; i++ {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		st := e.Step(pol.Act(obs, rng))
		obs = st.Obs
		if (i+1)%cfg.Every == 0 || st.Terminated || st.Truncated {
			frames = append(frames, r.Render(nil))
		}
		if st.Terminated || st.Truncated {
			break
		}
	}
	delay := max(1, int(math.Round(100*float64(cfg.Every)/float64(max(spec.RenderFPS, 1)))))
	var buf bytes.Buffer
	if err := render.EncodeGIF(&buf, frames, delay); err != nil {
		return 0, err
	}
	if err := render.WriteFileAtomic(cfg.Out, buf.Bytes()); err != nil {
		return 0, err
	}
	return len(frames), nil
}

// benchConfig is the configuration of vfe env bench.
type benchConfig struct {
	Env     envFlags
	Steps   int
	NumEnvs int // 0: 1, 2, 4, ..., 64
	Seed    uint64
}

func newEnvBenchCmd() *cobra.Command {
	var cfg benchConfig
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure environment steps per second, single and vectorised",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBench(cmd.Context(), cfg, cmd.OutOrStdout())
		},
	}
	cfg.Env.register(cmd)
	cmd.Flags().IntVar(&cfg.Steps, "steps", 1000000, "environment steps to time in each measurement")
	cmd.Flags().IntVar(&cfg.NumEnvs, "num-envs", 0, "copies for the vectorised measurement (0: 1, 2, 4, ..., 64)")
	cmd.Flags().Uint64Var(&cfg.Seed, "seed", 0, "seed of resets and random actions")
	return cmd
}

func runBench(ctx context.Context, cfg benchConfig, stdout io.Writer) error {
	if cfg.Steps < 1 || cfg.NumEnvs < 0 {
		return usagef("--steps must be ≥ 1 and --num-envs ≥ 0")
	}
	e, _, err := cfg.Env.make()
	if err != nil {
		return err
	}
	rng := newRNG(cfg.Seed)
	space := e.ActionSpace()
	act := space.Sample(nil, rng)
	e.Reset(rng)
	start := time.Now()
	for i := 0; i < cfg.Steps; i++ {
		if i%65536 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		act = space.Sample(act, rng)
		if st := e.Step(act); st.Terminated || st.Truncated {
			e.Reset(rng)
		}
	}
	sps := float64(cfg.Steps) / time.Since(start).Seconds()
	fmt.Fprintf(stdout, "%s single: %.4g steps/s (GOMAXPROCS %d)\n", cfg.Env.ID, sps, runtime.GOMAXPROCS(0))
	ns := []int{1, 2, 4, 8, 16, 32, 64}
	if cfg.NumEnvs > 0 {
		ns = []int{cfg.NumEnvs}
	}
	for _, n := range ns {
		envs := make([]env.Env, n)
		for i := range envs {
			if envs[i], _, err = cfg.Env.make(); err != nil {
				return err
			}
		}
		// Hand a worker goroutine at least ~10 µs of stepping per call, as
		// measured above, so that waking it pays off.
		per := max(1, int(math.Ceil(10e-6*sps)))
		v := env.NewVecEnv(envs, env.VecConfig{MinPerWorker: per})
		v.Reset(rng)
		acts := make([]float32, n*v.ActDim())
		calls := max(1, cfg.Steps/n)
		start := time.Now()
		for c := 0; c < calls; c++ {
			if c%4096 == 0 && ctx.Err() != nil {
				v.Close()
				return ctx.Err()
			}
			for k := 0; k < n; k++ {
				act = space.Sample(act, rng)
				copy(acts[k*v.ActDim():], act)
			}
			v.Step(acts)
		}
		vsps := float64(calls*n) / time.Since(start).Seconds()
		fmt.Fprintf(stdout, "%s vec N=%d workers=%d: %.4g steps/s\n", cfg.Env.ID, n, v.Workers(), vsps)
		v.Close()
	}
	return nil
}
