package sac

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/tensor"
)

// critic is an action-value network Q(s, a): an MLP over the concatenation
// [s, a] with one output. It owns its input and output buffers, so a
// forward pass followed by its backward pass does not allocate once the
// batch size is fixed.
type critic struct {
	net    *nn.Sequential
	od, ad int
	x      *tensor.Mat // B×(od+ad) input of the last forward
	q      *tensor.Mat // B×1 output of the last forward
	dx     *tensor.Mat // B×(od+ad) input gradient
	params []*nn.Param
}

func newCritic(rng *rand.Rand, od, ad int, hidden []int, act tensor.Act) *critic {
	sizes := append(append([]int{od + ad}, hidden...), 1)
	return wrapCritic(nn.NewMLP(rng, sizes, act, tensor.Identity, nn.InitTorch), od, ad)
}

func wrapCritic(net *nn.Sequential, od, ad int) *critic {
	return &critic{net: net, od: od, ad: ad, x: tensor.New(1, od+ad), q: tensor.New(1, 1),
		dx: tensor.New(1, od+ad), params: net.Params()}
}

// clone returns a deep copy (a target network).
func (c *critic) clone() *critic {
	return wrapCritic(nn.Clone(c.net).(*nn.Sequential), c.od, c.ad)
}

// forward returns Q(s, a) (B×1, owned by c) for obs (B×od) and act (B×ad).
func (c *critic) forward(obs, act *tensor.Mat) *tensor.Mat {
	b := obs.Rows
	if obs.Cols != c.od || act.Cols != c.ad || act.Rows != b {
		panic(fmt.Sprintf("%s: critic: obs %d×%d and actions %d×%d, want widths %d and %d", pkg, obs.Rows, obs.Cols, act.Rows, act.Cols, c.od, c.ad))
	}
	c.x.Resize(b, c.od+c.ad)
	for i := 0; i < b; i++ {
		r := c.x.Row(i)
		copy(r[:c.od], obs.Row(i))
		copy(r[c.od:], act.Row(i))
	}
	c.q.Resize(b, 1)
	return c.net.Forward(c.q, c.x)
}

// backward accumulates the parameter gradients for dq = ∂L/∂Q (B×1).
func (c *critic) backward(dq *tensor.Mat) { c.net.BackwardParams(dq) }

// actionGrad writes ∂L/∂a (B×ad) for dq = ∂L/∂Q into dA (accumulating
// with factor beta) without touching parameter gradients.
func (c *critic) actionGrad(dA, dq *tensor.Mat, beta float32) {
	c.dx.Resize(dq.Rows, c.od+c.ad)
	c.net.BackwardInput(c.dx, dq)
	for i := 0; i < dq.Rows; i++ {
		src, dst := c.dx.Row(i)[c.od:], dA.Row(i)
		for j := range dst {
			dst[j] = beta*dst[j] + src[j]
		}
	}
}

// mseGrad writes ∂L/∂q = (q − y)/B into g for L = (1/B)Σ ½(q_i − y_i)² and
// returns L (accumulated in float64).
func mseGrad(g, q *tensor.Mat, y []float32) float64 {
	var loss float64
	inv := 1 / float64(len(y))
	for i, yi := range y {
		d := float64(q.Data[i]) - float64(yi)
		loss += 0.5 * d * d
		g.Data[i] = float32(d * inv)
	}
	return loss * inv
}

// actionBox maps between the networks' action range [−1, 1]^D and a
// bounded Box: env = Bias + Scale·a.
type actionBox struct {
	scale, bias []float32
}

func newActionBox(s env.Space) (actionBox, error) {
	b, ok := s.(*env.Box)
	if !ok {
		return actionBox{}, fmt.Errorf("%s: action space %v is not a Box: use dqn for discrete actions", pkg, s)
	}
	ab := actionBox{scale: make([]float32, b.Dim()), bias: make([]float32, b.Dim())}
	for j := range ab.scale {
		lo, hi := float64(b.Low[j]), float64(b.High[j])
		if math.IsInf(lo, 0) || math.IsInf(hi, 0) || !(hi > lo) {
			return actionBox{}, fmt.Errorf("%s: action dimension %d has bounds [%g, %g]: need finite low < high (wrap the env with clipaction)", pkg, j, lo, hi)
		}
		ab.scale[j] = float32((hi - lo) / 2)
		ab.bias[j] = float32((hi + lo) / 2)
	}
	return ab, nil
}

// toEnv writes Bias + Scale·a for every row of a (n×D) into dst.
func (ab actionBox) toEnv(dst, a *tensor.Mat) {
	d := len(ab.scale)
	for i, v := range a.Data {
		j := i % d
		dst.Data[i] = ab.bias[j] + ab.scale[j]*v
	}
}

func clip1(x float32) float32 { return min(max(x, -1), 1) }
