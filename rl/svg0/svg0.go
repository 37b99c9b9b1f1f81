package svg0

import (
	"fmt"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/rl/sac"
	"github.com/vfe-go/vfe/tensor"
)

// Config holds SVG(0)'s hyperparameters. The zero value is not usable:
// start from DefaultConfig or ZooConfig. Actions are handled in the
// policy's range [−1, 1]^D and mapped affinely onto the env's bounded Box.
type Config struct {
	// TotalTimesteps is the training budget in environment steps (> 0; default 30 000).
	TotalTimesteps int `json:"total_timesteps"`
	// NumEnvs is the number N of parallel environments (≥ 1; default 1).
	NumEnvs int `json:"num_envs"`
	// Hidden lists the hidden widths of the actor and of the critic Q̂
	// (default [256, 256]; empty means linear networks).
	Hidden []int `json:"hidden"`
	// Activation is the hidden non-linearity (default relu).
	Activation tensor.Act `json:"activation"`
	// LearningRate is Adam's step size η for actor and critic (> 0; default 1e-3).
	LearningRate float64 `json:"learning_rate"`
	// BufferSize is the replay capacity in transitions (≥ NumEnvs; default 1 000 000).
	BufferSize int `json:"buffer_size"`
	// LearningStarts is the number of environment steps with uniformly
	// random actions before the first update (≥ 0; default 100).
	LearningStarts int `json:"learning_starts"`
	// BatchSize is the minibatch size B (≥ 1; default 256).
	BatchSize int `json:"batch_size"`
	// Gamma is the discount γ ∈ [0, 1] (default 0.99).
	Gamma float64 `json:"gamma"`
	// Tau is the Polyak coefficient τ ∈ (0, 1] of the target critic Q̂'
	// that evaluates Q̂(s', a') in the SARSA-like target (default 0.005; 1
	// evaluates the target with the current critic).
	Tau float64 `json:"tau"`
	// TrainFreq is the period, in vector steps, of training phases (≥ 1; default 1).
	TrainFreq int `json:"train_freq"`
	// GradientSteps is the number of updates per training phase (≥ 1; default 1).
	GradientSteps int `json:"gradient_steps"`
	// Critics is the number K of critics whose minimum is used in the
	// target and the actor loss (1 or 2; default 1, the seed's single Q̂).
	Critics int `json:"critics"`
	// LogStdMin and LogStdMax bound the policy's log σ (default −20 and 2;
	// need LogStdMin ≤ LogStdMax).
	LogStdMin float32 `json:"log_std_min"`
	LogStdMax float32 `json:"log_std_max"`
	// LogStdTanh bounds log σ smoothly with tanh instead of clipping it
	// (default false).
	LogStdTanh bool `json:"log_std_tanh"`
}

// DefaultConfig returns SVG(0) with the off-policy settings that
// Stable-Baselines3 uses for SAC (buffer 1e6, learning_starts 100, batch
// 256, τ 0.005, γ 0.99, train_freq 1, gradient_steps 1, net_arch [256,
// 256] with ReLU, log σ clipped to [−20, 2]), the rl-baselines3-zoo
// Pendulum-v1 SAC learning rate 1e-3, one critic and a 30 000-step budget.
// SVG(0) has no published tuned hyperparameters for these tasks; SAC's are
// the closest (SAC is SVG(0) plus an entropy term).
func DefaultConfig() Config {
	return Config{
		TotalTimesteps: 30_000, NumEnvs: 1, Hidden: []int{256, 256}, Activation: tensor.ReLU,
		LearningRate: 1e-3, BufferSize: 1_000_000, LearningStarts: 100, BatchSize: 256, Gamma: 0.99,
		Tau: 0.005, TrainFreq: 1, GradientSteps: 1, Critics: 1, LogStdMin: -20, LogStdMax: 2,
	}
}

// ZooConfig returns hyperparameters for envID and false when there are
// none. rl-baselines3-zoo has no SVG(0) entries; for Pendulum-v1 this is
// DefaultConfig, whose values are the zoo's SAC Pendulum-v1 entry.
func ZooConfig(envID string) (Config, bool) {
	if envID != "Pendulum-v1" {
		return Config{}, false
	}
	return DefaultConfig(), true
}

// Validate returns an error naming the first invalid field.
func (c Config) Validate() error {
	if err := c.sac().Validate(); err != nil {
		return fmt.Errorf("svg0: %w", err)
	}
	return nil
}

// sac returns the soft actor-critic configuration that is SVG(0): the
// twin-Q form with a fixed temperature α = 0.
func (c Config) sac() sac.Config {
	return sac.Config{
		TotalTimesteps: c.TotalTimesteps, NumEnvs: c.NumEnvs, Hidden: c.Hidden, Activation: c.Activation,
		LearningRate: c.LearningRate, BufferSize: c.BufferSize, LearningStarts: c.LearningStarts,
		BatchSize: c.BatchSize, Gamma: c.Gamma, Tau: c.Tau, TrainFreq: c.TrainFreq,
		GradientSteps: c.GradientSteps, TargetUpdateInterval: 1, Critics: c.Critics,
		Alpha: 0, AutoAlpha: false, LogStdMin: c.LogStdMin, LogStdMax: c.LogStdMax, LogStdTanh: c.LogStdTanh,
	}
}

// Agent is a trained squashed Gaussian policy a = tanh(μ_φ(s) + σ_φ(s)ε)
// mapped onto the env's action box. It implements rl.Policy (tanh(μ) when
// deterministic, a sample otherwise) and rl.Checkpointer (tensors
// "actor.0.weight", …, laid out as sac.Agent's).
type Agent struct {
	*sac.Agent
}

// NewAgent returns an agent with the actor of cfg for the given spaces,
// initialised from a fixed seed (load a checkpoint into it). It returns an
// error if cfg is invalid, observations are not a Box or actions are not a
// bounded Box.
func NewAgent(cfg Config, obsSpace, actSpace env.Space) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a, err := sac.NewAgent(cfg.sac(), obsSpace, actSpace)
	if err != nil {
		return nil, fmt.Errorf("svg0: %w", err)
	}
	return &Agent{a}, nil
}

var (
	_ rl.Policy       = (*Agent)(nil)
	_ rl.Checkpointer = (*Agent)(nil)
)

// Train runs SVG(0) (Heess et al. 2015) with seed and returns the trained
// agent:
//
//  1. build N environments, the squashed Gaussian actor, Critics critics
//     with Polyak targets, Adam optimisers and a replay buffer;
//  2. every vector step: uniform actions before LearningStarts, then
//     a ~ π_φ(·|s); store the transition with the true final observation;
//  3. every TrainFreq vector steps after LearningStarts, GradientSteps
//     updates: the critic toward the SARSA-like target
//     r + γ(1 − terminated)·Q̂'(s', a'), a' ~ π_φ(·|s'), then the actor
//     along ∇_φ E_ε[Q̂(s, f_φ(s, ε))], then the targets.
//
// This is exactly soft actor-critic's twin-Q form with the temperature
// fixed at α = 0 (the seed: "SAC extends SVG(0) to include an entropy
// term"), so it runs sac's training loop with that configuration and logs
// sac's metrics (losses/alpha is 0; losses/entropy reports −E[log π]).
func Train(cfg Config, seed uint64, opts rl.TrainOptions) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a, err := sac.Train(cfg.sac(), seed, opts)
	if a == nil {
		return nil, err
	}
	return &Agent{a}, err
}
