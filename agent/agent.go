package agent

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vfe-go/vfe/dist"
	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/wrap"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/tensor"
)

// Agent is the variational perception–action agent: a predictive-coding
// world model that infers z_t from (z_{t−1}, a_{t−1}, x_t), a policy
// π_φ(a|z) and twin critics Q̂(z, a) on the inferred state. It implements
// rl.Policy (with per-row filtering memory, reset by Reset) and
// rl.Checkpointer.
type Agent struct {
	Cfg      Config
	World    *World
	Actor    *nn.Sequential // z → logits (Discrete) or [mean, raw log-std] (Box)
	Q1, Q2   *nn.Sequential // Discrete: z → Q(z, ·); Box: [z, a] → Q(z, a)
	Q1t, Q2t *nn.Sequential // target critics
	// V is the state-value critic V̂(z) of the policy-gradient estimator
	// (nil with the amortised one, which uses Q1, Q2, Q1t, Q2t instead).
	V     *nn.Sequential
	Recog *nn.Sequential // amortised recognition [x, z_{t−1}, a_{t−1}] → z_t (nil unless Amortised)
	// RewardNet and TermNet predict r and the logit of termination from
	// [policy input, encoded action] for imagined rollouts (nil unless
	// Cfg.ImagineHorizon > 0).
	RewardNet, TermNet *nn.Sequential

	discrete     bool
	pg           bool // the value term's gradient is the policy-gradient estimator
	nAct         int  // K (Discrete) or action dimension (Box)
	actIn        int  // width of the action input to the world model
	scale, bias  []float32
	bound        dist.LogStdBound
	obsDim, sDim int
	polIn        int // width of the policy and critic input: sDim, plus obsDim with Cfg.PolicyObs

	// pnorm standardises the policy input with running statistics
	// (Cfg.PolicyNorm); training makes Act update them.
	pnorm    *wrap.RunningStats
	training bool

	// acting memory (rows of the last Act batch)
	act   *actState
	named []nn.NamedParam
}

// actState is the per-row filtering memory used by Act.
type actState struct {
	f      *Filter
	prevS  *tensor.Mat
	prevA  *tensor.Mat
	s      *tensor.Mat
	pin    *tensor.Mat // the policy input [x_t, z_t] (or z_t)
	logits *tensor.Mat
	u      *tensor.Mat
	idx    []int
	recIn  *tensor.Mat
	recOut *tensor.Mat
	sm     *smoother // with Cfg.Smooth > 0
}

// NewAgent builds an untrained agent for the given observation space (a Box)
// and action space (Discrete or Box).
func NewAgent(cfg Config, obs, act env.Space) (*Agent, error) {
	return newAgent(cfg, obs, act, rand.New(rand.NewPCG(0, 0x7a)))
}

func newAgent(cfg Config, obs, act env.Space, rng *rand.Rand) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &Agent{Cfg: cfg, obsDim: obs.Dim(), bound: dist.DefaultLogStdBound()}
	switch sp := act.(type) {
	case env.Discrete:
		a.discrete, a.nAct, a.actIn = true, sp.N, sp.N
	case *env.Box:
		a.nAct, a.actIn = sp.Dim(), sp.Dim()
		a.scale = make([]float32, sp.Dim())
		a.bias = make([]float32, sp.Dim())
		for i := range a.scale {
			lo, hi := sp.Low[i], sp.High[i]
			if math.IsInf(float64(lo), 0) || math.IsInf(float64(hi), 0) {
				return nil, fmt.Errorf("agent: unbounded action dimension %d", i)
			}
			a.scale[i], a.bias[i] = (hi-lo)/2, (hi+lo)/2
		}
	default:
		return nil, fmt.Errorf("agent: unsupported action space %v", act)
	}
	w, err := NewWorld(cfg.World, a.obsDim, a.actIn, rng)
	if err != nil {
		return nil, err
	}
	a.World = w
	a.sDim = w.StateDim()
	a.polIn = a.sDim
	if cfg.PolicyObs {
		a.polIn += a.obsDim
	}
	if cfg.PolicyNorm {
		a.pnorm = wrap.NewRunningStats(a.polIn)
	}
	mlp := func(in, out int, init nn.Init) *nn.Sequential {
		sizes := append(append([]int{in}, cfg.Hidden...), out)
		return nn.NewMLP(rng, sizes, cfg.Activation, tensor.Identity, init)
	}
	switch cfg.ValueGrad {
	case ValueGradPolicy:
		a.pg = true
	case "":
		a.pg = a.discrete
	}
	if a.pg {
		if cfg.ImagineHorizon > 0 {
			return nil, fmt.Errorf("agent: imagine_horizon > 0 needs value_grad = %q (imagined rollouts train the Q critics)", ValueGradAmortised)
		}
		if !a.discrete {
			return nil, fmt.Errorf("agent: value_grad = %q supports Discrete action spaces only; use %q for %v", ValueGradPolicy, ValueGradAmortised, act)
		}
		if err := cfg.PG.Validate(); err != nil {
			return nil, err
		}
		// PPO's initialisation (SB3's ortho_init): orthogonal hidden
		// weights with gain √2, policy head 0.01, value head 1, zero biases.
		a.Actor = mlp(a.polIn, a.nAct, nn.InitTorch)
		a.V = mlp(a.polIn, 1, nn.InitTorch)
		nn.OrthoInit(rng, a.Actor, 0.01)
		nn.OrthoInit(rng, a.V, 1)
		a.named = append(a.named, w.Params()...)
		a.named = append(a.named, nn.NamedParams("actor", a.Actor)...)
		a.named = append(a.named, nn.NamedParams("v", a.V)...)
		if cfg.Amortised {
			a.Recog = mlp(a.obsDim+a.sDim+a.actIn, a.sDim, nn.InitTorch)
			a.named = append(a.named, nn.NamedParams("recognition", a.Recog)...)
		}
		return a, nil
	}
	if a.discrete {
		a.Actor = mlp(a.polIn, a.nAct, nn.InitTorch)
		a.Q1, a.Q2 = mlp(a.polIn, a.nAct, nn.InitTorch), mlp(a.polIn, a.nAct, nn.InitTorch)
	} else {
		a.Actor = mlp(a.polIn, 2*a.nAct, nn.InitTorch)
		a.Q1, a.Q2 = mlp(a.polIn+a.nAct, 1, nn.InitTorch), mlp(a.polIn+a.nAct, 1, nn.InitTorch)
	}
	a.Q1t, a.Q2t = nn.Clone(a.Q1).(*nn.Sequential), nn.Clone(a.Q2).(*nn.Sequential)
	if cfg.ImagineHorizon > 0 {
		a.RewardNet = mlp(a.polIn+a.actIn, 1, nn.InitTorch)
		a.TermNet = mlp(a.polIn+a.actIn, 1, nn.InitTorch)
	}
	a.named = append(a.named, w.Params()...)
	a.named = append(a.named, nn.NamedParams("actor", a.Actor)...)
	a.named = append(a.named, nn.NamedParams("q1", a.Q1)...)
	a.named = append(a.named, nn.NamedParams("q2", a.Q2)...)
	if a.RewardNet != nil {
		a.named = append(a.named, nn.NamedParams("reward", a.RewardNet)...)
		a.named = append(a.named, nn.NamedParams("termination", a.TermNet)...)
	}
	if cfg.Amortised {
		a.Recog = mlp(a.obsDim+a.sDim+a.actIn, a.sDim, nn.InitTorch)
		a.named = append(a.named, nn.NamedParams("recognition", a.Recog)...)
	}
	return a, nil
}

// Discrete reports whether the action space is discrete.
func (a *Agent) Discrete() bool { return a.discrete }

// encodeAction writes the world-model input encoding of an env action row
// (one-hot for Discrete) into dst.
func (a *Agent) encodeAction(dst, action []float32) {
	if a.discrete {
		clear(dst)
		dst[int(action[0])] = 1
		return
	}
	copy(dst, action)
}

// Tensors implements rl.Checkpointer: every network's weights.
func (a *Agent) Tensors() []nn.NamedTensor {
	out := make([]nn.NamedTensor, len(a.named))
	for i, np := range a.named {
		out[i] = nn.NamedTensor{Name: np.Name, Val: np.Param.Val}
	}
	if a.pnorm != nil {
		mean, vr := tensor.New(1, a.polIn), tensor.New(1, a.polIn)
		for i := range a.pnorm.Mean {
			mean.Data[i], vr.Data[i] = float32(a.pnorm.Mean[i]), float32(a.pnorm.Var[i])
		}
		out = append(out, nn.NamedTensor{Name: "policy_norm.mean", Val: mean}, nn.NamedTensor{Name: "policy_norm.var", Val: vr},
			nn.NamedTensor{Name: "policy_norm.count", Val: tensor.FromSlice(1, 1, []float32{float32(a.pnorm.Count)})})
	}
	return out
}

// Load implements rl.Checkpointer.
func (a *Agent) Load(ts []nn.NamedTensor) error {
	by := make(map[string]*tensor.Mat, len(ts))
	for _, t := range ts {
		by[t.Name] = t.Val
	}
	for _, np := range a.named {
		m, ok := by[np.Name]
		if !ok {
			return fmt.Errorf("agent: checkpoint lacks %q", np.Name)
		}
		if !tensor.SameShape(m, np.Param.Val) {
			return fmt.Errorf("agent: checkpoint tensor %q is %d×%d, want %d×%d", np.Name, m.Rows, m.Cols, np.Param.Val.Rows, np.Param.Val.Cols)
		}
		np.Param.Val.CopyFrom(m)
	}
	if a.pnorm != nil {
		mean, vr, cnt := by["policy_norm.mean"], by["policy_norm.var"], by["policy_norm.count"]
		if mean == nil || vr == nil || cnt == nil || len(mean.Data) != a.polIn || len(vr.Data) != a.polIn || len(cnt.Data) != 1 {
			return fmt.Errorf("agent: checkpoint lacks the policy-input statistics policy_norm.{mean,var,count} of width %d", a.polIn)
		}
		for i := range a.pnorm.Mean {
			if v := vr.Data[i]; !(v >= 0) || math.IsInf(float64(v), 0) || math.IsNaN(float64(mean.Data[i])) {
				return fmt.Errorf("agent: checkpoint's policy_norm dimension %d has mean %v, variance %v", i, mean.Data[i], v)
			}
			a.pnorm.Mean[i], a.pnorm.Var[i] = float64(mean.Data[i]), float64(vr.Data[i])
		}
		a.pnorm.Count = float64(cnt.Data[0])
	}
	if a.Q1t != nil {
		nn.CopyParams(a.Q1t.Params(), a.Q1.Params())
		nn.CopyParams(a.Q2t.Params(), a.Q2.Params())
	}
	return nil
}

// ensureAct sizes the acting memory for b rows, zeroing it when it changes.
func (a *Agent) ensureAct(b int) *actState {
	if a.act != nil && a.act.f.B == b {
		return a.act
	}
	st := &actState{
		f:      a.World.NewFilter(b),
		prevS:  tensor.New(b, a.sDim),
		prevA:  tensor.New(b, a.actIn),
		s:      tensor.New(b, a.sDim),
		pin:    tensor.New(b, a.polIn),
		logits: tensor.New(b, a.Actor.OutDim()),
		u:      tensor.New(b, max(a.nAct, 1)),
		idx:    make([]int, b),
	}
	if a.Recog != nil {
		st.recIn = tensor.New(b, a.obsDim+a.sDim+a.actIn)
		st.recOut = tensor.New(b, a.sDim)
	}
	if a.Cfg.Smooth > 0 {
		st.sm = newSmoother(a.World, a.Cfg.Smooth, b)
	}
	a.act = st
	return st
}

// Reset clears the filtering memory of row i (a new episode starts there):
// z_{t−1} = 0 and a_{t−1} = 0, the seed's p(s_1 | s_0, a_0) ≡ p(s_1).
func (a *Agent) Reset(row int) {
	if a.act == nil || row >= a.act.f.B {
		return
	}
	clear(a.act.prevS.Row(row))
	clear(a.act.prevA.Row(row))
	if a.act.sm != nil {
		a.act.sm.reset(row)
	}
}

// perceive infers z_t for the rows of obs given the acting memory and
// returns the filter's inference statistics.
func (a *Agent) perceive(st *actState, obs *tensor.Mat) (int, error) {
	f := st.f
	if st.sm != nil {
		T := actT(a.Cfg)
		err := st.sm.infer(st.s, obs, T, a.Cfg.World.Eta)
		// The filter reports the current step's energies and divergence.
		last := st.sm.fs[st.sm.S]
		copy(f.nodeE, last.nodeE)
		f.lastF = last.lastF
		return T, err
	}
	f.X.CopyFrom(obs)
	f.SetPrev(st.prevS)
	f.A.CopyFrom(st.prevA)
	keep := false
	if a.Recog != nil {
		a.recognise(st.recIn, st.recOut, f, obs, st.prevS, st.prevA)
		keep = true
	}
	f.Init(keep)
	n, err := f.Infer(actT(a.Cfg), a.Cfg.World.Eta)
	f.State(st.s)
	return n, err
}

// recognise writes the amortised initial latents into f.Z (in and out are
// B×(obsDim+sDim+actIn) and B×sDim scratch).
func (a *Agent) recognise(in, out *tensor.Mat, f *Filter, obs, prevS, prevA *tensor.Mat) {
	od, sd := a.obsDim, a.sDim
	for b := 0; b < obs.Rows; b++ {
		row := in.Row(b)
		copy(row[:od], obs.Row(b))
		copy(row[od:od+sd], prevS.Row(b))
		copy(row[od+sd:], prevA.Row(b))
	}
	a.Recog.Forward(out, in)
	w := a.World
	for b := 0; b < obs.Rows; b++ {
		off := 0
		for n := 1; n <= w.N(); n++ {
			d := w.dims[n]
			copy(f.Z[n].Data[b*d:(b+1)*d], out.Data[b*sd+off:b*sd+off+d])
			off += d
		}
	}
}

// Act implements rl.Policy: it infers z_t for each row of obs (using that
// row's z_{t−1}, a_{t−1}), then samples a_t ~ π_φ(·|z_t) (or takes the mode
// when deterministic) and remembers (z_t, a_t) for the row's next call.
// Call Reset(row) when a row's episode restarts. dst is B×ActDim (one
// column holding the index for Discrete).
func (a *Agent) Act(dst, obs *tensor.Mat, deterministic bool, rng *rand.Rand) *tensor.Mat {
	st := a.ensureAct(obs.Rows)
	if _, err := a.perceive(st, obs); err != nil {
		// Keep acting on the last finite state rather than on NaN.
		st.s.CopyFrom(st.prevS)
	}
	cols := 1
	if !a.discrete {
		cols = a.nAct
	}
	if dst == nil || dst.Rows != obs.Rows || dst.Cols != cols {
		dst = tensor.New(obs.Rows, cols)
	}
	a.rawPolicyInput(st.pin, obs, st.s)
	if a.pnorm != nil && a.training {
		for b := 0; b < st.pin.Rows; b++ {
			a.updateNorm(st.pin.Row(b))
		}
	}
	a.normalizeInput(st.pin)
	a.Actor.Forward(st.logits, st.pin)
	a.selectActions(dst, st, deterministic, rng)
	st.prevS.CopyFrom(st.s)
	for b := 0; b < obs.Rows; b++ {
		a.encodeAction(st.prevA.Row(b), dst.Row(b))
	}
	if st.sm != nil {
		st.sm.push(obs, st.prevA, st.s)
	}
	return dst
}

// policyInput writes what the policy and critics read for each row: the
// clamped observation node and the inferred latents [x_t, z_t] with
// Cfg.PolicyObs, z_t alone otherwise.
func (a *Agent) policyInput(dst, obs, s *tensor.Mat) {
	a.rawPolicyInput(dst, obs, s)
	a.normalizeInput(dst)
}

// normalizeInput standardises policy inputs in place with the running
// statistics, (v − μ)/√(σ² + 1e-8) clipped to ±10 (Stable-Baselines3's
// VecNormalize), when Cfg.PolicyNorm is set.
func (a *Agent) normalizeInput(m *tensor.Mat) {
	if a.pnorm == nil {
		return
	}
	for b := 0; b < m.Rows; b++ {
		r := m.Row(b)
		for i, v := range r {
			z := (float64(v) - a.pnorm.Mean[i]) / math.Sqrt(a.pnorm.Var[i]+1e-8)
			r[i] = float32(min(max(z, -10), 10))
		}
	}
}

// updateNorm merges one raw policy input into the running statistics: all
// samples alike (Chan et al.'s formula, wrap.RunningStats) or, with
// Cfg.PolicyNormWindow = W > 0, exponentially weighted with α = 1/W:
// δ = x − μ, μ ← μ + αδ, σ² ← (1 − α)(σ² + αδ²).
func (a *Agent) updateNorm(x []float32) {
	w := a.Cfg.PolicyNormWindow
	if w <= 0 {
		a.pnorm.Update(x)
		return
	}
	al := 1 / float64(w)
	for i, v := range x {
		d := float64(v) - a.pnorm.Mean[i]
		a.pnorm.Mean[i] += al * d
		a.pnorm.Var[i] = (1 - al) * (a.pnorm.Var[i] + al*d*d)
	}
	a.pnorm.Count++
}

// rawPolicyInput is policyInput before normalisation.
func (a *Agent) rawPolicyInput(dst, obs, s *tensor.Mat) {
	if !a.Cfg.PolicyObs {
		dst.CopyFrom(s)
		return
	}
	od := a.obsDim
	for b := 0; b < s.Rows; b++ {
		r := dst.Row(b)
		copy(r[:od], obs.Row(b))
		copy(r[od:], s.Row(b))
	}
}

func (a *Agent) selectActions(dst *tensor.Mat, st *actState, deterministic bool, rng *rand.Rand) {
	if a.discrete {
		c := dist.NewCategorical(st.logits)
		if deterministic {
			c.Mode(st.idx)
		} else {
			c.Sample(st.idx, rng)
		}
		for b, k := range st.idx {
			dst.Data[b] = float32(k)
		}
		return
	}
	mean, logStd := a.split(st.logits, nil, nil)
	tg := dist.NewTanhGaussian(mean, logStd, a.scale, a.bias)
	if deterministic {
		tg.Mode(dst)
		return
	}
	tg.Sample(dst, st.u, rng)
}

// split views the actor output [mean | raw log-std] as mean and bounded
// log-std matrices (copies into the given buffers, nil allocates).
func (a *Agent) split(out, mean, logStd *tensor.Mat) (*tensor.Mat, *tensor.Mat) {
	d := a.nAct
	if mean == nil {
		mean = tensor.New(out.Rows, d)
	}
	if logStd == nil {
		logStd = tensor.New(out.Rows, d)
	}
	mean.Resize(out.Rows, d)
	logStd.Resize(out.Rows, d)
	for b := 0; b < out.Rows; b++ {
		r := out.Row(b)
		copy(mean.Row(b), r[:d])
		copy(logStd.Row(b), r[d:])
	}
	a.bound.Apply(logStd, logStd)
	return mean, logStd
}

var errNoEnv = errors.New("agent: TrainOptions.MakeEnv is required")
