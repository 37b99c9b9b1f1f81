package wrap_test

import (
	"fmt"

	"github.com/vfe-go/vfe/env/classic"
	"github.com/vfe-go/vfe/env/wrap"
	"github.com/vfe-go/vfe/internal/testrand"
)

// CartPole without velocities, the last 4 observations stacked: a partially
// observed task with a short memory.
func ExampleApply() {
	e, err := wrap.Apply(classic.NewCartPole(), []string{"timelimit=500", "mask=1,3", "stack=4"})
	if err != nil {
		panic(err)
	}
	obs := e.Reset(testrand.New(1))
	fmt.Println(e.ObservationSpace().Dim(), len(obs))
	// Output: 8 8
}

// Normalisation statistics travel with a model as named slices.
func ExampleSaveState() {
	e, _ := classic.Make("Pendulum-v1", classic.WithWrappers("normobs"))
	rng := testrand.New(1)
	e.Reset(rng)
	for i := 0; i < 10; i++ {
		e.Step([]float32{0})
	}
	s := wrap.SaveState(e)
	fmt.Println(len(s["obs_mean"]), len(s["obs_var"]), fmt.Sprintf("%.4f", s["obs_count"][0]))
	// Output: 3 3 11.0001
}
