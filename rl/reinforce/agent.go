package reinforce

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/vfe-go/vfe/dist"
	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/tensor"
)

// Agent is a REINFORCE policy: an MLP giving logits (Discrete actions) or
// Gaussian means with a state-independent log σ (Box actions), and, with a
// baseline, a value MLP V̂(s). It implements rl.Policy and rl.Checkpointer.
// An Agent is not safe for concurrent use.
type Agent struct {
	// Actor maps obsDim → logits (K) or means (D).
	Actor *nn.Sequential
	// Critic maps obsDim → 1; nil without a baseline.
	Critic *nn.Sequential
	// LogStd is the 1×D log σ of the Gaussian policy; nil for Discrete.
	LogStd *nn.Param

	discrete  bool
	obsDim    int
	outDim    int
	low, high []float32

	out *tensor.Mat
	idx []int
}

var (
	_ rl.Policy       = (*Agent)(nil)
	_ rl.Checkpointer = (*Agent)(nil)
)

// NewAgent builds an untrained agent for cfg and the spaces (weights drawn
// from a generator seeded by 0), ready to Load a checkpoint. obs must be a
// Box; act a Discrete or a Box.
func NewAgent(cfg Config, obs, act env.Space) (*Agent, error) {
	return newAgent(cfg, obs, act, rand.New(rand.NewPCG(0, 0)))
}

func newAgent(cfg Config, obs, act env.Space, rng *rand.Rand) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if _, ok := obs.(*env.Box); !ok {
		return nil, fmt.Errorf("reinforce: observation space %v is not a Box", obs)
	}
	a := &Agent{obsDim: obs.Dim(), out: &tensor.Mat{}}
	switch s := act.(type) {
	case env.Discrete:
		a.discrete, a.outDim = true, s.N
	case *env.Discrete:
		a.discrete, a.outDim = true, s.N
	case *env.Box:
		a.outDim = s.Dim()
		a.low, a.high = append([]float32(nil), s.Low...), append([]float32(nil), s.High...)
	default:
		return nil, fmt.Errorf("reinforce: action space %v is neither Discrete nor Box", act)
	}
	if a.outDim < 1 {
		return nil, errors.New("reinforce: empty action space")
	}
	sizes := func(out int) []int { return append(append([]int{a.obsDim}, cfg.Hidden...), out) }
	a.Actor = nn.NewMLP(rng, sizes(a.outDim), cfg.Activation, tensor.Identity, nn.InitTorch)
	nn.OrthoInit(rng, a.Actor, 0.01)
	if cfg.Baseline {
		a.Critic = nn.NewMLP(rng, sizes(1), cfg.Activation, tensor.Identity, nn.InitTorch)
		nn.OrthoInit(rng, a.Critic, 1)
	}
	a.setWorkers(nil)
	if !a.discrete {
		a.LogStd = nn.NewParam("log_std", 1, a.outDim)
		a.LogStd.Val.Fill(float32(cfg.LogStdInit))
	}
	return a, nil
}

// PolicyParams returns the actor's parameters and log σ.
func (a *Agent) PolicyParams() []*nn.Param {
	ps := append([]*nn.Param{}, a.Actor.Params()...)
	if a.LogStd != nil {
		ps = append(ps, a.LogStd)
	}
	return ps
}

// Act maps observations (n×obsDim) to actions (n×1 class indices for a
// Discrete space, n×D values clipped to the Box bounds): the mode or mean
// when deterministic, else a sample drawn with rng. dst is reused when
// non-nil. It panics if obs has the wrong width.
func (a *Agent) Act(dst, obs *tensor.Mat, deterministic bool, rng *rand.Rand) *tensor.Mat {
	if obs.Cols != a.obsDim {
		panic(fmt.Sprintf("reinforce: Act got %d observation columns, want %d", obs.Cols, a.obsDim))
	}
	a.out = forward(a.Actor, a.out, obs, a.outDim)
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

func (a *Agent) clip(m *tensor.Mat) {
	d := a.outDim
	for i, v := range m.Data {
		m.Data[i] = min(max(v, a.low[i%d]), a.high[i%d])
	}
}

// Tensors returns the weights under stable names: "actor.<i>.weight",
// "actor.<i>.bias", "critic.…" (with a baseline) and "log_std" (Box
// actions).
func (a *Agent) Tensors() []nn.NamedTensor {
	var ts []nn.NamedTensor
	for _, np := range nn.NamedParams("actor", a.Actor) {
		ts = append(ts, nn.NamedTensor{Name: np.Name, Val: np.Param.Val})
	}
	if a.Critic != nil {
		for _, np := range nn.NamedParams("critic", a.Critic) {
			ts = append(ts, nn.NamedTensor{Name: np.Name, Val: np.Param.Val})
		}
	}
	if a.LogStd != nil {
		ts = append(ts, nn.NamedTensor{Name: "log_std", Val: a.LogStd.Val})
	}
	return ts
}

// Load copies the tensors named as by Tensors into the agent. It returns an
// error, leaving the agent unchanged, if one is missing or has the wrong
// size.
func (a *Agent) Load(ts []nn.NamedTensor) error {
	byName := make(map[string]*tensor.Mat, len(ts))
	for _, t := range ts {
		byName[t.Name] = t.Val
	}
	own := a.Tensors()
	for _, t := range own {
		src, ok := byName[t.Name]
		if !ok {
			return fmt.Errorf("reinforce: checkpoint lacks tensor %q; was it written by a REINFORCE agent with the same config?", t.Name)
		}
		if src.Rows*src.Cols != t.Val.Rows*t.Val.Cols {
			return fmt.Errorf("reinforce: checkpoint tensor %q is %d×%d, want %d×%d", t.Name, src.Rows, src.Cols, t.Val.Rows, t.Val.Cols)
		}
	}
	for _, t := range own {
		copy(t.Val.Data, byName[t.Name].Data)
	}
	return nil
}

// forward runs net on x into dst, resized to x.Rows×out, and returns it.
func forward(net *nn.Sequential, dst, x *tensor.Mat, out int) *tensor.Mat {
	if dst == nil {
		dst = &tensor.Mat{}
	}
	dst.Resize(x.Rows, out)
	return net.Forward(dst, x)
}

// setWorkers turns the packed products (nn.UsePacked) on for the actor and
// the critic (when there is one), with rows split among w (nil: the calling
// goroutine). The results do not depend on w.
func (a *Agent) setWorkers(w *tensor.Workers) {
	nn.UsePacked(w, a.Actor)
	if a.Critic != nil {
		nn.UsePacked(w, a.Critic)
	}
}
