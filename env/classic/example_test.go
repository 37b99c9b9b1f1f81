package classic_test

import (
	"fmt"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/classic"
)

// Set CartPole's state exactly and push right once: from rest,
// ẋ' = 0.02·4400/451 and θ̇' = −0.02·600/41.
func ExampleCartPole() {
	c := classic.NewCartPole()
	if err := c.SetState([]float64{0, 0, 0, 0}); err != nil {
		panic(err)
	}
	st := c.Step([]float32{1})
	fmt.Printf("%.6f %.6f %v %v\n", st.Obs[1], st.Obs[3], st.Reward, st.Terminated)
	// Output: 0.195122 -0.292683 1 false
}

func ExampleMake() {
	for _, s := range classic.Specs() {
		e, _ := classic.Make(s.ID)
		fmt.Println(s.ID, e.ObservationSpace().Dim(), e.ActionSpace(), s.MaxEpisodeSteps)
	}
	_, err := classic.Make("Nope-v0")
	fmt.Println(err != nil)
	// Output:
	// CartPole-v1 4 Discrete(2) 500
	// MountainCar-v0 2 Discrete(3) 200
	// MountainCarContinuous-v0 2 Box(-1, 1, (1,)) 999
	// Pendulum-v1 3 Box(-2, 2, (1,)) 200
	// Acrobot-v1 6 Discrete(3) 500
	// true
}

// Pendulum's reward is computed on the state before the step.
func ExamplePendulum() {
	p := classic.NewPendulum()
	_ = p.SetState([]float64{1, 0})
	var e env.Env = p
	st := e.Step([]float32{0})
	fmt.Printf("%.4f\n", st.Reward) // −1²
	// Output: -1.0000
}
