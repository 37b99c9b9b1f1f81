package reinforce

import (
	"errors"
	"fmt"

	"github.com/vfe-go/vfe/tensor"
)

// Config holds REINFORCE's hyperparameters. Start from DefaultConfig or
// ZooConfig: zero values are not defaults.
type Config struct {
	// TotalTimesteps is the number of environment steps to train for,
	// summed over the parallel envs (≥ 1). Default 300,000.
	TotalTimesteps int `json:"total_timesteps"`
	// NumEnvs is N, the number of parallel environments (≥ 1). Default 8.
	NumEnvs int `json:"num_envs"`
	// BatchSteps is the minimum number of transitions per update (≥ 1):
	// after every step, the episodes that ended join the batch, and once it
	// holds BatchSteps transitions the policy takes one gradient step on
	// it. Every transition belongs to a complete episode (Monte Carlo
	// returns, no bootstrap at batch boundaries). Spinning Up's VPG
	// steps_per_epoch: 4000.
	BatchSteps int `json:"batch_steps"`
	// Gamma is the discount γ in [0, 1] of the reward-to-go
	// G_τ = Σ_{τ'≥τ} γ^{τ'−τ} r_τ'. Default 0.99.
	Gamma float64 `json:"gamma"`
	// Baseline selects the seed's Φ choice (3), Φ_τ = G_τ − b(s_τ) with a
	// learned b = V̂, instead of choice (2), Φ_τ = G_τ. Default true.
	Baseline bool `json:"baseline"`
	// LearningRate is the policy's Adam step size > 0 (Spinning Up's
	// pi_lr: 3e-4).
	LearningRate float64 `json:"learning_rate"`
	// ValueLR is the baseline's Adam step size > 0 (Spinning Up's vf_lr:
	// 1e-3). Ignored without Baseline.
	ValueLR float64 `json:"value_lr"`
	// ValueIters is the number of full-batch gradient steps on the squared
	// error (V̂(s_τ) − G_τ)² per update (≥ 1; Spinning Up's train_v_iters:
	// 80). Ignored without Baseline.
	ValueIters int `json:"value_iters"`
	// NormalizeAdvantage standardises Φ over the batch (a variance
	// reduction that keeps the gradient's direction in expectation up to a
	// positive scale). Default true.
	NormalizeAdvantage bool `json:"normalize_advantage"`
	// EntCoef is an entropy bonus weight β ≥ 0. Default 0.
	EntCoef float64 `json:"ent_coef"`
	// MaxGradNorm clips the policy gradient's global norm; 0 (default)
	// disables clipping.
	MaxGradNorm float64 `json:"max_grad_norm"`
	// Hidden are the hidden widths of the policy and baseline MLPs.
	// Default [64, 64].
	Hidden []int `json:"hidden"`
	// Activation is the hidden activation. Default tanh.
	Activation tensor.Act `json:"activation"`
	// LogStdInit is the initial state-independent log σ of the Gaussian
	// policy for Box actions. Default −0.5 (Spinning Up).
	LogStdInit float64 `json:"log_std_init"`
}

// DefaultConfig returns the defaults of Spinning Up's VPG (Achiam 2018:
// 64-64 tanh networks, γ = 0.99, policy and value learning rates 3e-4 and
// 1e-3, 80 value iterations, 4000 steps per update), with 8 parallel envs
// and Monte Carlo returns in place of VPG's GAE(λ = 0.97).
func DefaultConfig() Config {
	return Config{
		TotalTimesteps: 300_000, NumEnvs: 8, BatchSteps: 4000, Gamma: 0.99, Baseline: true,
		LearningRate: 3e-4, ValueLR: 1e-3, ValueIters: 80, NormalizeAdvantage: true,
		Hidden: []int{64, 64}, Activation: tensor.Tanh, LogStdInit: -0.5,
	}
}

// ZooConfig returns tuned settings for envID: rl-baselines3-zoo has no
// REINFORCE entry, so these are this package's own, found by hand and
// recorded in BENCHMARKS.md. CartPole-v1: 2000-step batches, policy step
// 3e-3, 5 value iterations. It returns false for other envs.
func ZooConfig(envID string) (Config, bool) {
	c := DefaultConfig()
	switch envID {
	case "CartPole-v1":
		c.BatchSteps, c.LearningRate, c.ValueIters = 2000, 3e-3, 5
	default:
		return Config{}, false
	}
	return c, true
}

// Validate returns an error naming the first invalid field.
func (c Config) Validate() error {
	switch {
	case c.TotalTimesteps < 1:
		return errors.New("reinforce: total_timesteps must be ≥ 1")
	case c.NumEnvs < 1:
		return errors.New("reinforce: num_envs must be ≥ 1")
	case c.BatchSteps < 1:
		return errors.New("reinforce: batch_steps must be ≥ 1")
	case !(c.Gamma >= 0 && c.Gamma <= 1):
		return errors.New("reinforce: gamma must be in [0, 1]")
	case !(c.LearningRate > 0):
		return errors.New("reinforce: learning_rate must be > 0")
	case c.Baseline && !(c.ValueLR > 0):
		return errors.New("reinforce: value_lr must be > 0")
	case c.Baseline && c.ValueIters < 1:
		return errors.New("reinforce: value_iters must be ≥ 1")
	case !(c.EntCoef >= 0):
		return errors.New("reinforce: ent_coef must be ≥ 0")
	case !(c.MaxGradNorm >= 0):
		return errors.New("reinforce: max_grad_norm must be ≥ 0 (0 disables clipping)")
	}
	for _, h := range c.Hidden {
		if h < 1 {
			return fmt.Errorf("reinforce: hidden width %d must be ≥ 1", h)
		}
	}
	return nil
}
