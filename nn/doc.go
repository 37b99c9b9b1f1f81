// Package nn holds vfe's neural-network building blocks: Param, the Layer
// interface (Forward/Backward/Params), Linear, activations, Sequential and
// MLP stacks, seeded initialisers and losses.
//
// # Conventions
//
// Batches are tensor.Mat values with one sample per row. Forward caches what
// Backward needs; Backward accumulates parameter gradients (callers zero them
// with ZeroGrad) and returns the input gradient. Destinations come first and
// nil ones are allocated; hot loops pass reused buffers. Initialisers take an
// explicit *rand.Rand. Shape mismatches panic with an "nn:" message.
package nn
