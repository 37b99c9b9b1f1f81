package sac

import (
	"errors"
	"fmt"
	"github.com/vfe-go/vfe/rl/internal/offpolicy"
	"math"
	"math/rand/v2"

	"github.com/vfe-go/vfe/dist"
	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/optim"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/tensor"
)

const pkg = "sac"

// Config holds SAC's hyperparameters. The zero value is not usable: start
// from DefaultConfig, SeedConfig or ZooConfig. Actions are handled in the
// policy's range [−1, 1]^D and mapped affinely onto the env's bounded Box;
// log π is the density on [−1, 1]^D (as Stable-Baselines3 computes it).
type Config struct {
	// TotalTimesteps is the training budget in environment steps (> 0; default 20 000).
	TotalTimesteps int `json:"total_timesteps"`
	// NumEnvs is the number N of parallel environments (≥ 1; default 1).
	NumEnvs int `json:"num_envs"`
	// Hidden lists the hidden widths of the actor, of each critic Q̂ and of
	// the value network V̂ (default [256, 256]; empty means linear networks).
	Hidden []int `json:"hidden"`
	// Activation is the hidden non-linearity (default relu).
	Activation tensor.Act `json:"activation"`
	// LearningRate is Adam's step size η for every network and for log α
	// (> 0; default 1e-3, the zoo's Pendulum-v1 value; SB3's default is 3e-4).
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
	// Tau is the Polyak coefficient τ ∈ (0, 1] of the target networks (default 0.005).
	Tau float64 `json:"tau"`
	// TrainFreq is the period, in vector steps, of training phases (≥ 1; default 1).
	TrainFreq int `json:"train_freq"`
	// GradientSteps is the number of updates per training phase (≥ 1; default 1).
	GradientSteps int `json:"gradient_steps"`
	// TargetUpdateInterval is the number of updates between Polyak steps
	// of the targets (≥ 1; default 1).
	TargetUpdateInterval int `json:"target_update_interval"`
	// ValueNet selects the seed's form of SAC (Haarnoja et al. 2018a): a
	// value network V̂ trained toward E_π[min_k Q̂_k(s, a) − α log π(a|s)],
	// critics toward r + γ V̂'(s') with a Polyak copy V̂'. False (default)
	// is the common twin-Q form (Haarnoja et al. 2018b): critics toward
	// r + γ(min_k Q̂'_k(s', a') − α log π(a'|s')), a' ~ π(·|s').
	ValueNet bool `json:"value_net"`
	// Critics is the number K of critics Q̂_k whose minimum is used
	// (1 or 2; default 2).
	Critics int `json:"critics"`
	// Alpha is the entropy temperature α: its initial value with AutoAlpha
	// (> 0), its fixed value without (≥ 0; default 1; the seed's equations
	// are α = 1). A fixed α = 0 removes every entropy term, which with one
	// critic is the seed's SVG(0).
	Alpha float64 `json:"alpha"`
	// AutoAlpha tunes α by gradient descent on
	// −log α·E[log π(a|s) + H̄] (default true).
	AutoAlpha bool `json:"auto_alpha"`
	// TargetEntropy is H̄ in nats; zero means −dim(A) (default 0).
	TargetEntropy float64 `json:"target_entropy"`
	// LogStdMin and LogStdMax bound the policy's log σ (default −20 and 2,
	// Stable-Baselines3's; need LogStdMin ≤ LogStdMax).
	LogStdMin float32 `json:"log_std_min"`
	LogStdMax float32 `json:"log_std_max"`
	// LogStdTanh bounds log σ smoothly with tanh (CleanRL) instead of
	// clipping it (Stable-Baselines3; default false).
	LogStdTanh bool `json:"log_std_tanh"`
}

// DefaultConfig returns Stable-Baselines3 2.x's SAC defaults (buffer 1e6,
// learning_starts 100, batch 256, τ 0.005, γ 0.99, train_freq 1,
// gradient_steps 1, ent_coef "auto" starting at 1 with target entropy
// −dim(A), twin critics, net_arch [256, 256] with ReLU, log σ clipped to
// [−20, 2]) with the rl-baselines3-zoo Pendulum-v1 learning rate 1e-3 and
// a 20 000-step budget.
func DefaultConfig() Config {
	return Config{
		TotalTimesteps: 20_000, NumEnvs: 1, Hidden: []int{256, 256}, Activation: tensor.ReLU,
		LearningRate: 1e-3, BufferSize: 1_000_000, LearningStarts: 100, BatchSize: 256, Gamma: 0.99,
		Tau: 0.005, TrainFreq: 1, GradientSteps: 1, TargetUpdateInterval: 1,
		Critics: 2, Alpha: 1, AutoAlpha: true, LogStdMin: -20, LogStdMax: 2,
	}
}

// SeedConfig returns DefaultConfig in the seed's form: a value network and
// a single critic. α starts at the seed's 1 and is tuned automatically
// (set AutoAlpha = false for the seed's equations with α fixed at 1).
func SeedConfig() Config {
	c := DefaultConfig()
	c.ValueNet, c.Critics = true, 1
	return c
}

// ZooConfig returns the rl-baselines3-zoo SAC hyperparameters for envID
// (hyperparams/sac.yml) and false when the zoo has none. For Pendulum-v1
// the zoo sets only n_timesteps 20 000 and learning_rate 1e-3.
func ZooConfig(envID string) (Config, bool) {
	c := DefaultConfig()
	switch envID {
	case "Pendulum-v1":
	case "MountainCarContinuous-v0":
		// The zoo adds gSDE exploration (use_sde, log_std_init −3.67),
		// which this package does not implement.
		c.TotalTimesteps, c.LearningRate, c.BufferSize, c.BatchSize = 50_000, 3e-4, 50_000, 512
		c.Alpha, c.AutoAlpha, c.TrainFreq, c.GradientSteps = 0.1, false, 32, 32
		c.Gamma, c.Tau, c.LearningStarts, c.Hidden = 0.9999, 0.01, 0, []int{64, 64}
	default:
		return Config{}, false
	}
	return c, true
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
	case c.TargetUpdateInterval < 1:
		return bad("target_update_interval", "≥ 1", c.TargetUpdateInterval)
	case c.Critics != 1 && c.Critics != 2:
		return bad("critics", "1 or 2", c.Critics)
	case !(c.Alpha >= 0) || math.IsInf(c.Alpha, 0) || (c.AutoAlpha && c.Alpha == 0):
		return bad("alpha", "finite α ≥ 0 (> 0 with auto_alpha)", c.Alpha)
	case math.IsNaN(c.TargetEntropy) || math.IsInf(c.TargetEntropy, 0):
		return bad("target_entropy", "a finite value", c.TargetEntropy)
	}
	if err := c.bound().Validate(); err != nil {
		return fmt.Errorf("%s: log_std_min/log_std_max: %w", pkg, err)
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

// bound returns the log-std bound of the policy.
func (c Config) bound() dist.LogStdBound {
	k := dist.BoundClip
	if c.LogStdTanh {
		k = dist.BoundTanh
	}
	return dist.LogStdBound{Kind: k, Min: c.LogStdMin, Max: c.LogStdMax}
}

// Entropy returns the target entropy H̄ for an action dimension d:
// TargetEntropy, or −d when it is zero.
func (c Config) Entropy(d int) float64 {
	if c.TargetEntropy == 0 {
		return -float64(d)
	}
	return c.TargetEntropy
}

// policy is the squashed Gaussian actor π_φ(a|s) = tanh(N(μ_φ(s),
// σ_φ(s)²)) on [−1, 1]^D: an MLP with 2D outputs, the means and the raw
// log-stds that bound maps into [LogStdMin, LogStdMax]. Its buffers hold
// one batch.
type policy struct {
	net                    *nn.Sequential
	bound                  dist.LogStdBound
	d                      int
	out, mean, raw, logStd *tensor.Mat // B×2D, B×D, B×D, B×D
	eps, u, a              *tensor.Mat // B×D noise, pre-squash sample, action
	logp                   []float32   // B
}

func newPolicy(net *nn.Sequential, bound dist.LogStdBound, d int) *policy {
	return &policy{net: net, bound: bound, d: d, out: tensor.New(1, 2*d), mean: tensor.New(1, d), raw: tensor.New(1, d),
		logStd: tensor.New(1, d), eps: tensor.New(1, d), u: tensor.New(1, d), a: tensor.New(1, d)}
}

// forward computes μ_φ(s) and log σ_φ(s) for obs (B×obsDim).
func (p *policy) Forward(obs *tensor.Mat) {
	b, d := obs.Rows, p.d
	p.net.Forward(p.out.Resize(b, 2*d), obs)
	p.mean.Resize(b, d)
	p.raw.Resize(b, d)
	for i := 0; i < b; i++ {
		r := p.out.Row(i)
		copy(p.mean.Row(i), r[:d])
		copy(p.raw.Row(i), r[d:])
	}
	p.bound.Apply(p.logStd.Resize(b, d), p.raw)
}

// dist returns the squashed Gaussians of the last forward.
func (p *policy) dist() dist.TanhGaussian { return dist.TanhGaussian{Mean: p.mean, LogStd: p.logStd} }

// sample draws ε ~ N(0, I) from rng and computes a = tanh(μ + σε) and
// log π(a|s) after forward.
func (p *policy) sample(rng *rand.Rand) {
	p.eps.Resize(p.mean.Rows, p.d)
	for i := range p.eps.Data {
		p.eps.Data[i] = float32(rng.NormFloat64())
	}
	p.transform()
}

// transform computes a and log π(a|s) for the current ε.
func (p *policy) transform() {
	b := p.mean.Rows
	g := p.dist()
	g.Transform(p.a.Resize(b, p.d), p.u.Resize(b, p.d), p.eps)
	if cap(p.logp) < b {
		p.logp = make([]float32, b)
	}
	p.logp = p.logp[:b]
	g.LogProb(p.logp, p.u)
}

// backward accumulates the actor's parameter gradients of a loss
// L = Σ_i dLogProb_i·log π(a_i|s_i) + (terms with ∂L/∂a = dA) along the
// reparameterised path, using dMean, dLogStd and dOut as scratch (B×D,
// B×D, B×2D).
func (p *policy) Backward(dA *tensor.Mat, dLogProb []float32, dMean, dLogStd, dOut *tensor.Mat) {
	b, d := p.mean.Rows, p.d
	p.dist().RsampleGrad(dMean, dLogStd, p.u, p.eps, dA, dLogProb, 0)
	p.bound.Grad(dLogStd, dLogStd, p.raw, 0) // ∂L/∂raw, in place
	for i := 0; i < b; i++ {
		r := dOut.Row(i)
		copy(r[:d], dMean.Row(i))
		copy(r[d:], dLogStd.Row(i))
	}
	p.net.BackwardParams(dOut)
}

// Agent is a trained squashed Gaussian policy mapped onto the env's action
// box. It implements rl.Policy (tanh(μ) when deterministic, a sample
// otherwise) and rl.Checkpointer (tensors "actor.0.weight", …; the last
// layer's outputs are the D means then the D raw log-stds). An Agent
// serves one caller at a time.
type Agent struct {
	Actor  *nn.Sequential // obsDim → Hidden → 2·actDim
	cfg    Config
	box    offpolicy.ActionBox
	obsDim int
	pi     *policy
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
	d := actSpace.Dim()
	sizes := append(append([]int{od}, cfg.Hidden...), 2*d)
	actor := nn.NewMLP(rng, sizes, cfg.Activation, tensor.Identity, nn.InitTorch)
	return &Agent{Actor: actor, cfg: cfg, box: box, obsDim: od, pi: newPolicy(actor, cfg.bound(), d)}, nil
}

// Act writes actions in the env's units (n×actDim) into dst (nil or
// misshapen dst is reallocated). It panics if obs does not have the
// observation width.
func (a *Agent) Act(dst, obs *tensor.Mat, deterministic bool, rng *rand.Rand) *tensor.Mat {
	if obs.Cols != a.obsDim {
		panic(fmt.Sprintf("sac: Agent.Act: observations have %d columns, want %d", obs.Cols, a.obsDim))
	}
	p := a.pi
	p.Forward(obs)
	if deterministic {
		p.dist().Mode(p.a.Resize(obs.Rows, p.d))
	} else {
		p.sample(rng)
	}
	if dst == nil || dst.Rows != obs.Rows || dst.Cols != p.d {
		dst = tensor.New(obs.Rows, p.d)
	}
	a.box.ToEnv(dst, p.a)
	return dst
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
	pi, next            *policy // current-state and next-state passes of one actor
	actorPs             []*nn.Param
	critics, targets    []*offpolicy.Critic // targets only in the twin-Q form
	criticPs, targetPs  []*nn.Param
	vNet, vTarget       *nn.Sequential // only in the value-network form
	vPs, vTgtPs         []*nn.Param
	logAlpha            *nn.Param // 1×1
	actorOpt, criticOpt *optim.Adam
	vOpt, alphaOpt      *optim.Adam
	entropy             float64 // H̄
	batch               *rl.Batch
	dA, dMean, dLogStd  *tensor.Mat // B×D
	dOut                *tensor.Mat // B×2D
	dq, v, dv           *tensor.Mat // B×1
	qMin, y, vTgt, dLp  []float32   // B
	argMin              []int8      // B
	updates             int
}

// stats are the quantities one update reports.
type stats struct {
	qLoss, q1, piLoss, vLoss, alpha, alphaLoss, logp float64
}

func newLearner(cfg Config, ag *Agent, rng *rand.Rand) (*learner, error) {
	d, od := ag.pi.d, ag.obsDim
	l := &learner{cfg: cfg, pi: ag.pi, actorPs: ag.Actor.Params(), entropy: cfg.Entropy(d)}
	l.next = newPolicy(ag.Actor, cfg.bound(), d)
	for k := 0; k < cfg.Critics; k++ {
		c := offpolicy.NewCritic(rng, od, d, cfg.Hidden, cfg.Activation)
		l.critics, l.criticPs = append(l.critics, c), append(l.criticPs, c.Params...)
		if !cfg.ValueNet {
			t := c.Clone()
			l.targets, l.targetPs = append(l.targets, t), append(l.targetPs, t.Params...)
		}
	}
	if cfg.ValueNet {
		l.vNet = nn.NewMLP(rng, append(append([]int{od}, cfg.Hidden...), 1), cfg.Activation, tensor.Identity, nn.InitTorch)
		l.vTarget = nn.Clone(l.vNet).(*nn.Sequential)
		l.vPs, l.vTgtPs = l.vNet.Params(), l.vTarget.Params()
	}
	l.logAlpha = nn.NewParam("log_alpha", 1, 1)
	l.logAlpha.Val.Data[0] = float32(math.Log(cfg.Alpha))
	ac := optim.DefaultAdamConfig()
	ac.LR = cfg.LearningRate
	var err error
	mk := func(ps []*nn.Param) *optim.Adam {
		if err != nil || ps == nil {
			return nil
		}
		var o *optim.Adam
		o, err = optim.NewAdam(ps, ac)
		return o
	}
	l.actorOpt, l.criticOpt, l.vOpt, l.alphaOpt = mk(l.actorPs), mk(l.criticPs), mk(l.vPs), mk([]*nn.Param{l.logAlpha})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pkg, err)
	}
	b := cfg.BatchSize
	l.batch = rl.NewBatch(b, od, d)
	l.dA, l.dMean, l.dLogStd, l.dOut = tensor.New(b, d), tensor.New(b, d), tensor.New(b, d), tensor.New(b, 2*d)
	l.dq, l.v, l.dv = tensor.New(b, 1), tensor.New(b, 1), tensor.New(b, 1)
	l.qMin, l.y, l.vTgt, l.dLp = make([]float32, b), make([]float32, b), make([]float32, b), make([]float32, b)
	l.argMin = make([]int8, b)
	return l, nil
}

// alpha returns the current temperature: exp(log α) when tuned, else the
// fixed Config.Alpha (which may be 0).
func (l *learner) alpha() float64 {
	if !l.cfg.AutoAlpha {
		return l.cfg.Alpha
	}
	return math.Exp(float64(l.logAlpha.Val.Data[0]))
}

// minQ writes min_k Q_k(obs, act) of cs into l.qMin and the arg-min into
// l.argMin.
func (l *learner) minQ(cs []*offpolicy.Critic, obs, act *tensor.Mat) {
	for k, c := range cs {
		q := c.Forward(obs, act)
		for i, v := range q.Data {
			if k == 0 || v < l.qMin[i] {
				l.qMin[i], l.argMin[i] = v, int8(k)
			}
		}
	}
}

// tdTargets writes the critics' targets into l.y: r + γ(1 − terminated)·
// (min_k Q'_k(s', a') − α log π(a'|s')) with a' ~ π(·|s') (twin-Q form), or
// r + γ(1 − terminated)·V̂'(s') (value-network form).
func (l *learner) tdTargets(bt *rl.Batch, alpha float64, rng *rand.Rand) {
	if l.cfg.ValueNet {
		l.vTarget.Forward(l.v, bt.NextObs)
		copy(l.qMin, l.v.Data)
	} else {
		l.next.Forward(bt.NextObs)
		l.next.sample(rng)
		l.minQ(l.targets, bt.NextObs, l.next.a)
		for i, lp := range l.next.logp {
			l.qMin[i] -= float32(alpha * float64(lp))
		}
	}
	for i := range l.y {
		v := float64(bt.Rewards[i])
		if !bt.Terminated[i] {
			v += l.cfg.Gamma * float64(l.qMin[i])
		}
		l.y[i] = float32(v)
	}
}

// criticLossGrad accumulates the gradient of Σ_k (1/B)Σ_i ½(Q_k(s_i, a_i)
// − y_i)² into the critics and returns the loss and the mean Q_1(s, a).
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

// actorLossGrad accumulates into the actor the gradient of
//
//	L_π = (1/B) Σ_i [α log π(a_i|s_i) − min_k Q̂_k(s_i, a_i)],  a_i = tanh(μ + σε_i),
//
// the seed's reparameterised ∇_φ E_ε[Q̂(s, f_φ(s, ε))] with SAC's entropy
// term, for the sample of the last pi.forward/pi.sample, and returns L_π.
// The critics' parameter gradients are not touched; l.qMin keeps
// min_k Q̂_k(s_i, a_i).
func (l *learner) actorLossGrad(obs *tensor.Mat, alpha float64) float64 {
	p := l.pi
	b := obs.Rows
	l.minQ(l.critics, obs, p.a)
	var loss float64
	inv := 1 / float64(b)
	for i, lp := range p.logp {
		loss += alpha*float64(lp) - float64(l.qMin[i])
		l.dLp[i] = float32(alpha * inv)
	}
	for k, c := range l.critics {
		for i := range l.dq.Data {
			l.dq.Data[i] = 0
			if int(l.argMin[i]) == k {
				l.dq.Data[i] = float32(-inv)
			}
		}
		beta := float32(1)
		if k == 0 {
			beta = 0
		}
		c.ActionGrad(l.dA, l.dq, beta)
	}
	p.Backward(l.dA, l.dLp, l.dMean, l.dLogStd, l.dOut)
	return loss * inv
}

// update takes one step of every loss (α, critics, actor, V̂) and the due
// Polyak updates, in Stable-Baselines3's order; α is read once before its
// own step and used for every loss of the update.
func (l *learner) update(buf *rl.ReplayBuffer, rng *rand.Rand) stats {
	var st stats
	bt := buf.Sample(l.batch, rng)
	alpha := l.alpha()
	st.alpha = alpha
	l.tdTargets(bt, alpha, rng)

	// a ~ π(·|s), reparameterised, for the α, actor and V̂ losses.
	l.pi.Forward(bt.Obs)
	l.pi.sample(rng)
	st.logp = tensor.Sum(l.pi.logp) / float64(len(l.pi.logp))
	if l.cfg.AutoAlpha {
		// L_α = −log α·(mean log π + H̄): ∂L_α/∂log α = −(mean log π + H̄).
		g := -(st.logp + l.entropy)
		st.alphaLoss = float64(l.logAlpha.Val.Data[0]) * g
		l.logAlpha.Grad.Data[0] = float32(g)
		l.alphaOpt.Step()
	}

	l.criticOpt.ZeroGrad()
	st.qLoss, st.q1 = l.criticLossGrad(bt)
	l.criticOpt.Step()

	l.actorOpt.ZeroGrad()
	st.piLoss = l.actorLossGrad(bt.Obs, alpha)
	l.actorOpt.Step()

	if l.cfg.ValueNet {
		// V̂(s) toward min_k Q̂_k(s, a) − α log π(a|s), a ~ π(·|s).
		for i, lp := range l.pi.logp {
			l.vTgt[i] = l.qMin[i] - float32(alpha*float64(lp))
		}
		l.vNet.Forward(l.v, bt.Obs)
		st.vLoss = offpolicy.MSEGrad(l.dv, l.v, l.vTgt)
		l.vOpt.ZeroGrad()
		l.vNet.BackwardParams(l.dv)
		l.vOpt.Step()
	}
	l.updates++
	if l.updates%l.cfg.TargetUpdateInterval == 0 {
		if l.cfg.ValueNet {
			optim.Polyak(l.vTgtPs, l.vPs, l.cfg.Tau)
		} else {
			optim.Polyak(l.targetPs, l.criticPs, l.cfg.Tau)
		}
	}
	return st
}

// ErrDiverged reports a non-finite loss.
var ErrDiverged = errors.New("sac: loss is not finite: lower learning_rate or check the rewards")

// logEvery is the period, in environment steps, of the training-loss
// metrics (means over the updates since the last report).
const logEvery = 500

// Train runs soft actor-critic with seed and returns the trained agent. It
// reads top to bottom:
//
//  1. build N environments, the squashed Gaussian actor, Critics critics
//     (with Polyak targets in the twin-Q form, or a value network and its
//     target in the seed's form), Adam optimisers, log α and a replay
//     buffer;
//  2. every vector step: uniform actions before LearningStarts, then
//     a ~ π(·|s); store the transition with the true final observation;
//  3. every TrainFreq vector steps after LearningStarts, GradientSteps
//     updates: α (when AutoAlpha), critics toward their targets, the actor
//     along the reparameterised gradient of α log π − min_k Q̂_k, V̂ (seed's
//     form), then Polyak targets.
//
// It logs charts/episodic_return, charts/episodic_length, charts/sps,
// losses/qf_loss, losses/qf1_values, losses/actor_loss, losses/alpha,
// losses/alpha_loss, losses/entropy (−mean log π), losses/vf_loss (seed's
// form), eval/mean_return and eval/std_return. All randomness comes from
// seed.
func Train(cfg Config, seed uint64, opts rl.TrainOptions) (*Agent, error) {
	a, _, err := train(cfg, seed, opts)
	return a, err
}

// train is Train that also returns the learner.
func train(cfg Config, seed uint64, opts rl.TrainOptions) (*Agent, *learner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	lp, err := offpolicy.NewLoop(pkg, opts, seed)
	if err != nil {
		return nil, nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x5ac))
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
	n, od, ad := cfg.NumEnvs, agent.obsDim, agent.pi.d
	buf := rl.NewReplayBuffer(cfg.BufferSize, n, od, ad)
	obs, envAct := tensor.New(n, od), tensor.New(n, ad)
	act := newPolicy(agent.Actor, cfg.bound(), ad) // acting buffers, separate from the learner's

	vec.Reset(rng)
	step, vecStep, nextLog := 0, 0, logEvery
	var sum stats
	var count int
	for step < cfg.TotalTimesteps {
		if err := lp.Cancelled(); err != nil {
			return agent, ln, err
		}
		copy(obs.Data, vec.Obs)
		if step < cfg.LearningStarts {
			act.a.Resize(n, ad)
			for i := range act.a.Data {
				act.a.Data[i] = float32(2*rng.Float64() - 1)
			}
		} else {
			act.Forward(obs)
			act.sample(rng)
		}
		agent.box.ToEnv(envAct, act.a)
		vec.Step(envAct.Data)
		buf.Add(obs.Data, act.a.Data, vec.Obs, vec.Rewards, vec.Terminated, vec.Truncated, vec.FinalObs)
		step += n
		vecStep++

		if step > cfg.LearningStarts && vecStep%cfg.TrainFreq == 0 {
			for g := 0; g < cfg.GradientSteps; g++ {
				st := ln.update(buf, rng)
				if math.IsNaN(st.qLoss) || math.IsInf(st.qLoss, 0) || math.IsNaN(st.piLoss) {
					return agent, ln, ErrDiverged
				}
				sum.qLoss, sum.q1, sum.piLoss, sum.vLoss = sum.qLoss+st.qLoss, sum.q1+st.q1, sum.piLoss+st.piLoss, sum.vLoss+st.vLoss
				sum.alpha, sum.alphaLoss, sum.logp = sum.alpha+st.alpha, sum.alphaLoss+st.alphaLoss, sum.logp+st.logp
				count++
			}
		}
		if step >= nextLog {
			nextLog += logEvery
			if count > 0 {
				c := float64(count)
				ms := []rl.Metric{{Key: "losses/qf_loss", Value: sum.qLoss / c}, {Key: "losses/qf1_values", Value: sum.q1 / c},
					{Key: "losses/actor_loss", Value: sum.piLoss / c}, {Key: "losses/alpha", Value: sum.alpha / c},
					{Key: "losses/entropy", Value: -sum.logp / c}}
				if cfg.AutoAlpha {
					ms = append(ms, rl.Metric{Key: "losses/alpha_loss", Value: sum.alphaLoss / c})
				}
				if cfg.ValueNet {
					ms = append(ms, rl.Metric{Key: "losses/vf_loss", Value: sum.vLoss / c})
				}
				lp.Emit(step, ms...)
			}
			lp.SPS(step)
			sum, count = stats{}, 0
		}
		if err := lp.EndStep(step, vec, agent); err != nil {
			return agent, ln, err
		}
	}
	return agent, ln, lp.Finish(step, agent)
}
