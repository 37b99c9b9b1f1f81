package dqn_test

import (
	"fmt"

	"github.com/vfe-go/vfe/rl/dqn"
	"github.com/vfe-go/vfe/tensor"
)

// The TD loss of one transition: Q(s, a) = 3 against the target
// y = r + γ max Q' = 1 + 0.5·2 = 2 gives ½(3 − 2)² = 0.5.
func ExampleTDLoss() {
	q := tensor.FromSlice(1, 2, []float32{0, 3})
	qNext := tensor.FromSlice(1, 2, []float32{2, -1})
	y := make([]float32, 1)
	dqn.TDTargets(y, []float32{1}, []bool{false}, qNext, nil, 0.5)
	grad := tensor.New(1, 2)
	loss := dqn.TDLoss(grad, q, []int{1}, y, 1)
	fmt.Printf("y=%.1f loss=%.2f grad=%v\n", y[0], loss, grad.Data)
	// Output: y=2.0 loss=0.50 grad=[0 1]
}

func ExampleConfig_Epsilon() {
	c := dqn.DefaultConfig() // ε: 1 → 0.04 over 16% of 100k steps
	fmt.Printf("%.2f %.2f %.2f\n", c.Epsilon(0), c.Epsilon(8000), c.Epsilon(50_000))
	// Output: 1.00 0.52 0.04
}
