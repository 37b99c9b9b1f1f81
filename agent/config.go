package agent

import (
	"fmt"
	"math"

	"github.com/vfe-go/vfe/tensor"
)

// Estimators of term (c)'s gradient ∇_φ V_{π_φ}(z): the seed's two families.
const (
	// ValueGradAmortised differentiates through the critic,
	// ∇_φ E_{π_φ(a|z)}[Q̂(z, a)]: reparameterised for Box actions, the exact
	// expectation over actions for Discrete ones. Off-policy: the critics and
	// the policy learn from replayed transitions.
	ValueGradAmortised = "amortised"
	// ValueGradPolicy is the likelihood-ratio form E[Â·∇_φ log π_φ(a|z)]
	// with GAE advantages Â from the state-value critic V̂(z) (the seed's
	// choice (6), as PPO uses it, with PPO's clipped ratio), on fresh
	// on-policy rollouts of inferred states. Discrete actions only.
	ValueGradPolicy = "policy_gradient"
)

// PGConfig configures the policy-gradient estimator of the value term
// (Config.ValueGrad = "policy_gradient"). The defaults are
// rl-baselines3-zoo's PPO settings for CartPole-v1.
type PGConfig struct {
	// NumSteps is the rollout length per environment between updates
	// (default 32).
	NumSteps int `json:"n_steps"`
	// Epochs is the number of passes over each rollout (default 20).
	Epochs int `json:"n_epochs"`
	// BatchSize is the minibatch size in transitions (default 256).
	BatchSize int `json:"batch_size"`
	// Lambda is GAE's λ (default 0.8); Horizon and BiasCorrected select
	// the seed's truncated estimators A(λ,T) and Ã(λ,T) (0 and false: GAE).
	Lambda        float64 `json:"gae_lambda"`
	Horizon       int     `json:"gae_horizon"`
	BiasCorrected bool    `json:"gae_bias_corrected"`
	// Clip is PPO's ratio clip ε ∈ (0, 1) (default 0.2).
	Clip float64 `json:"clip"`
	// Anneal decays the policy, critic and world-model (and recognition)
	// learning rates and ε linearly to 0 over training (default true, the
	// zoo's "lin_" schedules).
	Anneal bool `json:"anneal"`
	// NormalizeAdvantage standardises Â within each minibatch (default true).
	NormalizeAdvantage bool `json:"normalize_advantage"`
	// MaxGradNorm clips each network's gradient norm (default 0.5; 0: none).
	MaxGradNorm float64 `json:"max_grad_norm"`
}

// DefaultPGConfig returns the defaults above.
func DefaultPGConfig() PGConfig {
	return PGConfig{NumSteps: 32, Epochs: 20, BatchSize: 256, Lambda: 0.8, Clip: 0.2, Anneal: true,
		NormalizeAdvantage: true, MaxGradNorm: 0.5}
}

// Validate reports the first invalid setting.
func (c PGConfig) Validate() error {
	switch {
	case c.NumSteps < 1 || c.Epochs < 1 || c.BatchSize < 1:
		return fmt.Errorf("agent: pg.n_steps, pg.n_epochs and pg.batch_size must be ≥ 1")
	case !(c.Lambda >= 0 && c.Lambda <= 1):
		return fmt.Errorf("agent: pg.gae_lambda %v must be in [0, 1]", c.Lambda)
	case c.Horizon < 0:
		return fmt.Errorf("agent: pg.gae_horizon must be ≥ 0")
	case !(c.Clip > 0 && c.Clip < 1):
		return fmt.Errorf("agent: pg.clip %v must be in (0, 1)", c.Clip)
	case c.MaxGradNorm < 0:
		return fmt.Errorf("agent: pg.max_grad_norm must be ≥ 0")
	}
	return nil
}

// Config is the variational perception–action agent's configuration. Every
// weight names the seed's Eq. (2) term it scales.
type Config struct {
	// World is the latent world model (terms (a) and (b)).
	World WorldConfig `json:"world"`
	// Hidden are the hidden widths of the policy and critic networks
	// (default 64, 64).
	Hidden []int `json:"hidden"`
	// Gamma is the discount γ ∈ [0, 1) of the value V_π (default 0.99).
	Gamma float64 `json:"gamma"`
	// Beta is β in p(π|s) ∝ exp(β V_π(s)): the weight of the value term (c)
	// (default 1; 0 removes the preference, leaving drift and entropy).
	Beta float64 `json:"beta"`
	// DriftWeight scales the policy-drift term (d), −log π_φ(a_τ|z_τ) on the
	// actions actually taken (replayed); the seed's weight is 1 relative to
	// β, smaller values weaken the pull towards past behaviour (default 0.01).
	DriftWeight float64 `json:"drift_weight"`
	// EntropyWeight scales the entropy regulariser in the role of (f):
	// −w·H[π_φ(·|z)] (default 0.01 for discrete actions, 0.2 for continuous,
	// set by DefaultConfig's callers through ForActions).
	EntropyWeight float64 `json:"entropy_weight"`
	// Alpha is α in the reward R = r + α·i(s), i(s) = E_π[−H[p(s'|s,a)]]
	// (default 0). Negative α rewards uncertain transitions. It needs
	// World.Prec = state to depend on the state.
	Alpha float64 `json:"alpha"`
	// LR is the policy's Adam learning rate (default 3e-4), CriticLR the
	// critics' (default 1e-3), WorldLR the world model's (default 1e-3).
	LR       float64 `json:"lr"`
	CriticLR float64 `json:"critic_lr"`
	WorldLR  float64 `json:"world_lr"`
	// WorldPrior is the precision λ ≥ 0 of a zero-mean Gaussian prior on the
	// world model's parameters θ, p(θ) = N(0, λ⁻¹I): the M-step descends
	// F + λ/2·‖θ‖². With point-mass posteriors F has no perception entropy
	// (e) to fix the latents' scale, and without a prior the M-step can
	// shrink the latents while the networks reading them grow without
	// bound; the prior pins that scale (default 1e-3; 0: none).
	WorldPrior float64 `json:"world_prior"`
	// WorldLRSteps, when > 0, decays the world model's learning rate
	// linearly from WorldLR to 0 over the first WorldLRSteps env steps; the
	// M-step then stops and the latents the policy reads keep their meaning
	// (perception goes on with the learned model). 0 (the default): the
	// rate decays with the policy's under PG.Anneal, else stays at WorldLR.
	WorldLRSteps int `json:"world_lr_steps"`
	// Tau is the Polyak rate τ of the target critics (default 0.005).
	Tau float64 `json:"tau"`
	// BufferSize is the replay capacity in transitions (default 100000);
	// BatchSize the replayed batch (default 128).
	BufferSize int `json:"buffer_size"`
	BatchSize  int `json:"batch_size"`
	// LearningStarts is the number of env steps before updates start
	// (default 1000); TrainFreq the env steps between updates (default 2);
	// WorldSteps and PolicySteps the world-model and critic/policy gradient
	// steps per update (default 1 each).
	LearningStarts int `json:"learning_starts"`
	TrainFreq      int `json:"train_freq"`
	WorldSteps     int `json:"world_steps"`
	PolicySteps    int `json:"policy_steps"`
	// Smooth is the number of past states re-inferred together with z_t
	// when acting (fixed-lag smoothing over the window's terms (a)+(b),
	// with the state before the window held fixed); 0 (the default) is
	// filtering. Not combined with Amortised.
	Smooth int `json:"smooth"`
	// ImagineHorizon, with the amortised estimator, adds the model-based
	// option: reward and termination heads are fitted on replayed
	// transitions, and after every update the critics also take one step per
	// imagined step on rollouts of this many steps in the learned world model
	// from the replayed states (default 0: off).
	ImagineHorizon int `json:"imagine_horizon"`
	// BurnIn is the number of replayed predecessors re-filtered with the
	// current world model before each world-model update, to refresh the
	// stale z_{t−1} stored when acting (default 0: use it as stored).
	BurnIn int `json:"burn_in"`
	// NumEnvs is the number of parallel environments (default 1).
	NumEnvs int `json:"num_envs"`
	// Steps is the number of environment steps to train for (default 100000).
	Steps int `json:"total_timesteps"`
	// Amortised adds a recognition network (x_t, z_{t−1}, a_{t−1}) → z_t
	// trained to regress the converged z, which initialises inference
	// (hybrid PC). With World.T = 0 it is amortised inference only.
	Amortised bool `json:"amortised"`
	// LogEvery is the number of env steps between metric rows (default 1000).
	LogEvery int `json:"log_every"`
	// ActT is the number of inference iterations when acting (−1, the
	// default: World.T). With Amortised, ActT = 0 acts on the recognition
	// network's output alone (amortised-only perception) while learning still
	// regresses it onto states inferred with World.T iterations.
	ActT int `json:"act_T"`
	// PolicyObs makes the policy and critics read [x_t, z_t]: the clamped
	// observation node s^0_t = x_t together with the inferred latents,
	// rather than z_t alone (default true; false: z_t only).
	PolicyObs bool `json:"policy_obs"`
	// PolicyNorm standardises the policy and critic input with running
	// per-dimension statistics updated while training (Stable-Baselines3's
	// VecNormalize, applied to [x_t, z_t]; saved with the weights), so that
	// latents of any scale reach the networks at unit scale (default false).
	PolicyNorm bool `json:"policy_norm"`
	// PolicyNormWindow, when > 0, makes those statistics an exponential
	// moving average with weight 1/PolicyNormWindow per input row, so that
	// they follow latents whose scale changes during training (default 0:
	// every row since the start weighs the same).
	PolicyNormWindow int `json:"policy_norm_window"`
	// GradClip is the global gradient-norm limit of every update (default 10; 0: none).
	GradClip float64 `json:"grad_clip"`
	// ValueGrad selects the estimator of the value term's gradient:
	// ValueGradAmortised or ValueGradPolicy; "" (the default) means
	// policy_gradient for Discrete action spaces and amortised for Box ones.
	ValueGrad string `json:"value_grad"`
	// PG configures the policy-gradient estimator (DefaultPGConfig).
	PG PGConfig `json:"pg"`
	// Activation is the hidden activation of the policy and critic networks
	// (default relu).
	Activation tensor.Act `json:"activation"`
}

// worldFrac is the fraction of WorldLR the M-step uses after step env
// steps, given the fraction frac of the other learning rates: the linear
// decay of WorldLRSteps when set, else frac.
func (c Config) worldFrac(step int, frac float64) float64 {
	if c.WorldLRSteps > 0 {
		return max(0, 1-float64(step)/float64(c.WorldLRSteps))
	}
	return frac
}

// DefaultConfig returns the defaults above.
func DefaultConfig() Config {
	return Config{
		World: DefaultWorldConfig(), Hidden: []int{64, 64}, Gamma: 0.99, Beta: 1,
		DriftWeight: 0.01, EntropyWeight: 0.01, LR: 3e-4, CriticLR: 1e-3, WorldLR: 1e-3, WorldPrior: 1e-3,
		Tau: 0.005, BufferSize: 100000, BatchSize: 128, LearningStarts: 1000, TrainFreq: 2,
		WorldSteps: 1, PolicySteps: 1, NumEnvs: 1, Steps: 100000, GradClip: 10, LogEvery: 1000, ActT: -1, PolicyObs: true,
		PG: DefaultPGConfig(), Activation: tensor.ReLU,
	}
}

// Validate reports the first invalid setting.
func (c Config) Validate() error {
	if err := c.World.Validate(); err != nil {
		return err
	}
	switch {
	case !(c.Gamma >= 0 && c.Gamma < 1):
		return fmt.Errorf("agent: gamma %v must be in [0, 1)", c.Gamma)
	case c.Beta < 0 || c.DriftWeight < 0 || c.EntropyWeight < 0:
		return fmt.Errorf("agent: beta, drift_weight and entropy_weight must be ≥ 0")
	case math.IsNaN(c.Alpha) || math.IsInf(c.Alpha, 0):
		return fmt.Errorf("agent: alpha must be finite")
	case !(c.LR > 0 && c.CriticLR > 0 && c.WorldLR > 0):
		return fmt.Errorf("agent: learning rates must be positive")
	case !(c.WorldPrior >= 0) || math.IsInf(c.WorldPrior, 0):
		return fmt.Errorf("agent: world_prior %v must be finite and ≥ 0", c.WorldPrior)
	case !(c.Tau > 0 && c.Tau <= 1):
		return fmt.Errorf("agent: tau %v must be in (0, 1]", c.Tau)
	case c.BufferSize < c.BatchSize || c.BatchSize < 1:
		return fmt.Errorf("agent: need 1 ≤ batch_size ≤ buffer_size, got %d and %d", c.BatchSize, c.BufferSize)
	case c.TrainFreq < 1 || c.WorldSteps < 0 || c.PolicySteps < 0 || c.NumEnvs < 1 || c.Steps < 1 || c.LearningStarts < 0 || c.LogEvery < 1:
		return fmt.Errorf("agent: train_freq, num_envs, steps, log_every must be ≥ 1 and world_steps, policy_steps, learning_starts ≥ 0")
	case c.WorldLRSteps < 0:
		return fmt.Errorf("agent: world_lr_steps %d must be ≥ 0", c.WorldLRSteps)
	case c.PolicyNormWindow < 0:
		return fmt.Errorf("agent: policy_norm_window must be ≥ 0")
	case c.BurnIn < 0:
		return fmt.Errorf("agent: burn_in must be ≥ 0")
	case c.ImagineHorizon < 0:
		return fmt.Errorf("agent: imagine_horizon must be ≥ 0")
	case c.ImagineHorizon > 0 && c.ValueGrad == ValueGradPolicy:
		return fmt.Errorf("agent: imagine_horizon > 0 needs value_grad = %q (imagined rollouts train the Q critics)", ValueGradAmortised)
	case c.Smooth < 0:
		return fmt.Errorf("agent: smooth must be ≥ 0")
	case c.Smooth > 0 && c.Amortised:
		return fmt.Errorf("agent: smooth > 0 cannot be combined with amortised = true")
	case c.ActT < -1:
		return fmt.Errorf("agent: act_T must be ≥ 0, or −1 for world.T")
	case c.ActT == 0 && !c.Amortised:
		return fmt.Errorf("agent: act_T = 0 needs amortised = true (nothing else would see x_t)")
	case c.GradClip < 0:
		return fmt.Errorf("agent: grad_clip must be ≥ 0")
	case c.ValueGrad != "" && c.ValueGrad != ValueGradAmortised && c.ValueGrad != ValueGradPolicy:
		return fmt.Errorf("agent: value_grad %q must be %q or %q (or empty for the action space's default)", c.ValueGrad, ValueGradAmortised, ValueGradPolicy)
	}
	if c.ValueGrad == ValueGradPolicy {
		if err := c.PG.Validate(); err != nil {
			return err
		}
	}
	for _, h := range c.Hidden {
		if h <= 0 {
			return fmt.Errorf("agent: hidden widths must be positive, got %v", c.Hidden)
		}
	}
	return nil
}

// EnvConfig returns the defaults adjusted for a known task (the step
// budgets of the benchmark targets, and SAC-like settings for continuous
// control), and false for other ids (then DefaultConfig applies):
//
//	CartPole-v1               100k steps, the policy-gradient estimator with the
//	                          zoo's PPO settings, a world update per 8 steps
//	Pendulum-v1               30k steps, entropy weight 0.1, one update per step
//	MountainCarContinuous-v0  50k steps, entropy weight 0.1, state-dependent
//	                          transition precision (so α·i(s) varies with s)
func EnvConfig(envID string) (Config, bool) {
	c := DefaultConfig()
	switch envID {
	case "CartPole-v1":
		c.Steps = 100000
		// The policy-gradient estimator with rl-baselines3-zoo's PPO
		// settings for CartPole-v1: 8 envs × 32 steps, γ = 0.98, λ = 0.8,
		// 20 epochs of 256, lr 1e-3 and ε = 0.2 annealed, no entropy bonus.
		c.NumEnvs = 8
		c.Gamma = 0.98
		c.LR, c.CriticLR = 1e-3, 1e-3
		c.EntropyWeight = 0
		c.Activation = tensor.Tanh
		// One world-model update (batch 128) per 8 env steps: 32 per
		// rollout. World learning is most of the cost; the task needs
		// little of it (the policy reads x_t as well).
		c.TrainFreq = 8
	case "Pendulum-v1":
		c.Steps = 30000
		c.EntropyWeight = 0.1
		c.TrainFreq = 1
	case "MountainCarContinuous-v0":
		c.Steps = 50000
		c.EntropyWeight = 0.1
		c.TrainFreq = 1
		c.World.Prec = PrecState
	default:
		return c, false
	}
	return c, true
}
