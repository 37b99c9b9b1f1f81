package optim_test

import (
	"fmt"

	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/optim"
)

// Minimise f(w) = ½(w − 3)² with Adam: the gradient is w − 3.
func ExampleAdam() {
	w := nn.NewParam("w", 1, 1)
	cfg := optim.DefaultAdamConfig()
	cfg.LR = 0.1
	opt, err := optim.NewAdam([]*nn.Param{w}, cfg)
	if err != nil {
		panic(err)
	}
	for i := 0; i < 500; i++ {
		opt.ZeroGrad()
		w.Grad.Data[0] = w.Val.Data[0] - 3
		opt.Step()
	}
	fmt.Printf("w = %.2f after %d steps\n", w.Val.Data[0], opt.Steps())
	// Output:
	// w = 3.00 after 500 steps
}

// PPO's learning-rate annealing over 4 updates.
func ExampleLinear() {
	s := optim.Linear{Start: 2.5e-4}
	for update := 1; update <= 4; update++ {
		fmt.Printf("%.3g ", s.LR(update-1, 4))
	}
	fmt.Println()
	// Output:
	// 0.00025 0.000188 0.000125 6.25e-05
}

// Clip a gradient of norm 5 to norm 1.
func ExampleClipGradNorm() {
	a, b := nn.NewParam("a", 1, 1), nn.NewParam("b", 1, 1)
	a.Grad.Data[0], b.Grad.Data[0] = 3, 4
	norm := optim.ClipGradNorm([]*nn.Param{a, b}, 1)
	fmt.Printf("norm %.1f, clipped %.3f %.3f\n", norm, a.Grad.Data[0], b.Grad.Data[0])
	// Output:
	// norm 5.0, clipped 0.600 0.800
}
