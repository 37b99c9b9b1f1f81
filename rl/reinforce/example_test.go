package reinforce_test

import (
	"fmt"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/classic"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/rl/reinforce"
)

// Train REINFORCE with a baseline on CartPole-v1 for a few thousand steps
// and read the last deterministic evaluation.
func ExampleTrain() {
	cfg, _ := reinforce.ZooConfig("CartPole-v1")
	cfg.TotalTimesteps, cfg.BatchSteps = 4000, 1000
	var last float64
	logger := loggerFunc(func(step int, ms ...rl.Metric) error {
		for _, m := range ms {
			if m.Key == "eval/mean_return" {
				last = m.Value
			}
		}
		return nil
	})
	_, err := reinforce.Train(cfg, 1, rl.TrainOptions{
		MakeEnv: func() (env.Env, error) { return classic.Make("CartPole-v1") },
		Logger:  logger,
	})
	fmt.Println(err, last > 0)
	// Output: <nil> true
}

type loggerFunc func(step int, ms ...rl.Metric) error

func (f loggerFunc) Log(step int, ms ...rl.Metric) error { return f(step, ms...) }
