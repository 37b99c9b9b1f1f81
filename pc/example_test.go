package pc_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/vfe-go/vfe/pc"
	"github.com/vfe-go/vfe/tensor"
)

// A two-node chain s^0 ← s^1 with μ(s) = 2s + 1 and unit precisions. With
// x = s^0 clamped to 5 and the prior N(0, 1) on s^1, inference finds the
// posterior mode z = argmin ½(5 − 2z − 1)² + ½z², i.e. 5z = 8, z = 1.6;
// then F = ½·0.8² + ½·1.6² + 2·½log 2π = 0.32 + 1.28 + 1.838 = 3.438.
func ExampleModel_Infer() {
	m, err := pc.NewChain(rand.New(rand.NewPCG(1, 1)), pc.ChainConfig{
		Dims: []int{1, 1}, Acts: []tensor.Act{tensor.Identity}, TopPrior: pc.PriorFixed,
	})
	if err != nil {
		panic(err)
	}
	d := m.Edges[0].Fn.(*pc.Dense)
	d.Lin.W.Val.Data[0], d.Lin.B.Val.Data[0] = 2, 1
	s := m.NewState(1)
	s.Clamp(0, tensor.FromSlice(1, 1, []float32{5}))
	cfg := pc.InferConfig{T: 200, Eta: 0.1}
	m.Init(s, pc.InitZero, cfg)
	st, err := m.Infer(s, cfg)
	if err != nil {
		panic(err)
	}
	e := s.Energy(nil)
	fmt.Printf("z = %.3f, F = %.3f (prediction error %.3f, prior %.3f)\n", s.Z[1].Data[0], st.F, e.Nodes[0], e.Nodes[1])
	// Output:
	// z = 1.600, F = 3.438 (prediction error 1.239, prior 2.199)
}
