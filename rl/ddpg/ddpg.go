package ddpg

import (
	"errors"
	"fmt"
	"github.com/vfe-go/vfe/rl/internal/offpolicy"
	"math"
	"math/rand/v2"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/optim"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/tensor"
)

const pkg = "ddpg"

// Config holds the hyperparameters of DDPG and, with TD3 set, of TD3. The
// zero value is not usable: start from DefaultConfig, DefaultTD3Config,
// ZooConfig or ZooTD3Config. Actions are handled in the networks' range
// [−1, 1]^D and mapped affinely onto the env's bounded Box, so noise scales
// are fractions of the half-width of the action box.
type Config struct {
	// TotalTimesteps is the training budget in environment steps (> 0; default 20 000).
	TotalTimesteps int `json:"total_timesteps"`
	// NumEnvs is the number N of parallel environments (≥ 1; default 1).
	NumEnvs int `json:"num_envs"`
	// Hidden lists the hidden widths of the actor μ_φ and of each critic Q̂
	// (default [400, 300]; empty means linear networks).
	Hidden []int `json:"hidden"`
	// Activation is the hidden non-linearity (default relu).
	Activation tensor.Act `json:"activation"`
	// LearningRate is Adam's step size η for actor and critics (> 0;
	// default 1e-3).
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
	// Tau is the Polyak coefficient τ ∈ (0, 1] of the target networks,
	// θ' ← τθ + (1−τ)θ' (default 0.005).
	Tau float64 `json:"tau"`
	// TrainFreq is the period, in vector steps, of training phases (≥ 1; default 1).
	TrainFreq int `json:"train_freq"`
	// GradientSteps is the number of critic updates per phase (≥ 1; default 1).
	GradientSteps int `json:"gradient_steps"`
	// ActionNoise is the standard deviation σ of the Gaussian exploration
	// noise added to μ_φ(s) in [−1, 1] units before clipping (≥ 0; default
	// 0.1; 0 explores only before LearningStarts).
	ActionNoise float64 `json:"action_noise"`
	// TD3 selects Fujimoto et al.'s TD3: twin critics with the minimum in
	// the target, target policy smoothing and delayed actor updates. False
	// is DDPG (one critic, no smoothing, actor updated every step).
	TD3 bool `json:"td3"`
	// PolicyDelay is TD3's d: the actor and the targets are updated every d
	// critic updates (≥ 1; default 2; DDPG uses 1 whatever this says).
	PolicyDelay int `json:"policy_delay"`
	// TargetPolicyNoise is TD3's smoothing noise σ̃ added to the target
	// action (≥ 0; default 0.2; ignored by DDPG).
	TargetPolicyNoise float64 `json:"target_policy_noise"`
	// TargetNoiseClip is TD3's clip c of the smoothing noise (≥ 0; default
	// 0.5; ignored by DDPG).
	TargetNoiseClip float64 `json:"target_noise_clip"`
}

// DefaultConfig returns Stable-Baselines3 2.x's DDPG defaults (lr 1e-3,
// buffer 1e6, learning_starts 100, batch 256, τ 0.005, γ 0.99, train_freq 1,
// gradient_steps 1, net_arch [400, 300] with ReLU) with Gaussian action
// noise σ = 0.1 (the zoo's choice) and a 20 000-step budget.
func DefaultConfig() Config {
	return Config{
		TotalTimesteps: 20_000, NumEnvs: 1, Hidden: []int{400, 300}, Activation: tensor.ReLU,
		LearningRate: 1e-3, BufferSize: 1_000_000, LearningStarts: 100, BatchSize: 256, Gamma: 0.99,
		Tau: 0.005, TrainFreq: 1, GradientSteps: 1, ActionNoise: 0.1,
		PolicyDelay: 2, TargetPolicyNoise: 0.2, TargetNoiseClip: 0.5,
	}
}

// DefaultTD3Config returns DefaultConfig with TD3 set: Stable-Baselines3's
// TD3 defaults, which are its DDPG ones plus policy_delay 2,
// target_policy_noise 0.2 and target_noise_clip 0.5 (Fujimoto et al. 2018).
func DefaultTD3Config() Config {
	c := DefaultConfig()
	c.TD3 = true
	return c
}

// ZooConfig returns the rl-baselines3-zoo DDPG hyperparameters for envID
// (hyperparams/ddpg.yml) and false when the zoo has none. For Pendulum-v1:
// 20 000 steps, γ 0.98, buffer 200 000, learning_starts 10 000, normal
// noise σ 0.1, train_freq 1, gradient_steps 1, lr 1e-3, net_arch [400, 300].
func ZooConfig(envID string) (Config, bool) {
	c := DefaultConfig()
	switch envID {
	case "Pendulum-v1":
		c.TotalTimesteps, c.Gamma, c.BufferSize, c.LearningStarts = 20_000, 0.98, 200_000, 10_000
	case "MountainCarContinuous-v0":
		// The zoo uses Ornstein–Uhlenbeck noise of σ 0.5; this package has
		// Gaussian noise only, with the same σ.
		c.TotalTimesteps, c.ActionNoise = 300_000, 0.5
	default:
		return Config{}, false
	}
	return c, true
}

// ZooTD3Config returns the rl-baselines3-zoo TD3 hyperparameters for envID
// (hyperparams/td3.yml), which for Pendulum-v1 equal the DDPG ones, and
// false when the zoo has none.
func ZooTD3Config(envID string) (Config, bool) {
	c, ok := ZooConfig(envID)
	c.TD3 = ok
	return c, ok
}

// Validate returns an error naming the first invalid field.
func (c Config) Validate() error {
	bad := func(field, want string, v any) error {
		return fmt.Errorf("%s: %s = %v invalid: need %s", pkg, field, v, want)
	}
	switch {
	case c.TotalTimesteps <= 0:
		return bad("total_timesteps", "> 0", c.TotalTimesteps)
	case c.NumEnvs < 1:
		return bad("num_envs", "≥ 1", c.NumEnvs)
	case !(c.LearningRate > 0):
		return bad("learning_rate", "> 0", c.LearningRate)
	case c.BufferSize < c.NumEnvs:
		return bad("buffer_size", "≥ num_envs", c.BufferSize)
	case c.LearningStarts < 0:
		return bad("learning_starts", "≥ 0", c.LearningStarts)
	case c.BatchSize < 1:
		return bad("batch_size", "≥ 1", c.BatchSize)
	case !(c.Gamma >= 0 && c.Gamma <= 1):
		return bad("gamma", "γ ∈ [0, 1]", c.Gamma)
	case !(c.Tau > 0 && c.Tau <= 1):
		return bad("tau", "τ ∈ (0, 1]", c.Tau)
	case c.TrainFreq < 1:
		return bad("train_freq", "≥ 1", c.TrainFreq)
	case c.GradientSteps < 1:
		return bad("gradient_steps", "≥ 1", c.GradientSteps)
	case !(c.ActionNoise >= 0) || math.IsInf(c.ActionNoise, 0):
		return bad("action_noise", "finite σ ≥ 0", c.ActionNoise)
	case c.PolicyDelay < 1:
		return bad("policy_delay", "≥ 1", c.PolicyDelay)
	case !(c.TargetPolicyNoise >= 0) || math.IsInf(c.TargetPolicyNoise, 0):
		return bad("target_policy_noise", "finite ≥ 0", c.TargetPolicyNoise)
	case !(c.TargetNoiseClip >= 0) || math.IsInf(c.TargetNoiseClip, 0):
		return bad("target_noise_clip", "finite ≥ 0", c.TargetNoiseClip)
	}
	for _, h := range c.Hidden {
		if h < 1 {
			return bad("hidden", "widths ≥ 1", c.Hidden)
		}
	}
	if _, err := tensor.ParseAct(c.Activation.String()); err != nil {
		return bad("activation", "a known activation", c.Activation)
	}
	return nil
}

// Critics returns the number of critics: 2 for TD3, 1 for DDPG.
func (c Config) Critics() int {
	if c.TD3 {
		return 2
	}
	return 1
}

// Delay returns the actor update period d: PolicyDelay for TD3, 1 for DDPG.
func (c Config) Delay() int {
	if c.TD3 {
		return c.PolicyDelay
	}
	return 1
}

// Agent is a deterministic actor μ_φ(s) = tanh(MLP(s)) ∈ [−1, 1]^D mapped
// onto the env's action box. It implements rl.Policy (μ for deterministic
// acts, μ plus clipped Gaussian noise of σ = ActionNoise otherwise) and
// rl.Checkpointer (tensors "actor.0.weight", …). An Agent serves one
// caller at a time.
type Agent struct {
	Actor  *nn.Sequential // obsDim → Hidden → actDim, tanh output
	cfg    Config
	box    offpolicy.ActionBox
	obsDim int
	a      *tensor.Mat // Act's buffer in [−1, 1]
}

// NewAgent returns an agent with the actor of cfg for the given spaces,
// initialised from a fixed seed (load a checkpoint into it). It returns an
// error if cfg is invalid, observations are not a Box or actions are not a
// bounded Box.
func NewAgent(cfg Config, obsSpace, actSpace env.Space) (*Agent, error) {
	return newAgent(cfg, obsSpace, actSpace, rand.New(rand.NewPCG(0, 0)))
}

func newAgent(cfg Config, obsSpace, actSpace env.Space, rng *rand.Rand) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	od, err := offpolicy.CheckObsSpace(obsSpace)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pkg, err)
	}
	box, err := offpolicy.NewActionBox(pkg, actSpace)
	if err != nil {
		return nil, err
	}
	sizes := append(append([]int{od}, cfg.Hidden...), actSpace.Dim())
	actor := nn.NewMLP(rng, sizes, cfg.Activation, tensor.Tanh, nn.InitTorch)
	return &Agent{Actor: actor, cfg: cfg, box: box, obsDim: od}, nil
}

// Act writes actions in the env's units (n×actDim) into dst (nil or
// misshapen dst is reallocated). It panics if obs does not have the
// observation width.
func (a *Agent) Act(dst, obs *tensor.Mat, deterministic bool, rng *rand.Rand) *tensor.Mat {
	if obs.Cols != a.obsDim {
		panic(fmt.Sprintf("ddpg: Agent.Act: observations have %d columns, want %d", obs.Cols, a.obsDim))
	}
	d := len(a.box.Scale)
	if a.a == nil {
		a.a = tensor.New(obs.Rows, d)
	}
	a.Actor.Forward(a.a.Resize(obs.Rows, d), obs)
	if !deterministic && a.cfg.ActionNoise > 0 {
		addNoise(a.a, a.cfg.ActionNoise, rng)
	}
	if dst == nil || dst.Rows != obs.Rows || dst.Cols != d {
		dst = tensor.New(obs.Rows, d)
	}
	a.box.ToEnv(dst, a.a)
	return dst
}

// addNoise adds N(0, σ²) to every element and clips to [−1, 1].
func addNoise(a *tensor.Mat, sigma float64, rng *rand.Rand) {
	for i, v := range a.Data {
		a.Data[i] = offpolicy.Clip1(v + float32(sigma*rng.NormFloat64()))
	}
}

// Tensors returns the actor's parameters as "actor.<layer>.weight/bias".
func (a *Agent) Tensors() []nn.NamedTensor { return offpolicy.NamedTensors(nil, "actor", a.Actor) }

// Load restores the tensors written by Tensors. It returns an error, and
// leaves the agent unchanged, when a tensor is missing or misshapen.
func (a *Agent) Load(ts []nn.NamedTensor) error {
	if err := offpolicy.LoadTensors(a.Tensors(), ts); err != nil {
		return fmt.Errorf("%s: %w", pkg, err)
	}
	return nil
}

var (
	_ rl.Policy       = (*Agent)(nil)
	_ rl.Checkpointer = (*Agent)(nil)
)

// learner holds the networks, optimisers and buffers of the updates so
// that they do not allocate.
type learner struct {
	cfg                 Config
	actor, actorTarget  *nn.Sequential
	actorPs, actorTgtPs []*nn.Param
	critics, targets    []*offpolicy.Critic
	criticPs, targetPs  []*nn.Param
	actorOpt, criticOpt *optim.Adam
	batch               *rl.Batch
	nextA, piA, dA, dq  *tensor.Mat
	qNext, y            []float32
	updates             int
}

func newLearner(cfg Config, ag *Agent, rng *rand.Rand) (*learner, error) {
	ad := len(ag.box.Scale)
	l := &learner{cfg: cfg, actor: ag.Actor, actorTarget: nn.Clone(ag.Actor).(*nn.Sequential)}
	l.actorPs, l.actorTgtPs = l.actor.Params(), l.actorTarget.Params()
	for k := 0; k < cfg.Critics(); k++ {
		c := offpolicy.NewCritic(rng, ag.obsDim, ad, cfg.Hidden, cfg.Activation)
		t := c.Clone()
		l.critics, l.targets = append(l.critics, c), append(l.targets, t)
		l.criticPs, l.targetPs = append(l.criticPs, c.Params...), append(l.targetPs, t.Params...)
	}
	ac := optim.DefaultAdamConfig()
	ac.LR = cfg.LearningRate
	var err error
	if l.actorOpt, err = optim.NewAdam(l.actorPs, ac); err != nil {
		return nil, fmt.Errorf("%s: %w", pkg, err)
	}
	if l.criticOpt, err = optim.NewAdam(l.criticPs, ac); err != nil {
		return nil, fmt.Errorf("%s: %w", pkg, err)
	}
	b := cfg.BatchSize
	l.batch = rl.NewBatch(b, ag.obsDim, ad)
	l.nextA, l.piA, l.dA, l.dq = tensor.New(b, ad), tensor.New(b, ad), tensor.New(b, ad), tensor.New(b, 1)
	l.qNext, l.y = make([]float32, b), make([]float32, b)
	return l, nil
}

// targets writes the TD targets y = r + γ(1 − terminated)·min_k Q'_k(s', ã)
// for the batch, with ã = clip(μ'(s') + clip(ε, ±c), ±1), ε ~ N(0, σ̃²) for
// TD3 and ã = μ'(s') for DDPG.
func (l *learner) tdTargets(bt *rl.Batch, rng *rand.Rand) {
	l.actorTarget.Forward(l.nextA, bt.NextObs)
	if l.cfg.TD3 {
		c := float32(l.cfg.TargetNoiseClip)
		for i, v := range l.nextA.Data {
			e := min(max(float32(l.cfg.TargetPolicyNoise*rng.NormFloat64()), -c), c)
			l.nextA.Data[i] = offpolicy.Clip1(v + e)
		}
	}
	for k, t := range l.targets {
		q := t.Forward(bt.NextObs, l.nextA)
		for i, v := range q.Data {
			if k == 0 || v < l.qNext[i] {
				l.qNext[i] = v
			}
		}
	}
	for i := range l.y {
		v := float64(bt.Rewards[i])
		if !bt.Terminated[i] {
			v += l.cfg.Gamma * float64(l.qNext[i])
		}
		l.y[i] = float32(v)
	}
}

// criticLossGrad accumulates into the critics' gradients the gradient of
// the critic loss Σ_k (1/B)Σ_i ½(Q_k(s_i, a_i) − y_i)² for the targets in
// l.y, and returns the loss and the batch mean of Q_1(s, a).
func (l *learner) criticLossGrad(bt *rl.Batch) (loss, q1 float64) {
	for k, c := range l.critics {
		q := c.Forward(bt.Obs, bt.Actions)
		if k == 0 {
			q1 = tensor.Sum(q.Data) / float64(q.Rows)
		}
		loss += offpolicy.MSEGrad(l.dq, q, l.y)
		c.Backward(l.dq)
	}
	return loss, q1
}

// actorLossGrad accumulates into the actor's gradients the gradient of the
// deterministic policy loss −(1/B)Σ_i Q_1(s_i, μ_φ(s_i)) (the seed's
// ∇_φ Q̂(s, μ_φ(s)), ascended) and returns the loss. The critic's
// parameter gradients are not touched.
func (l *learner) actorLossGrad(obs *tensor.Mat) float64 {
	a := l.actor.Forward(l.piA, obs)
	q := l.critics[0].Forward(obs, a)
	loss := -tensor.Sum(q.Data) / float64(q.Rows)
	l.dq.Fill(float32(-1 / float64(q.Rows)))
	l.critics[0].ActionGrad(l.dA, l.dq, 0)
	l.actor.BackwardParams(l.dA)
	return loss
}

// update takes one critic step and, every Delay() of them, one actor step
// and the Polyak updates of all targets. It returns the critic loss, the
// mean Q_1(s, a) and the actor loss (NaN when the actor was not updated).
func (l *learner) update(buf *rl.ReplayBuffer, rng *rand.Rand) (qLoss, q1, piLoss float64) {
	bt := buf.Sample(l.batch, rng)
	l.tdTargets(bt, rng)
	l.criticOpt.ZeroGrad()
	qLoss, q1 = l.criticLossGrad(bt)
	l.criticOpt.Step()
	l.updates++
	piLoss = math.NaN()
	if l.updates%l.cfg.Delay() == 0 {
		l.actorOpt.ZeroGrad()
		piLoss = l.actorLossGrad(bt.Obs)
		l.actorOpt.Step()
		optim.Polyak(l.targetPs, l.criticPs, l.cfg.Tau)
		optim.Polyak(l.actorTgtPs, l.actorPs, l.cfg.Tau)
	}
	return qLoss, q1, piLoss
}

// ErrDiverged reports a non-finite loss.
var ErrDiverged = errors.New("ddpg: loss is not finite: lower learning_rate or check the rewards")

// logEvery is the period, in environment steps, of the training-loss
// metrics (means over the updates since the last report).
const logEvery = 500

// Train runs DDPG (Lillicrap et al. 2016) or, with cfg.TD3, TD3 (Fujimoto
// et al. 2018) with seed and returns the trained agent. It reads top to
// bottom:
//
//  1. build N environments, the actor μ_φ, one or two critics Q̂, target
//     copies of all, two Adam optimisers and a replay buffer;
//  2. every vector step: uniform actions before LearningStarts, then
//     μ_φ(s) + N(0, σ²) clipped to [−1, 1]; store the transition with the
//     true final observation;
//  3. every TrainFreq vector steps after LearningStarts, GradientSteps
//     updates: critics toward y = r + γ(1 − terminated)·min_k Q'_k(s', ã);
//     every Delay() updates the actor along ∇_a Q̂_1(s, a)·∇_φ μ_φ(s)
//     and the targets by Polyak averaging.
//
// It logs charts/episodic_return, charts/episodic_length, charts/sps,
// losses/qf_loss, losses/qf1_values, losses/actor_loss, eval/mean_return and
// eval/std_return. All randomness comes from seed.
func Train(cfg Config, seed uint64, opts rl.TrainOptions) (*Agent, error) {
	a, _, err := train(cfg, seed, opts)
	return a, err
}

// train is Train that also returns the learner (critics and targets).
func train(cfg Config, seed uint64, opts rl.TrainOptions) (*Agent, *learner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	lp, err := offpolicy.NewLoop(pkg, opts, seed)
	if err != nil {
		return nil, nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0xdd9))
	vec, obsSpace, actSpace, err := lp.MakeVec(cfg.NumEnvs)
	if err != nil {
		return nil, nil, err
	}
	defer vec.Close()
	agent, err := newAgent(cfg, obsSpace, actSpace, rng)
	if err != nil {
		return nil, nil, err
	}
	ln, err := newLearner(cfg, agent, rng)
	if err != nil {
		return nil, nil, err
	}
	n, od, ad := cfg.NumEnvs, agent.obsDim, len(agent.box.Scale)
	buf := rl.NewReplayBuffer(cfg.BufferSize, n, od, ad)
	obs, act, envAct := tensor.New(n, od), tensor.New(n, ad), tensor.New(n, ad)

	vec.Reset(rng)
	step, vecStep, nextLog := 0, 0, logEvery
	var qSum, q1Sum, piSum float64
	var qN, piN int
	for step < cfg.TotalTimesteps {
		if err := lp.Cancelled(); err != nil {
			return agent, ln, err
		}
		copy(obs.Data, vec.Obs)
		if step < cfg.LearningStarts {
			for i := range act.Data {
				act.Data[i] = float32(2*rng.Float64() - 1)
			}
		} else {
			agent.Actor.Forward(act, obs)
			addNoise(act, cfg.ActionNoise, rng)
		}
		agent.box.ToEnv(envAct, act)
		vec.Step(envAct.Data)
		buf.Add(obs.Data, act.Data, vec.Obs, vec.Rewards, vec.Terminated, vec.Truncated, vec.FinalObs)
		step += n
		vecStep++

		if step > cfg.LearningStarts && vecStep%cfg.TrainFreq == 0 {
			for g := 0; g < cfg.GradientSteps; g++ {
				ql, q1, pl := ln.update(buf, rng)
				if math.IsNaN(ql) || math.IsInf(ql, 0) {
					return agent, ln, ErrDiverged
				}
				qSum, q1Sum, qN = qSum+ql, q1Sum+q1, qN+1
				if !math.IsNaN(pl) {
					piSum, piN = piSum+pl, piN+1
				}
			}
		}
		if step >= nextLog {
			nextLog += logEvery
			if qN > 0 {
				lp.Emit(step, rl.Metric{Key: "losses/qf_loss", Value: qSum / float64(qN)},
					rl.Metric{Key: "losses/qf1_values", Value: q1Sum / float64(qN)})
			}
			if piN > 0 {
				lp.Emit(step, rl.Metric{Key: "losses/actor_loss", Value: piSum / float64(piN)})
			}
			lp.SPS(step)
			qSum, q1Sum, piSum, qN, piN = 0, 0, 0, 0, 0
		}
		if err := lp.EndStep(step, vec, agent); err != nil {
			return agent, ln, err
		}
	}
	return agent, ln, lp.Finish(step, agent)
}
