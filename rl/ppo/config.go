package ppo

import (
	"errors"
	"fmt"

	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/tensor"
)

// Config holds PPO's hyperparameters. JSON names follow Stable-Baselines3
// where it has the parameter, so rl-baselines3-zoo entries map one to one.
// Start from DefaultConfig or ZooConfig: zero values are not defaults.
type Config struct {
	// TotalTimesteps is the number of environment steps to train for,
	// summed over the parallel envs (≥ 1). Training runs whole rollouts, so
	// it stops at the first multiple of NumSteps·NumEnvs ≥ TotalTimesteps.
	// Default 1,000,000.
	TotalTimesteps int `json:"total_timesteps"`
	// NumEnvs is N, the number of parallel environments (≥ 1). Default 1.
	NumEnvs int `json:"num_envs"`
	// NumSteps is T, the rollout length per env between updates (≥ 1);
	// SB3's n_steps. Default 2048.
	NumSteps int `json:"n_steps"`
	// BatchSize is the minibatch size M in transitions (1 ≤ M); the rollout
	// of T·N transitions is cut into ⌈T·N/M⌉ minibatches per epoch, the last
	// one possibly smaller. Default 64.
	BatchSize int `json:"batch_size"`
	// Epochs is K, the number of passes over each rollout (≥ 1); SB3's
	// n_epochs. Default 10.
	Epochs int `json:"n_epochs"`

	// AdvantageConfig holds γ (gamma, default 0.99), λ (gae_lambda, default
	// 0.95) and the seed's truncated estimator options gae_horizon (T of
	// A(λ,T); 0 = untruncated GAE) and gae_bias_corrected (Ã(λ,T) =
	// A(λ,T)/(1 − λ^T)).
	rl.AdvantageConfig

	// LearningRate is Adam's step size α > 0. Default 3e-4.
	LearningRate float64 `json:"learning_rate"`
	// AnnealLR linearly decays α to 0 over training (SB3's "lin_" schedule,
	// CleanRL's anneal_lr). Default false.
	AnnealLR bool `json:"anneal_lr"`
	// AdamEps is Adam's ε (SB3 and CleanRL use 1e-5 for PPO). Default 1e-5.
	AdamEps float64 `json:"adam_eps"`
	// ClipRange is the ratio clip ε in (0, 1): the surrogate clips r to
	// [1 − ε, 1 + ε]. Default 0.2.
	ClipRange float64 `json:"clip_range"`
	// AnnealClip linearly decays ε to 0 over training (zoo "lin_0.2").
	// Default false.
	AnnealClip bool `json:"anneal_clip"`
	// ClipRangeVF, when > 0, clips the value prediction to within
	// ±ClipRangeVF of the rollout's value before the squared error
	// (SB3's clip_range_vf; the value is in reward units). 0 (default): no
	// value clipping.
	ClipRangeVF float64 `json:"clip_range_vf"`
	// NormalizeAdvantage standardises advantages within each minibatch.
	// Default true.
	NormalizeAdvantage bool `json:"normalize_advantage"`
	// EntCoef is the entropy bonus weight β ≥ 0 in L = L^CLIP − β·H + c_v·L^V.
	// Default 0.
	EntCoef float64 `json:"ent_coef"`
	// VFCoef is c_v ≥ 0, the weight of the value loss L^V = mean((V − R)²).
	// Default 0.5.
	VFCoef float64 `json:"vf_coef"`
	// MaxGradNorm clips the global gradient norm of all parameters; 0
	// disables clipping. Default 0.5.
	MaxGradNorm float64 `json:"max_grad_norm"`
	// TargetKL stops the epochs of an update early once the approximate
	// KL(π_old‖π) of a minibatch exceeds 1.5·TargetKL (SB3's rule; that
	// minibatch is not applied). 0 (default): no early stop.
	TargetKL float64 `json:"target_kl"`

	// Hidden are the hidden layer widths of the actor and of the (separate)
	// critic MLPs. Default [64, 64].
	Hidden []int `json:"hidden"`
	// Activation is the hidden activation. Default tanh.
	Activation tensor.Act `json:"activation"`
	// OrthoInit initialises weights orthogonally with gains √2 (hidden),
	// 0.01 (policy head) and 1 (value head), biases 0, as SB3 and CleanRL
	// do; false uses PyTorch's default Linear init. Default true.
	OrthoInit bool `json:"ortho_init"`
	// LogStdInit is the initial state-independent log σ of the Gaussian
	// policy for Box actions. Default 0.
	LogStdInit float64 `json:"log_std_init"`
	// NormalizeObs standardises observations with running statistics
	// (SB3's VecNormalize for observations: clip ±10, ε = 1e-8), kept in
	// the agent and saved with it. Default false.
	NormalizeObs bool `json:"normalize_obs"`
}

// DefaultConfig returns Stable-Baselines3 2.x's PPO defaults (the values of
// stable_baselines3.PPO.__init__ and its MlpPolicy: separate 64-64 tanh
// actor and critic, orthogonal init, Adam ε 1e-5).
func DefaultConfig() Config {
	return Config{
		TotalTimesteps: 1_000_000, NumEnvs: 1, NumSteps: 2048, BatchSize: 64, Epochs: 10,
		AdvantageConfig: rl.DefaultAdvantageConfig(),
		LearningRate:    3e-4, AdamEps: 1e-5, ClipRange: 0.2, NormalizeAdvantage: true,
		EntCoef: 0, VFCoef: 0.5, MaxGradNorm: 0.5,
		Hidden: []int{64, 64}, Activation: tensor.Tanh, OrthoInit: true,
	}
}

// ZooConfig returns rl-baselines3-zoo's tuned PPO hyperparameters
// (hyperparams/ppo.yml) for envID on top of DefaultConfig, and false when
// the zoo has none. Differences: Pendulum-v1's entry uses gSDE, which is
// not implemented (plain Gaussian exploration is used); entries with
// "normalize: true" get NormalizeObs (reward normalisation is available as
// the normreward env wrapper).
func ZooConfig(envID string) (Config, bool) {
	c := DefaultConfig()
	switch envID {
	case "CartPole-v1":
		c.NumEnvs, c.TotalTimesteps, c.NumSteps, c.BatchSize = 8, 100_000, 32, 256
		c.Lambda, c.Gamma, c.Epochs, c.EntCoef = 0.8, 0.98, 20, 0
		c.LearningRate, c.AnnealLR, c.ClipRange, c.AnnealClip = 1e-3, true, 0.2, true
	case "Pendulum-v1":
		c.NumEnvs, c.TotalTimesteps, c.NumSteps = 4, 100_000, 1024
		c.Lambda, c.Gamma, c.Epochs, c.EntCoef = 0.95, 0.9, 10, 0
		c.LearningRate, c.ClipRange = 1e-3, 0.2
	case "MountainCar-v0":
		c.NormalizeObs = true
		c.NumEnvs, c.TotalTimesteps, c.NumSteps = 16, 1_000_000, 16
		c.Lambda, c.Gamma, c.Epochs, c.EntCoef = 0.98, 0.99, 4, 0
	case "Acrobot-v1":
		c.NormalizeObs = true
		c.NumEnvs, c.TotalTimesteps, c.NumSteps = 16, 1_000_000, 256
		c.Lambda, c.Gamma, c.Epochs, c.EntCoef = 0.94, 0.99, 4, 0
	default:
		return Config{}, false
	}
	return c, true
}

// BatchTransitions returns T·N, the number of transitions per rollout.
func (c Config) BatchTransitions() int { return c.NumSteps * c.NumEnvs }

// Iterations returns the number of rollout-update iterations:
// ⌈TotalTimesteps / (T·N)⌉.
func (c Config) Iterations() int {
	b := c.BatchTransitions()
	return (c.TotalTimesteps + b - 1) / b
}

// Validate returns an error naming the first invalid field.
func (c Config) Validate() error {
	switch {
	case c.TotalTimesteps < 1:
		return errors.New("ppo: total_timesteps must be ≥ 1")
	case c.NumEnvs < 1:
		return errors.New("ppo: num_envs must be ≥ 1")
	case c.NumSteps < 1:
		return errors.New("ppo: n_steps must be ≥ 1")
	case c.BatchSize < 1:
		return errors.New("ppo: batch_size must be ≥ 1")
	case c.BatchSize > c.BatchTransitions():
		return fmt.Errorf("ppo: batch_size %d exceeds n_steps·num_envs = %d; lower it or collect more", c.BatchSize, c.BatchTransitions())
	case c.Epochs < 1:
		return errors.New("ppo: n_epochs must be ≥ 1")
	case !(c.LearningRate > 0):
		return errors.New("ppo: learning_rate must be > 0")
	case !(c.AdamEps >= 0):
		return errors.New("ppo: adam_eps must be ≥ 0")
	case !(c.ClipRange > 0 && c.ClipRange < 1):
		return errors.New("ppo: clip_range must be in (0, 1)")
	case !(c.ClipRangeVF >= 0):
		return errors.New("ppo: clip_range_vf must be ≥ 0 (0 disables value clipping)")
	case !(c.EntCoef >= 0) || !(c.VFCoef >= 0):
		return errors.New("ppo: ent_coef and vf_coef must be ≥ 0")
	case !(c.MaxGradNorm >= 0):
		return errors.New("ppo: max_grad_norm must be ≥ 0 (0 disables clipping)")
	case !(c.TargetKL >= 0):
		return errors.New("ppo: target_kl must be ≥ 0 (0 disables the early stop)")
	}
	for _, h := range c.Hidden {
		if h < 1 {
			return fmt.Errorf("ppo: hidden width %d must be ≥ 1", h)
		}
	}
	if err := c.AdvantageConfig.Validate(); err != nil {
		return fmt.Errorf("ppo: %w", err)
	}
	return nil
}
