package ppo_test

import (
	"fmt"

	"github.com/vfe-go/vfe/rl/ppo"
)

// The clipped surrogate of two transitions with ε = 0.2: the first ratio
// (e^0 = 1) is inside the trust region, the second (e^0.5 ≈ 1.65) with a
// positive advantage is clipped to 1.2, so it contributes no gradient.
func ExampleClippedSurrogate() {
	grad := make([]float32, 2)
	loss, clipFrac := ppo.ClippedSurrogate(grad, []float32{0, 0.5}, []float32{1, 1}, 0.2)
	fmt.Printf("loss %.2f clipfrac %.1f grad %.2f\n", loss, clipFrac, grad)
	// Output: loss -1.10 clipfrac 0.5 grad [-0.50 0.00]
}

// The tuned CartPole-v1 hyperparameters from rl-baselines3-zoo.
func ExampleZooConfig() {
	c, _ := ppo.ZooConfig("CartPole-v1")
	fmt.Println(c.NumEnvs, c.NumSteps, c.BatchSize, c.Epochs, c.Gamma, c.Lambda, c.AnnealLR)
	// Output: 8 32 256 20 0.98 0.8 true
}
