package env_test

import (
	"fmt"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/classic"
	"github.com/vfe-go/vfe/internal/testrand"
)

// A random-action episode of CartPole-v1, with Terminated and Truncated
// kept apart.
func Example() {
	e, err := classic.Make("CartPole-v1")
	if err != nil {
		panic(err)
	}
	rng := testrand.New(1)
	obs := e.Reset(rng)
	fmt.Println(e.ObservationSpace().Dim(), e.ActionSpace(), len(obs))
	policy := &env.RandomPolicy{Space: e.ActionSpace()}
	steps, ret := 0, 0.0
	for {
		st := e.Step(policy.Act(obs, rng))
		obs = st.Obs
		steps++
		ret += st.Reward
		if st.Terminated || st.Truncated {
			fmt.Println("return equals length:", ret == float64(steps), "truncated:", st.Truncated)
			break
		}
	}
	// Output:
	// 4 Discrete(2) 4
	// return equals length: true truncated: false
}

// Four CartPoles stepped together; Obs is a 4×4 row-major batch.
func ExampleVecEnv() {
	envs := make([]env.Env, 4)
	for i := range envs {
		envs[i], _ = classic.Make("CartPole-v1")
	}
	v := env.NewVecEnv(envs, env.VecConfig{})
	defer v.Close()
	v.Reset(testrand.New(1))
	actions := []float32{0, 1, 0, 1}
	for i := 0; i < 100; i++ {
		v.Step(actions)
	}
	fmt.Println(v.NumEnvs(), v.ObsDim(), len(v.Obs))
	// Output: 4 4 16
}

func ExampleBox() {
	b := env.NewBox([]float32{-1, -2}, []float32{1, 2})
	fmt.Println(b, b.Contains([]float32{0.5, -2}), b.Contains([]float32{0, 3}))
	// Output: Box([-1 -2], [1 2], (2,)) true false
}
