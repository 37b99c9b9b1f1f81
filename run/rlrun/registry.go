package rlrun

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vfe-go/vfe/agent"
	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/rl/ddpg"
	"github.com/vfe-go/vfe/rl/dqn"
	"github.com/vfe-go/vfe/rl/ppo"
	"github.com/vfe-go/vfe/rl/reinforce"
	"github.com/vfe-go/vfe/rl/sac"
	"github.com/vfe-go/vfe/rl/svg0"
)

// Agent is what every algorithm's Train and NewAgent return: a policy that
// can be checkpointed.
type Agent interface {
	rl.Policy
	rl.Checkpointer
}

// Validator is implemented by every algorithm Config.
type Validator interface {
	Validate() error
}

// Algorithm binds one algorithm package (rl/<algo>) to the driver. Configs
// travel as pointers to the package's typed Config (for example *ppo.Config).
type Algorithm interface {
	// Name is the --algo name, e.g. "ppo".
	Name() string
	// DefaultConfig returns a pointer to a fresh typed Config: the
	// rl-baselines3-zoo hyperparameters for envID when the package has
	// them, else the package defaults.
	DefaultConfig(envID string) any
	// Validate checks a config returned by DefaultConfig (and edited).
	Validate(cfg any) error
	// Train trains with cfg (a pointer from DefaultConfig) and seed.
	Train(cfg any, seed uint64, opts rl.TrainOptions) (rl.Policy, error)
	// New builds an untrained agent for cfg and the given spaces, ready to
	// Load a checkpoint.
	New(cfg any, obs, act env.Space) (rl.Policy, error)
}

// table returns every algorithm the driver knows, one line each:
// Make(name, DefaultConfig, ZooConfig, Train, NewAgent). It is a function
// over a literal, not a mutable registry.
func table() []Algorithm {
	return []Algorithm{
		Make("agent", agent.DefaultConfig, agent.EnvConfig, agent.Train, agent.NewAgent),
		Make("ppo", ppo.DefaultConfig, ppo.ZooConfig, ppo.Train, ppo.NewAgent),
		Make("reinforce", reinforce.DefaultConfig, reinforce.ZooConfig, reinforce.Train, reinforce.NewAgent),
		Make("dqn", dqn.DefaultConfig, dqn.ZooConfig, dqn.Train, dqn.NewAgent),
		Make("ddpg", ddpg.DefaultConfig, ddpg.ZooConfig, ddpg.Train, ddpg.NewAgent),
		Make("td3", ddpg.DefaultTD3Config, ddpg.ZooTD3Config, ddpg.Train, ddpg.NewAgent),
		Make("svg0", svg0.DefaultConfig, svg0.ZooConfig, svg0.Train, svg0.NewAgent),
		Make("sac", sac.DefaultConfig, sac.ZooConfig, sac.Train, sac.NewAgent),
	}
}

// Algorithms lists the --algo names Lookup knows, sorted.
func Algorithms() []string {
	var names []string
	for _, a := range table() {
		names = append(names, a.Name())
	}
	sort.Strings(names)
	return names
}

// Lookup returns the algorithm called name (see Algorithms).
func Lookup(name string) (Algorithm, error) {
	for _, a := range table() {
		if a.Name() == name {
			return a, nil
		}
	}
	return nil, fmt.Errorf("rlrun: unknown algorithm %q; valid: %s", name, strings.Join(Algorithms(), ", "))
}

// Make adapts an algorithm package with the standard functions to an
// Algorithm: def gives the defaults, zoo (may be nil) the per-env tuned
// configs, train and newAgent the package's Train and NewAgent.
func Make[C Validator, A Agent](name string, def func() C, zoo func(envID string) (C, bool),
	train func(C, uint64, rl.TrainOptions) (A, error), newAgent func(C, env.Space, env.Space) (A, error)) Algorithm {
	return &typed[C, A]{name: name, def: def, zoo: zoo, train: train, newAgent: newAgent}
}

type typed[C Validator, A Agent] struct {
	name     string
	def      func() C
	zoo      func(string) (C, bool)
	train    func(C, uint64, rl.TrainOptions) (A, error)
	newAgent func(C, env.Space, env.Space) (A, error)
}

func (t *typed[C, A]) Name() string { return t.name }

func (t *typed[C, A]) DefaultConfig(envID string) any {
	if t.zoo != nil {
		if c, ok := t.zoo(envID); ok {
			return &c
		}
	}
	c := t.def()
	return &c
}

func (t *typed[C, A]) cfg(cfg any) C {
	c, ok := cfg.(*C)
	if !ok || c == nil {
		panic(fmt.Sprintf("rlrun: %s got config %T, want %T", t.name, cfg, (*C)(nil)))
	}
	return *c
}

func (t *typed[C, A]) Validate(cfg any) error { return t.cfg(cfg).Validate() }

func (t *typed[C, A]) Train(cfg any, seed uint64, opts rl.TrainOptions) (rl.Policy, error) {
	a, err := t.train(t.cfg(cfg), seed, opts)
	if err != nil {
		return nil, err
	}
	return a, nil
}

func (t *typed[C, A]) New(cfg any, obs, act env.Space) (rl.Policy, error) {
	a, err := t.newAgent(t.cfg(cfg), obs, act)
	if err != nil {
		return nil, err
	}
	return a, nil
}
