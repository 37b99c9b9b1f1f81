package dist_test

import (
	"fmt"
	"math"

	"github.com/vfe-go/vfe/dist"
	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/tensor"
)

func ExampleCategorical() {
	// Two states, three actions; the second row is uniform.
	logits := tensor.FromSlice(2, 3, []float32{2, 0, 0, 1, 1, 1})
	pi := dist.NewCategorical(logits)
	actions := []int{0, 2}
	logp := pi.LogProb(nil, actions)
	h := pi.Entropy(nil)
	// Gradient of the mean log-prob: rows are (onehot − softmax)/2.
	g := pi.LogProbGrad(nil, actions, []float32{0.5, 0.5}, 0)
	// By hand: p(row 0) = (e², 1, 1)/(e² + 2) = (0.7870, 0.1065, 0.1065).
	fmt.Printf("log p = [%.4f %.4f]\n", logp[0], logp[1])
	fmt.Printf("H = [%.4f %.4f], log 3 = %.4f\n", h[0], h[1], math.Log(3))
	fmt.Printf("dlogits row 0 = [%.4f %.4f %.4f]\n", g.At(0, 0), g.At(0, 1), g.At(0, 2))
	// Output:
	// log p = [-0.2395 -1.0986]
	// H = [0.6656 1.0986], log 3 = 1.0986
	// dlogits row 0 = [0.1065 -0.0533 -0.0533]
}

func ExampleTanhGaussian_RsampleGrad() {
	// SAC's actor loss for one state: α·log π(a) − Q(s, a) with a drawn by
	// the reparameterisation a = tanh(μ + σε). Here Q(s, a) = a, so ∂L/∂a = −1.
	mean := tensor.FromSlice(1, 1, []float32{0.2})
	logStd := tensor.FromSlice(1, 1, []float32{float32(math.Log(0.5))})
	pi := dist.NewTanhGaussian(mean, logStd, nil, nil)
	a, u, eps := pi.Rsample(nil, nil, nil, testrand.New(1))
	logp := pi.LogProb(nil, u)
	alpha := float32(0.1)
	dA := tensor.FromSlice(1, 1, []float32{-1})
	dMean, dLogStd := pi.RsampleGrad(nil, nil, u, eps, dA, []float32{alpha}, 0)
	fmt.Printf("ε = %.4f, a = %.4f, log π = %.4f\n", eps.Data[0], a.Data[0], logp[0])
	fmt.Printf("dL/dμ = %.4f, dL/dlog σ = %.4f\n", dMean.Data[0], dLogStd.Data[0])
	// By hand: u = 0.2 + 0.5ε = −0.1670, a = tanh(u);
	// log π = −½ε² − log 0.5 − ½ log 2π − log(1 − a²);
	// dL/dμ = −(1 − a²) + α·2a; dL/dlog σ = dL/dμ·σε − α.
	// Output:
	// ε = -0.7340, a = -0.1655, log π = -0.4674
	// dL/dμ = -1.0057, dL/dlog σ = 0.2691
}
