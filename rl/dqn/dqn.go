package dqn

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

const pkg = "dqn"

// Config holds DQN's hyperparameters. The zero value is not usable: start
// from DefaultConfig or ZooConfig. Step counts are environment steps summed
// over the parallel environments unless a field says otherwise.
type Config struct {
	// TotalTimesteps is the training budget in environment steps (> 0; default
	// 100 000). The ε schedule is a fraction of it.
	TotalTimesteps int `json:"total_timesteps"`
	// NumEnvs is the number N of parallel environments (≥ 1; default 1).
	NumEnvs int `json:"num_envs"`
	// Hidden lists the widths of the Q network's hidden layers (default
	// [256, 256]; empty means a linear Q).
	Hidden []int `json:"hidden"`
	// Activation is the hidden non-linearity (default relu).
	Activation tensor.Act `json:"activation"`
	// LearningRate is Adam's step size η (> 0; default 2.3e-3).
	LearningRate float64 `json:"learning_rate"`
	// BufferSize is the replay capacity in transitions (≥ NumEnvs; default 100 000).
	BufferSize int `json:"buffer_size"`
	// LearningStarts is the number of environment steps of uniformly random
	// actions before the first update (≥ 0; default 1000; 0 learns at once).
	LearningStarts int `json:"learning_starts"`
	// BatchSize is the minibatch size B of every gradient step (≥ 1; default 64).
	BatchSize int `json:"batch_size"`
	// Gamma is the discount γ ∈ [0, 1] (default 0.99).
	Gamma float64 `json:"gamma"`
	// TargetUpdateInterval is the period, in environment steps, of the
	// target network update θ' ← τθ + (1−τ)θ' (≥ 1; default 10). Like
	// Stable-Baselines3 it is applied every max(TargetUpdateInterval/N, 1)
	// vector steps.
	TargetUpdateInterval int `json:"target_update_interval"`
	// Tau is the target update coefficient τ ∈ (0, 1] (default 1: a hard
	// copy).
	Tau float64 `json:"tau"`
	// TrainFreq is the period, in vector steps, of the training phases (≥ 1;
	// default 256).
	TrainFreq int `json:"train_freq"`
	// GradientSteps is the number of gradient steps per training phase (≥ 1;
	// default 128).
	GradientSteps int `json:"gradient_steps"`
	// ExplorationFraction is the fraction of TotalTimesteps over which ε decays
	// linearly from ExplorationInitialEps to ExplorationFinalEps ((0, 1];
	// default 0.16).
	ExplorationFraction float64 `json:"exploration_fraction"`
	// ExplorationInitialEps is ε at step 0 (∈ [0, 1]; default 1).
	ExplorationInitialEps float64 `json:"exploration_initial_eps"`
	// ExplorationFinalEps is ε after the decay (∈ [0, 1]; default 0.04). A
	// stochastic Act also acts ε-greedily with it.
	ExplorationFinalEps float64 `json:"exploration_final_eps"`
	// MaxGradNorm clips the global gradient norm of each step (> 0; default
	// 10; math.Inf(1) disables clipping).
	MaxGradNorm float64 `json:"max_grad_norm"`
	// HuberDelta is the Huber loss threshold δ (≥ 0; default 1, PyTorch's
	// smooth_l1_loss). Zero selects the squared loss ½(Q − y)² of the seed.
	HuberDelta float64 `json:"huber_delta"`
	// DoubleDQN selects the action of the target with the online network
	// (van Hasselt et al. 2016): y = r + γ Q'(s', argmax_a Q(s', a)). False
	// is the max of the target network (default false, as Stable-Baselines3).
	DoubleDQN bool `json:"double_dqn"`
}

// DefaultConfig returns the rl-baselines3-zoo hyperparameters for
// CartPole-v1 (hyperparams/dqn.yml: lr 2.3e-3, batch 64, buffer 1e5,
// learning_starts 1000, γ 0.99, target_update_interval 10, train_freq 256,
// gradient_steps 128, exploration_fraction 0.16, final ε 0.04, net_arch
// [256, 256]) with Stable-Baselines3 2.x's DQN defaults for the rest (τ = 1,
// initial ε = 1, max_grad_norm 10, smooth-L1 loss, ReLU) and a budget of
// 100 000 steps.
func DefaultConfig() Config {
	return Config{
		TotalTimesteps: 100_000, NumEnvs: 1, Hidden: []int{256, 256}, Activation: tensor.ReLU,
		LearningRate: 2.3e-3, BufferSize: 100_000, LearningStarts: 1000, BatchSize: 64, Gamma: 0.99,
		TargetUpdateInterval: 10, Tau: 1, TrainFreq: 256, GradientSteps: 128,
		ExplorationFraction: 0.16, ExplorationInitialEps: 1, ExplorationFinalEps: 0.04,
		MaxGradNorm: 10, HuberDelta: 1,
	}
}

// ZooConfig returns the rl-baselines3-zoo hyperparameters for envID
// (hyperparams/dqn.yml) on top of Stable-Baselines3's defaults, and false
// when the zoo has none for it. The budget is the zoo's n_timesteps.
func ZooConfig(envID string) (Config, bool) {
	c := DefaultConfig()
	switch envID {
	case "CartPole-v1":
		c.TotalTimesteps = 50_000
	case "MountainCar-v0":
		c.TotalTimesteps, c.LearningRate, c.BatchSize, c.BufferSize = 120_000, 4e-3, 128, 10_000
		c.LearningStarts, c.Gamma, c.TargetUpdateInterval = 1000, 0.98, 600
		c.TrainFreq, c.GradientSteps, c.ExplorationFraction, c.ExplorationFinalEps = 16, 8, 0.2, 0.07
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
	case c.BufferSize < c.NumEnvs || c.BufferSize < 1:
		return bad("buffer_size", "≥ num_envs", c.BufferSize)
	case c.LearningStarts < 0:
		return bad("learning_starts", "≥ 0", c.LearningStarts)
	case c.BatchSize < 1:
		return bad("batch_size", "≥ 1", c.BatchSize)
	case !(c.Gamma >= 0 && c.Gamma <= 1):
		return bad("gamma", "γ ∈ [0, 1]", c.Gamma)
	case c.TargetUpdateInterval < 1:
		return bad("target_update_interval", "≥ 1", c.TargetUpdateInterval)
	case !(c.Tau > 0 && c.Tau <= 1):
		return bad("tau", "τ ∈ (0, 1]", c.Tau)
	case c.TrainFreq < 1:
		return bad("train_freq", "≥ 1", c.TrainFreq)
	case c.GradientSteps < 1:
		return bad("gradient_steps", "≥ 1", c.GradientSteps)
	case !(c.ExplorationFraction > 0 && c.ExplorationFraction <= 1):
		return bad("exploration_fraction", "∈ (0, 1]", c.ExplorationFraction)
	case !(c.ExplorationInitialEps >= 0 && c.ExplorationInitialEps <= 1):
		return bad("exploration_initial_eps", "∈ [0, 1]", c.ExplorationInitialEps)
	case !(c.ExplorationFinalEps >= 0 && c.ExplorationFinalEps <= 1):
		return bad("exploration_final_eps", "∈ [0, 1]", c.ExplorationFinalEps)
	case !(c.MaxGradNorm > 0):
		return bad("max_grad_norm", "> 0", c.MaxGradNorm)
	case !(c.HuberDelta >= 0) || math.IsInf(c.HuberDelta, 0):
		return bad("huber_delta", "finite δ ≥ 0", c.HuberDelta)
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

// Epsilon returns the exploration rate ε after step environment steps:
// linear from ExplorationInitialEps at step 0 to ExplorationFinalEps at
// ExplorationFraction·TotalTimesteps, constant afterwards (Stable-Baselines3's
// get_linear_fn on the progress step/TotalTimesteps).
func (c Config) Epsilon(step int) float64 {
	p := float64(step) / float64(c.TotalTimesteps)
	if p >= c.ExplorationFraction {
		return c.ExplorationFinalEps
	}
	return c.ExplorationInitialEps + p/c.ExplorationFraction*(c.ExplorationFinalEps-c.ExplorationInitialEps)
}

// Agent is a trained Q network Q_θ(s, ·) over a Discrete action space. It
// implements rl.Policy (greedy or ε-greedy actions) and rl.Checkpointer
// (tensors "q.0.weight", "q.0.bias", …). An Agent serves one caller at a
// time.
type Agent struct {
	Q        *nn.Sequential // obsDim → Hidden → nActions
	cfg      Config
	obsDim   int
	nActions int
	q        *tensor.Mat // Act's Q-value buffer
}

// NewAgent returns an agent with the network of cfg for the given spaces,
// initialised from a fixed seed (load a checkpoint into it). It returns an
// error if cfg is invalid or the spaces are not a Box of observations and a
// Discrete action space.
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
	d, ok := actSpace.(env.Discrete)
	if !ok {
		return nil, fmt.Errorf("%s: action space %v is not Discrete: use ddpg, td3 or sac for continuous actions", pkg, actSpace)
	}
	sizes := append(append([]int{od}, cfg.Hidden...), d.N)
	q := nn.NewMLP(rng, sizes, cfg.Activation, tensor.Identity, nn.InitTorch)
	nn.UsePacked(nil, q)
	return &Agent{Q: q, cfg: cfg, obsDim: od, nActions: d.N}, nil
}

// Act writes one action index per observation row (n×1) into dst (nil or
// wrongly shaped dst is reallocated): argmax_a Q(s, a) when deterministic,
// otherwise ε-greedy with ε = ExplorationFinalEps drawn from rng. It
// panics if obs does not have the observation width.
func (a *Agent) Act(dst, obs *tensor.Mat, deterministic bool, rng *rand.Rand) *tensor.Mat {
	if obs.Cols != a.obsDim {
		panic(fmt.Sprintf("dqn: Agent.Act: observations have %d columns, want %d", obs.Cols, a.obsDim))
	}
	if a.q == nil {
		a.q = tensor.New(obs.Rows, a.nActions)
	}
	a.q.Resize(obs.Rows, a.nActions)
	a.Q.Forward(a.q, obs)
	if dst == nil || dst.Rows != obs.Rows || dst.Cols != 1 {
		dst = tensor.New(obs.Rows, 1)
	}
	eps := a.cfg.ExplorationFinalEps
	if deterministic {
		eps = 0
	}
	greedy(dst.Data, a.q, eps, rng)
	return dst
}

// greedy writes the ε-greedy action of every row of q into dst; with ε = 0
// rng is not used.
func greedy(dst []float32, q *tensor.Mat, eps float64, rng *rand.Rand) {
	for i := range dst {
		if eps > 0 && rng.Float64() < eps {
			dst[i] = float32(rng.IntN(q.Cols))
			continue
		}
		dst[i] = float32(q.ArgmaxRow(i))
	}
}

// Tensors returns the Q network's parameters as "q.<layer>.weight/bias".
func (a *Agent) Tensors() []nn.NamedTensor { return offpolicy.NamedTensors(nil, "q", a.Q) }

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

// TDLoss returns the Bellman error loss of the seed's DQN objective on a
// batch,
//
//	L = (1/B) Σ_i h_δ(Q(s_i, a_i) − y_i),
//
// with h_δ the Huber function (½x² for |x| ≤ δ, δ(|x| − ½δ) beyond) or ½x²
// when δ = 0, for Q-values q (B×A), action indices actions (B) and targets
// y (B). When grad is non-nil (B×A) it receives ∂L/∂q: clip(Q − y, ±δ)/B in
// the taken action's column and 0 elsewhere. It panics on a shape mismatch.
func TDLoss(grad, q *tensor.Mat, actions []int, y []float32, delta float64) float64 {
	b := q.Rows
	if len(actions) != b || len(y) != b || (grad != nil && !tensor.SameShape(grad, q)) {
		panic(fmt.Sprintf("dqn: TDLoss: q is %d×%d with %d actions and %d targets", q.Rows, q.Cols, len(actions), len(y)))
	}
	if grad != nil {
		grad.Zero()
	}
	var loss float64
	inv := 1 / float64(b)
	for i, ai := range actions {
		x := float64(q.At(i, ai)) - float64(y[i])
		g := x
		switch {
		case delta == 0:
			loss += 0.5 * x * x
		case math.Abs(x) <= delta:
			loss += 0.5 * x * x
		default:
			loss += delta * (math.Abs(x) - 0.5*delta)
			g = math.Copysign(delta, x)
		}
		if grad != nil {
			grad.Set(i, ai, float32(g*inv))
		}
	}
	return loss * inv
}

// TDTargets writes y_i = r_i + γ·(1 − terminated_i)·Q'(s'_i, a*_i) into y
// (length B) for the target network's next-state values qNext (B×A). With
// qOnline = nil, a*_i = argmax_a Q'(s'_i, a) (DQN); otherwise a*_i =
// argmax_a qOnline(s'_i, a) (double DQN). Truncated transitions bootstrap
// like any non-terminal one. It panics on a shape mismatch.
func TDTargets(y []float32, rewards []float32, terminated []bool, qNext, qOnline *tensor.Mat, gamma float64) {
	if len(y) != qNext.Rows || len(rewards) != len(y) || len(terminated) != len(y) || (qOnline != nil && !tensor.SameShape(qOnline, qNext)) {
		panic("dqn: TDTargets: lengths differ from the batch of next-state values")
	}
	for i := range y {
		v := float64(rewards[i])
		if !terminated[i] {
			k := 0
			if qOnline != nil {
				k = qOnline.ArgmaxRow(i)
			} else {
				k = qNext.ArgmaxRow(i)
			}
			v += gamma * float64(qNext.At(i, k))
		}
		y[i] = float32(v)
	}
}

// learner holds the buffers of the update so that it does not allocate.
//
// The target network does not change within a training phase (it is
// synced between environment steps), so train samples the batches of up
// to hoistRows/B consecutive gradient steps at once, in the order the
// steps would draw them, and evaluates the target network once on each
// distinct transition among them (a row drawn twice in a phase is
// evaluated once), in products of up to targetRows rows instead of one
// small product per step. The packed kernels give a row the same result
// whatever the other rows, so each step sees the same values as if it had
// sampled and evaluated its own batch.
type learner struct {
	cfg              Config
	online, target   *nn.Sequential
	params, targetPs []*nn.Param
	opt              *optim.Adam
	stack            *rl.Batch    // the batches of up to chunk steps, stacked
	tail             rl.Batch     // the first GradientSteps mod chunk steps' rows of stack
	qNextTail        *tensor.Mat  // the rows of qNextAll for tail
	steps            []rl.Batch   // views of stack, one batch per step
	qNextAll         *tensor.Mat  // target values of stack.NextObs
	qNexts           []tensor.Mat // views of qNextAll, one per step
	yAll             []float32    // targets of stack (DQN; double DQN fills them per step)
	q, dq, qNxOn     *tensor.Mat
	acts             []int
	chunk            int // steps per stacked batch

	// The distinct transitions of a stacked batch: uniq holds their next
	// observations, qUniq the target's values, row[r] the row of stack
	// row r among them; seen[i] == gen marks buffer row i as gathered,
	// into row at[i].
	uniq, qUniq    *tensor.Mat
	row            []int
	seen, at       []int32
	gen            int32
	pieceX, pieceQ tensor.Mat // headers of the current target product's rows
}

// hoistRows bounds the rows of the stacked batches of train (the zoo's
// CartPole setting, 128 steps of 64, fits in one). targetRows bounds the
// rows of one product of the target network, so that its layers'
// activations stay in a core's cache (512 × 256 values: 512 KiB).
// minTargetRows keeps every product on the packed kernels (nn.Linear takes
// dot products for one or two rows, which round differently).
const (
	hoistRows     = 8192
	targetRows    = 512
	minTargetRows = 4
)

func newLearner(cfg Config, a *Agent) (*learner, error) { return newLearnerRows(cfg, a, hoistRows) }

// newLearnerRows is newLearner with stacked batches of up to rows rows.
func newLearnerRows(cfg Config, a *Agent, rows int) (*learner, error) {
	target := nn.Clone(a.Q).(*nn.Sequential)
	params := a.Q.Params()
	ac := optim.DefaultAdamConfig()
	ac.LR = cfg.LearningRate
	opt, err := optim.NewAdam(params, ac)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pkg, err)
	}
	b, k := cfg.BatchSize, a.nActions
	chunk := max(1, min(cfg.GradientSteps, rows/b))
	stack := rl.NewBatch(chunk*b, a.obsDim, 1)
	l := &learner{
		cfg: cfg, online: a.Q, target: target, params: params, targetPs: target.Params(), opt: opt,
		stack: stack, steps: make([]rl.Batch, chunk), qNextAll: tensor.New(chunk*b, k), qNexts: make([]tensor.Mat, chunk),
		yAll: make([]float32, chunk*b),
		q:    tensor.New(b, k), dq: tensor.New(b, k), qNxOn: tensor.New(b, k),
		acts: make([]int, b), chunk: chunk,
		uniq: tensor.New(chunk*b, a.obsDim), qUniq: tensor.New(chunk*b, k), row: make([]int, chunk*b),
	}
	for i := range chunk {
		l.steps[i] = stack.Slice(i*b, (i+1)*b)
		l.qNexts[i] = *l.qNextAll.RowsView(i*b, (i+1)*b)
	}
	if r := cfg.GradientSteps % chunk; r > 0 {
		l.tail = stack.Slice(0, r*b)
		l.qNextTail = l.qNextAll.RowsView(0, r*b)
	}
	return l, nil
}

// setWorkers turns the packed products (nn.UsePacked) on for the online and
// target networks, with rows split among w (nil: the calling goroutine),
// and splits Adam's steps among w too. The results do not depend on w.
func (l *learner) setWorkers(w *tensor.Workers) {
	nn.UsePacked(w, l.online, l.target)
	l.opt.SetWorkers(w)
}

// train takes a training phase's GradientSteps gradient steps on batches
// sampled from buf, calling step after each with its loss and mean Q(s, a);
// it stops at the first non-finite loss with ErrDiverged. The target
// network must not change during the call.
func (l *learner) train(buf *rl.ReplayBuffer, rng *rand.Rand, step func(loss, meanQ float64)) error {
	b, n := l.cfg.BatchSize, l.cfg.GradientSteps
	for done := 0; done < n; {
		c := min(l.chunk, n-done)
		stack, qNext := l.stack, l.qNextAll
		if c < l.chunk {
			stack, qNext = &l.tail, l.qNextTail
		}
		buf.Sample(stack, rng)
		l.targetValues(buf, stack)
		if !l.cfg.DoubleDQN {
			TDTargets(l.yAll[:c*b], stack.Rewards, stack.Terminated, qNext, nil, l.cfg.Gamma)
		}
		for i := range c {
			loss, q := l.update(&l.steps[i], &l.qNexts[i], l.yAll[i*b:(i+1)*b])
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return ErrDiverged
			}
			step(loss, q)
		}
		done += c
	}
	return nil
}

// targetValues writes the target network's values of bt.NextObs into the
// first bt.Size() rows of qNextAll, evaluating each distinct transition of
// buf once.
func (l *learner) targetValues(buf *rl.ReplayBuffer, bt *rl.Batch) {
	if len(l.seen) < buf.Capacity {
		l.seen, l.at, l.gen = make([]int32, buf.Capacity), make([]int32, buf.Capacity), 0
	}
	if l.gen == math.MaxInt32 {
		clear(l.seen)
		l.gen = 0
	}
	l.gen++
	od, u := bt.NextObs.Cols, 0
	for r, i := range bt.Indices {
		if l.seen[i] != l.gen {
			l.seen[i], l.at[i] = l.gen, int32(u)
			copy(l.uniq.Row(u), bt.NextObs.Row(r))
			u++
		}
		l.row[r] = int(l.at[i])
	}
	// Pad with repeated rows up to minTargetRows (their values are unused).
	for r := 0; u < min(minTargetRows, bt.Size()); r++ {
		copy(l.uniq.Row(u), bt.NextObs.Row(r))
		u++
	}
	k := l.qUniq.Cols
	for lo := 0; lo < u; {
		hi := min(lo+targetRows, u)
		if u-hi < minTargetRows {
			hi = u // a short last piece joins this one
		}
		l.pieceX = tensor.Mat{Rows: hi - lo, Cols: od, Data: l.uniq.Data[lo*od : hi*od]}
		l.pieceQ = tensor.Mat{Rows: hi - lo, Cols: k, Data: l.qUniq.Data[lo*k : hi*k]}
		l.target.Forward(&l.pieceQ, &l.pieceX)
		lo = hi
	}
	for r, j := range l.row[:bt.Size()] {
		copy(l.qNextAll.Row(r), l.qUniq.Row(j))
	}
}

// update takes one gradient step on batch bt with the target network's
// values qNext of bt.NextObs and TD targets y (written here under double
// DQN); it returns the loss and the mean Q(s, a) of the batch.
func (l *learner) update(bt *rl.Batch, qNext *tensor.Mat, y []float32) (loss, meanQ float64) {
	if l.cfg.DoubleDQN {
		qOn := l.online.Forward(l.qNxOn, bt.NextObs)
		TDTargets(y, bt.Rewards, bt.Terminated, qNext, qOn, l.cfg.Gamma)
	}
	for i := range l.acts {
		l.acts[i] = int(bt.Actions.Data[i])
	}
	l.online.Forward(l.q, bt.Obs)
	loss = TDLoss(l.dq, l.q, l.acts, y, l.cfg.HuberDelta)
	for i, ai := range l.acts {
		meanQ += float64(l.q.At(i, ai))
	}
	l.opt.ZeroGrad()
	l.online.BackwardParams(l.dq)
	optim.ClipGradNorm(l.params, l.cfg.MaxGradNorm)
	l.opt.Step()
	return loss, meanQ / float64(len(l.acts))
}

// ErrDiverged reports a non-finite loss.
var ErrDiverged = errors.New("dqn: loss is not finite: lower learning_rate or check the rewards")

// Train runs DQN (Mnih et al. 2015) with seed and returns the trained
// agent. It reads top to bottom:
//
//  1. build N environments and the Q network, its target copy, Adam and
//     a replay buffer;
//  2. every vector step: ε-greedy actions (uniform before LearningStarts),
//     store (s, a, r, s', terminated, truncated) with the true final s';
//  3. every TargetUpdateInterval environment steps: θ' ← τθ + (1−τ)θ';
//  4. every TrainFreq vector steps after LearningStarts: GradientSteps
//     steps on the Huber TD loss with targets r + γ(1 − terminated)·max Q'
//     (double DQN optional), gradient-norm clipping, Adam.
//
// It logs charts/episodic_return, charts/episodic_length, charts/epsilon,
// charts/sps, losses/td_loss, losses/q_values, eval/mean_return and
// eval/std_return. All randomness comes from seed.
func Train(cfg Config, seed uint64, opts rl.TrainOptions) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lp, err := offpolicy.NewLoop(pkg, opts, seed)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0xd9))
	vec, obsSpace, actSpace, err := lp.MakeVec(cfg.NumEnvs)
	if err != nil {
		return nil, err
	}
	defer vec.Close()
	agent, err := newAgent(cfg, obsSpace, actSpace, rng)
	if err != nil {
		return nil, err
	}
	ln, err := newLearner(cfg, agent)
	if err != nil {
		return nil, err
	}
	ln.setWorkers(opts.Workers)
	n, od := cfg.NumEnvs, agent.obsDim
	buf := rl.NewReplayBuffer(cfg.BufferSize, n, od, 1)
	obs := tensor.New(n, od)
	qs := tensor.New(n, agent.nActions)
	actions := make([]float32, n)

	vec.Reset(rng)
	step, vecStep := 0, 0
	var lossSum, qSum float64
	var lossN int
	for step < cfg.TotalTimesteps {
		if err := lp.Cancelled(); err != nil {
			return agent, err
		}
		// Act ε-greedily (uniformly before learning starts).
		copy(obs.Data, vec.Obs)
		eps := cfg.Epsilon(step)
		if step < cfg.LearningStarts {
			for i := range actions {
				actions[i] = float32(rng.IntN(agent.nActions))
			}
		} else {
			agent.Q.Forward(qs, obs)
			greedy(actions, qs, eps, rng)
		}
		vec.Step(actions)
		buf.Add(obs.Data, actions, vec.Obs, vec.Rewards, vec.Terminated, vec.Truncated, vec.FinalObs)
		step += n
		vecStep++

		if vecStep%max(cfg.TargetUpdateInterval/n, 1) == 0 {
			optim.Polyak(ln.targetPs, ln.params, cfg.Tau)
		}
		if step > cfg.LearningStarts && vecStep%cfg.TrainFreq == 0 {
			err := ln.train(buf, rng, func(loss, q float64) {
				lossSum += loss
				qSum += q
				lossN++
			})
			if err != nil {
				return agent, err
			}
			lp.Emit(step, rl.Metric{Key: "losses/td_loss", Value: lossSum / float64(lossN)},
				rl.Metric{Key: "losses/q_values", Value: qSum / float64(lossN)},
				rl.Metric{Key: "charts/epsilon", Value: eps})
			lp.SPS(step)
			lossSum, qSum, lossN = 0, 0, 0
		}
		if err := lp.EndStep(step, vec, agent); err != nil {
			return agent, err
		}
	}
	return agent, lp.Finish(step, agent)
}
