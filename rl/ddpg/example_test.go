package ddpg_test

import (
	"fmt"

	"github.com/vfe-go/vfe/rl/ddpg"
)

// TD3 is DDPG with twin critics and an actor updated every second step.
func ExampleDefaultTD3Config() {
	d, t := ddpg.DefaultConfig(), ddpg.DefaultTD3Config()
	fmt.Println(d.Critics(), d.Delay(), t.Critics(), t.Delay(), t.TargetPolicyNoise, t.TargetNoiseClip)
	// Output: 1 1 2 2 0.2 0.5
}

func ExampleZooTD3Config() {
	c, ok := ddpg.ZooTD3Config("Pendulum-v1")
	fmt.Println(ok, c.TotalTimesteps, c.Gamma, c.LearningStarts, c.Hidden, c.ActionNoise)
	// Output: true 20000 0.98 10000 [400 300] 0.1
}
