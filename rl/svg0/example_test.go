package svg0_test

import (
	"fmt"

	"github.com/vfe-go/vfe/rl/svg0"
)

func ExampleDefaultConfig() {
	c := svg0.DefaultConfig()
	fmt.Println(c.TotalTimesteps, c.Critics, c.Hidden, c.LearningRate, c.Validate() == nil)
	// Output: 30000 1 [256 256] 0.001 true
}
