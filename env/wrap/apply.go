package wrap

import (
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/vfe-go/vfe/env"
)

// Saver is a wrapper with statistics that must be saved and restored with
// a model (NormalizeObs, NormalizeReward).
type Saver interface {
	State() map[string][]float64
	Load(map[string][]float64) error
}

// SaveState collects the statistics of every Saver in the wrapper chain of
// e into one map of named slices (keys such as "obs_mean"), ready for a
// checkpoint writer. It returns an empty map when there is none.
func SaveState(e env.Env) map[string][]float64 {
	out := map[string][]float64{}
	for {
		if s, ok := e.(Saver); ok {
			maps.Copy(out, s.State())
		}
		u, ok := e.(env.Unwrapper)
		if !ok {
			return out
		}
		e = u.Unwrap()
	}
}

// LoadState restores into every Saver in the wrapper chain of e the
// statistics that SaveState collected. It returns the first error.
func LoadState(e env.Env, m map[string][]float64) error {
	for {
		if s, ok := e.(Saver); ok {
			if err := s.Load(m); err != nil {
				return err
			}
		}
		u, ok := e.(env.Unwrapper)
		if !ok {
			return nil
		}
		e = u.Unwrap()
	}
}

// SpecHelp describes the wrapper specs that Apply accepts.
const SpecHelp = `mask=I,J,...      drop observation dimensions I, J, ... (0-based)
noise=S           add Gaussian noise with standard deviation S to every observation dimension
stack=K           stack the last K observations
normobs[=CLIP]    normalise observations with running statistics (clip default 10)
normreward[=G]    scale rewards by the running std of the γ-discounted return (γ default 0.99)
clipaction        clip Box actions to the env's bounds
rescaleaction     rescale Box actions from [-1, 1] to the env's bounds
timelimit=N       truncate episodes after N steps
stats             record episode return and length`

var specNames = []string{"mask=I,J", "noise=S", "stack=K", "normobs[=CLIP]", "normreward[=G]", "clipaction", "rescaleaction", "timelimit=N", "stats"}

// Apply wraps e with the wrappers described by specs, innermost first, e.g.
// []string{"mask=1,3", "noise=0.05", "stack=4"}. See SpecHelp. It returns
// an error naming the bad spec.
func Apply(e env.Env, specs []string) (env.Env, error) {
	for _, spec := range specs {
		var err error
		e, err = applyOne(e, strings.TrimSpace(spec))
		if err != nil {
			return nil, err
		}
	}
	return e, nil
}

func applyOne(e env.Env, spec string) (out env.Env, err error) {
	name, arg, hasArg := strings.Cut(spec, "=")
	defer func() {
		// Constructors panic on impossible combinations (a Discrete space
		// where a Box is needed, a dimension out of range); report them as
		// errors since they come from user input here.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("wrap: %q: %v", spec, r)
		}
	}()
	need := func() error {
		if !hasArg || arg == "" {
			return fmt.Errorf("wrap: %q needs a value, e.g. %s=...", spec, name)
		}
		return nil
	}
	switch name {
	case "mask":
		if err := need(); err != nil {
			return nil, err
		}
		var dims []int
		for _, f := range strings.Split(arg, ",") {
			d, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				return nil, fmt.Errorf("wrap: %q: %q is not a dimension index", spec, f)
			}
			dims = append(dims, d)
		}
		return NewMask(e, dims), nil
	case "noise":
		if err := need(); err != nil {
			return nil, err
		}
		s, err := strconv.ParseFloat(arg, 64)
		if err != nil || !(s >= 0) {
			return nil, fmt.Errorf("wrap: %q: the noise standard deviation must be a number ≥ 0", spec)
		}
		return NewNoise(e, s), nil
	case "stack":
		if err := need(); err != nil {
			return nil, err
		}
		k, err := strconv.Atoi(arg)
		if err != nil || k < 1 {
			return nil, fmt.Errorf("wrap: %q: the stack size must be an integer ≥ 1", spec)
		}
		return NewStack(e, k), nil
	case "normobs":
		var cfg NormConfig
		if hasArg {
			c, err := strconv.ParseFloat(arg, 64)
			if err != nil || !(c > 0) {
				return nil, fmt.Errorf("wrap: %q: the clip must be a number > 0", spec)
			}
			cfg.Clip = c
		}
		return NewNormalizeObs(e, cfg), nil
	case "normreward":
		var cfg NormConfig
		if hasArg {
			g, err := strconv.ParseFloat(arg, 64)
			if err != nil || !(g > 0 && g <= 1) {
				return nil, fmt.Errorf("wrap: %q: γ must be in (0, 1]", spec)
			}
			cfg.Gamma = g
		}
		return NewNormalizeReward(e, cfg), nil
	case "clipaction":
		return NewClipAction(e), nil
	case "rescaleaction":
		return NewRescaleAction(e, -1, 1), nil
	case "timelimit":
		if err := need(); err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(arg)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("wrap: %q: the time limit must be an integer ≥ 1", spec)
		}
		return NewTimeLimit(e, n), nil
	case "stats":
		return NewEpisodeStats(e), nil
	}
	return nil, fmt.Errorf("wrap: unknown wrapper %q; valid: %s", spec, strings.Join(specNames, ", "))
}
