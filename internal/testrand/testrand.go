// Package testrand gives tests a deterministic *rand.Rand.
package testrand

import "math/rand/v2"

// New returns a PCG generator seeded with (seed, 0x5eed).
func New(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }
