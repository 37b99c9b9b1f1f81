package sac_test

import (
	"fmt"

	"github.com/vfe-go/vfe/rl/sac"
)

// The seed's form trains a value network and one critic; the common form
// two critics and no value network. Both tune α toward H̄ = −dim(A).
func ExampleSeedConfig() {
	s, d := sac.SeedConfig(), sac.DefaultConfig()
	fmt.Println(s.ValueNet, s.Critics, d.ValueNet, d.Critics, d.AutoAlpha, d.Entropy(1))
	// Output: true 1 false 2 true -1
}
