package classic

import (
	"fmt"
	"strings"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/wrap"
)

// Spec describes a registered task.
type Spec struct {
	// ID is the Gymnasium id, e.g. "CartPole-v1".
	ID string
	// MaxEpisodeSteps is the time limit Make applies, as in Gymnasium's
	// registration.
	MaxEpisodeSteps int
	// RewardThreshold is Gymnasium's "solved" return; 0 means none is
	// registered (Pendulum-v1).
	RewardThreshold float64
	// RenderFPS is the frame rate of Gymnasium's renderer for the task
	// (its metadata "render_fps").
	RenderFPS int
	// New returns a fresh, unwrapped instance.
	New func() env.Env
}

// specs is the fixed registry, in Gymnasium's order.
var specs = []Spec{
	{ID: "CartPole-v1", MaxEpisodeSteps: 500, RewardThreshold: 475, RenderFPS: 50, New: func() env.Env { return NewCartPole() }},
	{ID: "MountainCar-v0", MaxEpisodeSteps: 200, RewardThreshold: -110, RenderFPS: 30, New: func() env.Env { return NewMountainCar() }},
	{ID: "MountainCarContinuous-v0", MaxEpisodeSteps: 999, RewardThreshold: 90, RenderFPS: 30, New: func() env.Env { return NewMountainCarContinuous() }},
	{ID: "Pendulum-v1", MaxEpisodeSteps: 200, RenderFPS: 30, New: func() env.Env { return NewPendulum() }},
	{ID: "Acrobot-v1", MaxEpisodeSteps: 500, RewardThreshold: -100, RenderFPS: 15, New: func() env.Env { return NewAcrobot() }},
}

// Specs returns the registered tasks in a fixed order.
func Specs() []Spec { return append([]Spec(nil), specs...) }

// IDs returns the registered ids in the order of Specs.
func IDs() []string {
	ids := make([]string, len(specs))
	for i, s := range specs {
		ids[i] = s.ID
	}
	return ids
}

// Lookup returns the Spec registered under id.
func Lookup(id string) (Spec, error) {
	for _, s := range specs {
		if s.ID == id {
			return s, nil
		}
	}
	return Spec{}, fmt.Errorf("classic: unknown env id %q; valid ids: %s", id, strings.Join(IDs(), ", "))
}

// Option changes what Make builds.
type Option func(*makeConfig)

type makeConfig struct {
	maxSteps  int  // 0: the registered limit
	noLimit   bool // no TimeLimit at all
	wrappers  []string
	pendulumG float64
}

// WithMaxEpisodeSteps replaces the registered time limit by n steps
// (n ≥ 1).
func WithMaxEpisodeSteps(n int) Option { return func(c *makeConfig) { c.maxSteps = n } }

// WithoutTimeLimit returns the task without a TimeLimit wrapper.
func WithoutTimeLimit() Option { return func(c *makeConfig) { c.noLimit = true } }

// WithWrappers applies wrap.Apply specs outside the time limit, innermost
// first (e.g. "mask=1,3").
func WithWrappers(specs ...string) Option {
	return func(c *makeConfig) { c.wrappers = append(c.wrappers, specs...) }
}

// WithPendulumGravity sets Pendulum-v1's g (Gymnasium's make kwarg g); it
// is ignored by the other tasks. Zero means the default 10.
func WithPendulumGravity(g float64) Option { return func(c *makeConfig) { c.pendulumG = g } }

// Make returns the task registered under a Gymnasium id, wrapped in the
// registered time limit like gymnasium.make: CartPole-v1 500 steps,
// MountainCar-v0 200, MountainCarContinuous-v0 999, Pendulum-v1 200,
// Acrobot-v1 500. It returns an error listing the valid ids for an unknown
// id, and an error for bad options or wrapper specs.
//
// Make lives in env/classic rather than env because env cannot import the
// tasks (env/classic imports env).
func Make(id string, opts ...Option) (env.Env, error) {
	s, err := Lookup(id)
	if err != nil {
		return nil, err
	}
	var c makeConfig
	for _, o := range opts {
		o(&c)
	}
	e := s.New()
	if c.pendulumG != 0 {
		if p, ok := e.(*Pendulum); ok {
			p.G = c.pendulumG
		}
	}
	if !c.noLimit {
		n := s.MaxEpisodeSteps
		if c.maxSteps != 0 {
			if c.maxSteps < 0 {
				return nil, fmt.Errorf("classic: max episode steps %d must be ≥ 1", c.maxSteps)
			}
			n = c.maxSteps
		}
		e = wrap.NewTimeLimit(e, n)
	}
	return wrap.Apply(e, c.wrappers)
}
