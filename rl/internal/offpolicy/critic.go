package offpolicy

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/tensor"
)

// Critic is an action-value network Q(s, a): an MLP over the concatenation
// [s, a] with one output. It owns its input and output buffers, so a
// forward pass followed by its backward pass does not allocate once the
// batch size is fixed.
type Critic struct {
	Net    *nn.Sequential
	od, ad int
	x      *tensor.Mat // B×(od+ad) input of the last forward
	q      *tensor.Mat // B×1 output of the last forward
	dx     *tensor.Mat // B×(od+ad) input gradient
	Params []*nn.Param
}

// NewCritic returns a critic MLP [od+ad, hidden…, 1] with PyTorch's default
// initialisation from rng.
func NewCritic(rng *rand.Rand, od, ad int, hidden []int, act tensor.Act) *Critic {
	sizes := append(append([]int{od + ad}, hidden...), 1)
	return WrapCritic(nn.NewMLP(rng, sizes, act, tensor.Identity, nn.InitTorch), od, ad)
}

// WrapCritic makes a critic of an existing network over [s (od), a (ad)].
func WrapCritic(net *nn.Sequential, od, ad int) *Critic {
	return &Critic{Net: net, od: od, ad: ad, x: tensor.New(1, od+ad), q: tensor.New(1, 1),
		dx: tensor.New(1, od+ad), Params: net.Params()}
}

// Clone returns a deep copy (a target network).
func (c *Critic) Clone() *Critic {
	return WrapCritic(nn.Clone(c.Net).(*nn.Sequential), c.od, c.ad)
}

// Forward returns Q(s, a) (B×1, owned by c) for obs (B×od) and act (B×ad).
func (c *Critic) Forward(obs, act *tensor.Mat) *tensor.Mat {
	b := obs.Rows
	if obs.Cols != c.od || act.Cols != c.ad || act.Rows != b {
		panic(fmt.Sprintf("offpolicy: critic: obs %d×%d and actions %d×%d, want widths %d and %d", obs.Rows, obs.Cols, act.Rows, act.Cols, c.od, c.ad))
	}
	c.x.Resize(b, c.od+c.ad)
	for i := 0; i < b; i++ {
		r := c.x.Row(i)
		copy(r[:c.od], obs.Row(i))
		copy(r[c.od:], act.Row(i))
	}
	c.q.Resize(b, 1)
	return c.Net.Forward(c.q, c.x)
}

// Backward accumulates the parameter gradients for dq = ∂L/∂Q (B×1).
func (c *Critic) Backward(dq *tensor.Mat) { c.Net.BackwardParams(dq) }

// ActionGrad writes ∂L/∂a (B×ad) for dq = ∂L/∂Q into dA (accumulating
// with factor beta) without touching parameter gradients.
func (c *Critic) ActionGrad(dA, dq *tensor.Mat, beta float32) {
	c.dx.Resize(dq.Rows, c.od+c.ad)
	c.Net.BackwardInput(c.dx, dq)
	for i := 0; i < dq.Rows; i++ {
		src, dst := c.dx.Row(i)[c.od:], dA.Row(i)
		for j := range dst {
			dst[j] = beta*dst[j] + src[j]
		}
	}
}

// MSEGrad writes ∂L/∂q = (q − y)/B into g for L = (1/B)Σ ½(q_i − y_i)² and
// returns L (accumulated in float64).
func MSEGrad(g, q *tensor.Mat, y []float32) float64 {
	var loss float64
	inv := 1 / float64(len(y))
	for i, yi := range y {
		d := float64(q.Data[i]) - float64(yi)
		loss += 0.5 * d * d
		g.Data[i] = float32(d * inv)
	}
	return loss * inv
}

// ActionBox maps between the networks' action range [−1, 1]^D and a
// bounded Box: env = Bias + Scale·a.
type ActionBox struct {
	Scale, Bias []float32 // per dimension: (high − low)/2 and (high + low)/2
}

// NewActionBox returns the mapping for a bounded Box action space; pkg
// prefixes its errors.
func NewActionBox(pkg string, s env.Space) (ActionBox, error) {
	b, ok := s.(*env.Box)
	if !ok {
		return ActionBox{}, fmt.Errorf("%s: action space %v is not a Box: use dqn for discrete actions", pkg, s)
	}
	ab := ActionBox{Scale: make([]float32, b.Dim()), Bias: make([]float32, b.Dim())}
	for j := range ab.Scale {
		lo, hi := float64(b.Low[j]), float64(b.High[j])
		if math.IsInf(lo, 0) || math.IsInf(hi, 0) || !(hi > lo) {
			return ActionBox{}, fmt.Errorf("%s: action dimension %d has bounds [%g, %g]: need finite low < high (wrap the env with clipaction)", pkg, j, lo, hi)
		}
		ab.Scale[j] = float32((hi - lo) / 2)
		ab.Bias[j] = float32((hi + lo) / 2)
	}
	return ab, nil
}

// ToEnv writes Bias + Scale·a for every row of a (n×D) into dst.
func (ab ActionBox) ToEnv(dst, a *tensor.Mat) {
	d := len(ab.Scale)
	for i, v := range a.Data {
		j := i % d
		dst.Data[i] = ab.Bias[j] + ab.Scale[j]*v
	}
}

// Clip1 clips x into [−1, 1].
func Clip1(x float32) float32 { return min(max(x, -1), 1) }
