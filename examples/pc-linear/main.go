// Command pc-linear fits a predictive-coding network to a known linear map
// and prints how close the learned map is to the truth.
//
// Data: y = A x + b + noise with x ~ N(0, I₄), A (3×4) and b drawn once. The
// network is the seed's chain y = s^0 ← s^1 ← s^2 = x with identity f, so
// after learning the composite map W₁W₂ (and bias) must equal A (and b).
package main

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/optim"
	"github.com/vfe-go/vfe/pc"
	"github.com/vfe-go/vfe/tensor"
)

func main() {
	rng := rand.New(rand.NewPCG(1, 2))
	A := tensor.New(3, 4).RandN(rng, 1)
	b := tensor.New(1, 3).RandN(rng, 1)
	m, err := pc.NewChain(rng, pc.ChainConfig{Dims: []int{3, 5, 4}, Acts: []tensor.Act{tensor.Identity, tensor.Identity}, Init: nn.InitXavierNormal})
	if err != nil {
		panic(err)
	}
	opt, err := optim.NewAdam(m.ParamList(), optim.AdamConfig{LR: 3e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	if err != nil {
		panic(err)
	}
	const B = 32
	s := m.NewState(B)
	x, y := tensor.New(B, 4), tensor.New(B, 3)
	cfg := pc.InferConfig{T: 50, Eta: 0.1}
	for step := 0; step <= 4000; step++ {
		x.RandN(rng, 1)
		tensor.Gemm(y, false, true, 1, x, A, 0)
		tensor.AddRowVec(y, y, b.Data)
		for i := range y.Data {
			y.Data[i] += float32(0.01 * rng.NormFloat64())
		}
		s.Clamp(2, x)
		s.Clamp(0, y)
		m.Init(s, pc.InitForward, cfg)
		st, err := m.Infer(s, cfg)
		if err != nil {
			panic(err)
		}
		m.Learn(s)
		opt.Step()
		if step%1000 == 0 {
			fmt.Printf("step %4d  F per sample %.4f\n", step, st.F)
		}
	}
	// Composite map: μ_0 = W₁(W₂x + b₂) + b₁ (edge 1 maps s² → s¹, edge 0 s¹ → s⁰).
	W1 := m.Edges[0].Fn.(*pc.Dense).Lin
	W2 := m.Edges[1].Fn.(*pc.Dense).Lin
	W := tensor.MatMul(nil, W1.W.Val, W2.W.Val)
	bias := make([]float32, 3)
	tensor.Gemv(bias, false, 1, W1.W.Val, W2.B.Val.Data, 0)
	worstW, worstB := 0.0, 0.0
	for i := range W.Data {
		worstW = math.Max(worstW, math.Abs(float64(W.Data[i]-A.Data[i])))
	}
	for i := range bias {
		worstB = math.Max(worstB, math.Abs(float64(bias[i]+W1.B.Val.Data[i]-b.Data[i])))
	}
	fmt.Printf("max |W₁W₂ − A| = %.4f, max |bias − b| = %.4f (noise σ = 0.01)\n", worstW, worstB)
}
