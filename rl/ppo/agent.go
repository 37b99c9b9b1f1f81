package ppo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vfe-go/vfe/dist"
	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/tensor"
)

// Agent is a PPO actor-critic: an actor MLP giving logits (Discrete
// actions) or Gaussian means (Box actions) with a state-independent log σ,
// a separate critic MLP giving V(s), and optional running observation
// statistics. It implements rl.Policy and rl.Checkpointer. An Agent is not
// safe for concurrent use.
type Agent struct {
	// Actor maps obsDim → logits (K) or means (D).
	Actor *nn.Sequential
	// Critic maps obsDim → 1.
	Critic *nn.Sequential
	// LogStd is the 1×D log σ of the Gaussian policy; nil for Discrete.
	LogStd *nn.Param

	discrete  bool
	obsDim    int
	outDim    int       // K or D
	low, high []float32 // Box action bounds (actions are clipped to them)
	norm      *obsNorm  // nil unless Config.NormalizeObs

	xn, out *tensor.Mat
	idx     []int
}

var (
	_ rl.Policy       = (*Agent)(nil)
	_ rl.Checkpointer = (*Agent)(nil)
)

// NewAgent builds an untrained agent for cfg and the spaces, with weights
// drawn from a generator seeded by 0 (Train draws its own); load trained
// weights with Load. obs must be a Box; act a Discrete or a Box with finite
// bounds.
func NewAgent(cfg Config, obs, act env.Space) (*Agent, error) {
	return newAgent(cfg, obs, act, rand.New(rand.NewPCG(0, 0)))
}

func newAgent(cfg Config, obs, act env.Space, rng *rand.Rand) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if _, ok := obs.(*env.Box); !ok {
		return nil, fmt.Errorf("ppo: observation space %v is not a Box", obs)
	}
	a := &Agent{obsDim: obs.Dim(), xn: &tensor.Mat{}, out: &tensor.Mat{}}
	switch s := act.(type) {
	case env.Discrete:
		a.discrete, a.outDim = true, s.N
	case *env.Discrete:
		a.discrete, a.outDim = true, s.N
	case *env.Box:
		a.outDim = s.Dim()
		a.low, a.high = append([]float32(nil), s.Low...), append([]float32(nil), s.High...)
	default:
		return nil, fmt.Errorf("ppo: action space %v is neither Discrete nor Box", act)
	}
	if a.outDim < 1 {
		return nil, errors.New("ppo: empty action space")
	}
	sizes := func(out int) []int {
		s := append([]int{a.obsDim}, cfg.Hidden...)
		return append(s, out)
	}
	a.Actor = nn.NewMLP(rng, sizes(a.outDim), cfg.Activation, tensor.Identity, nn.InitTorch)
	a.Critic = nn.NewMLP(rng, sizes(1), cfg.Activation, tensor.Identity, nn.InitTorch)
	if cfg.OrthoInit {
		nn.OrthoInit(rng, a.Actor, 0.01)
		nn.OrthoInit(rng, a.Critic, 1)
	}
	// Packed products on the calling goroutine: given two threads, training
	// runs the critic's passes on a goroutine of their own beside the
	// actor's (scratch.startCritic), so row workers would only contend.
	nn.UsePacked(nil, a.Actor, a.Critic)
	if !a.discrete {
		a.LogStd = nn.NewParam("log_std", 1, a.outDim)
		a.LogStd.Val.Fill(float32(cfg.LogStdInit))
	}
	if cfg.NormalizeObs {
		a.norm = newObsNorm(a.obsDim)
	}
	return a, nil
}

// Discrete reports whether the agent acts in a Discrete space.
func (a *Agent) Discrete() bool { return a.discrete }

// Params returns every trainable parameter: actor, critic, then log σ.
func (a *Agent) Params() []*nn.Param {
	ps := append(append([]*nn.Param{}, a.Actor.Params()...), a.Critic.Params()...)
	if a.LogStd != nil {
		ps = append(ps, a.LogStd)
	}
	return ps
}

// normalize returns obs standardised with the running statistics (obs
// itself when there are none), in a buffer reused by the next call.
func (a *Agent) normalize(dst, obs *tensor.Mat) *tensor.Mat {
	if a.norm == nil {
		return obs
	}
	return a.norm.apply(dst, obs)
}

// Act maps observations (n×obsDim) to actions (n×1 class indices for a
// Discrete space, n×D values clipped to the Box bounds): the mode or mean
// when deterministic, else a sample drawn with rng. dst is reused when
// non-nil. It panics if obs has the wrong width or rng is nil when sampling.
func (a *Agent) Act(dst, obs *tensor.Mat, deterministic bool, rng *rand.Rand) *tensor.Mat {
	if obs.Cols != a.obsDim {
		panic(fmt.Sprintf("ppo: Act got %d observation columns, want %d", obs.Cols, a.obsDim))
	}
	x := a.normalize(a.xn, obs)
	a.out = forward(a.Actor, a.out, x, a.outDim)
	n := obs.Rows
	if a.discrete {
		if dst == nil {
			dst = tensor.New(n, 1)
		}
		dst.Resize(n, 1)
		if cap(a.idx) < n {
			a.idx = make([]int, n)
		}
		a.idx = a.idx[:n]
		c := dist.NewCategorical(a.out)
		if deterministic {
			c.Mode(a.idx)
		} else {
			c.Sample(a.idx, rng)
		}
		for i, k := range a.idx {
			dst.Data[i] = float32(k)
		}
		return dst
	}
	if dst == nil {
		dst = tensor.New(n, a.outDim)
	}
	dst.Resize(n, a.outDim)
	if deterministic {
		copy(dst.Data, a.out.Data)
	} else {
		dist.NewDiagGaussian(a.out, a.LogStd.Val).Sample(dst, rng)
	}
	a.clip(dst)
	return dst
}

// clip clamps Box actions to the bounds, as SB3 does before env.step.
func (a *Agent) clip(m *tensor.Mat) {
	d := a.outDim
	for i, v := range m.Data {
		lo, hi := a.low[i%d], a.high[i%d]
		m.Data[i] = min(max(v, lo), hi)
	}
}

// Tensors returns the weights under stable names: "actor.<i>.weight",
// "critic.<i>.bias", "log_std" and, with observation normalisation,
// "obs_rms.mean", "obs_rms.var" and "obs_rms.count" (1×obsDim, 1×obsDim,
// 1×1).
func (a *Agent) Tensors() []nn.NamedTensor {
	var ts []nn.NamedTensor
	for _, np := range nn.NamedParams("actor", a.Actor) {
		ts = append(ts, nn.NamedTensor{Name: np.Name, Val: np.Param.Val})
	}
	for _, np := range nn.NamedParams("critic", a.Critic) {
		ts = append(ts, nn.NamedTensor{Name: np.Name, Val: np.Param.Val})
	}
	if a.LogStd != nil {
		ts = append(ts, nn.NamedTensor{Name: "log_std", Val: a.LogStd.Val})
	}
	if a.norm != nil {
		ts = append(ts, a.norm.tensors()...)
	}
	return ts
}

// Load copies the tensors named as by Tensors into the agent. It returns an
// error, leaving the agent unchanged, if one is missing or has the wrong
// shape.
func (a *Agent) Load(ts []nn.NamedTensor) error {
	byName := make(map[string]*tensor.Mat, len(ts))
	for _, t := range ts {
		byName[t.Name] = t.Val
	}
	own := a.Tensors()
	for _, t := range own {
		src, ok := byName[t.Name]
		if !ok {
			return fmt.Errorf("ppo: checkpoint lacks tensor %q; was it written by a PPO agent with the same config?", t.Name)
		}
		if src.Rows*src.Cols != t.Val.Rows*t.Val.Cols {
			return fmt.Errorf("ppo: checkpoint tensor %q is %d×%d, want %d×%d", t.Name, src.Rows, src.Cols, t.Val.Rows, t.Val.Cols)
		}
	}
	for _, t := range own {
		copy(t.Val.Data, byName[t.Name].Data)
	}
	if a.norm != nil {
		a.norm.fromTensors()
	}
	return nil
}

// obsNorm holds running observation statistics with Stable-Baselines3's
// RunningMeanStd update (parallel Welford merge of batch moments; initial
// count 1e-4) and VecNormalize's transform clip((x − μ)/√(σ² + 1e-8), ±10).
type obsNorm struct {
	mean, vr, bm, bv []float64
	count            float64
	// float32 views for checkpoints, refreshed by tensors().
	tMean, tVar, tCount *tensor.Mat
}

const (
	normClip  = 10
	normEps   = 1e-8
	normCount = 1e-4
)

func newObsNorm(d int) *obsNorm {
	n := &obsNorm{mean: make([]float64, d), vr: make([]float64, d), bm: make([]float64, d), bv: make([]float64, d),
		count: normCount, tMean: tensor.New(1, d), tVar: tensor.New(1, d), tCount: tensor.New(1, 1)}
	for i := range n.vr {
		n.vr[i] = 1
	}
	return n
}

// update merges the rows of x into the statistics.
func (n *obsNorm) update(x *tensor.Mat) {
	d, b := x.Cols, float64(x.Rows)
	if x.Rows == 0 {
		return
	}
	clear(n.bm)
	clear(n.bv)
	for i := range x.Rows {
		for j, v := range x.Row(i) {
			n.bm[j] += float64(v)
		}
	}
	for j := range d {
		n.bm[j] /= b
	}
	for i := range x.Rows {
		for j, v := range x.Row(i) {
			e := float64(v) - n.bm[j]
			n.bv[j] += e * e
		}
	}
	tot := n.count + b
	for j := range d {
		bv := n.bv[j] / b
		delta := n.bm[j] - n.mean[j]
		m2 := n.vr[j]*n.count + bv*b + delta*delta*n.count*b/tot
		n.mean[j] += delta * b / tot
		n.vr[j] = m2 / tot
	}
	n.count = tot
}

// apply writes the normalised x into dst (resized) and returns it.
func (n *obsNorm) apply(dst, x *tensor.Mat) *tensor.Mat {
	if dst == nil {
		dst = &tensor.Mat{}
	}
	dst.Resize(x.Rows, x.Cols)
	d := x.Cols
	for i, v := range x.Data {
		j := i % d
		z := (float64(v) - n.mean[j]) / math.Sqrt(n.vr[j]+normEps)
		dst.Data[i] = float32(min(max(z, -normClip), normClip))
	}
	return dst
}

func (n *obsNorm) tensors() []nn.NamedTensor {
	for j := range n.mean {
		n.tMean.Data[j], n.tVar.Data[j] = float32(n.mean[j]), float32(n.vr[j])
	}
	n.tCount.Data[0] = float32(n.count)
	return []nn.NamedTensor{{Name: "obs_rms.mean", Val: n.tMean}, {Name: "obs_rms.var", Val: n.tVar}, {Name: "obs_rms.count", Val: n.tCount}}
}

func (n *obsNorm) fromTensors() {
	for j := range n.mean {
		n.mean[j], n.vr[j] = float64(n.tMean.Data[j]), float64(n.tVar.Data[j])
	}
	n.count = float64(n.tCount.Data[0])
}

// forward runs net on x into dst, resized to x.Rows×out (allocated when
// nil), and returns it.
func forward(net *nn.Sequential, dst, x *tensor.Mat, out int) *tensor.Mat {
	if dst == nil {
		dst = &tensor.Mat{}
	}
	dst.Resize(x.Rows, out)
	return net.Forward(dst, x)
}
