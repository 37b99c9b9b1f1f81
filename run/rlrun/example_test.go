package rlrun_test

import (
	"fmt"

	"github.com/vfe-go/vfe/rl/ppo"
	"github.com/vfe-go/vfe/run/rlrun"
)

// --set overrides address a typed config by its JSON field names.
func ExampleApplySets() {
	cfg, _ := ppo.ZooConfig("CartPole-v1")
	err := rlrun.ApplySets(&cfg, []string{"n_epochs=5", "hidden=32,32", "gamma=0.95"})
	fmt.Println(err, cfg.Epochs, cfg.Hidden, cfg.Gamma)
	err = rlrun.ApplySets(&cfg, []string{"n_epochs=many"})
	fmt.Println(err)
	// Output:
	// <nil> 5 [32 32] 0.95
	// rlrun: --set n_epochs=many: want a value of type integer
}

// Lookup resolves an --algo name; DefaultConfig gives the zoo settings for
// the env when they exist.
func ExampleLookup() {
	a, _ := rlrun.Lookup("ppo")
	cfg := a.DefaultConfig("CartPole-v1").(*ppo.Config)
	fmt.Println(a.Name(), cfg.NumEnvs, cfg.NumSteps, rlrun.ConfigSteps(cfg))
	// Output: ppo 8 32 100000
}
