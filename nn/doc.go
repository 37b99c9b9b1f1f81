// Package nn holds vfe's neural-network building blocks: Param, the Layer
// interface (Forward/Backward/Params), Linear, activations, Sequential and
// MLP stacks, seeded initialisers, losses and checkpoint naming.
//
// # Conventions
//
// Batches are tensor.Mat values with one sample per row (B×D). Forward
// caches what Backward needs; Backward accumulates parameter gradients
// (callers zero them with ZeroGrad) and returns the input gradient.
// Destinations come first and nil ones are allocated; hot loops pass reused
// buffers. A Sequential reuses its per-layer buffers (tensor.Mat.Resize), so
// a training step — Forward, a loss, BackwardParams and an optimiser step —
// does not allocate once the batch size has been seen. Initialisers take an
// explicit *rand.Rand; nothing here holds global state. Shape mismatches
// are programmer errors and panic with an "nn:" message.
//
// Linear stores W as Out×In like PyTorch's nn.Linear, and NamedParams gives
// PyTorch state_dict keys ("0.weight", "0.bias", "2.weight", …), so weights
// saved as safetensors load into the equivalent torch.nn.Sequential.
//
// # Losses
//
// MSE and Huber sum over features and reduce over the batch (Mean divides by
// B, Sum does not); MSE carries the factor ½, so it is the unit-variance
// Gaussian negative log-likelihood up to a constant. SoftmaxCrossEntropy
// matches PyTorch's CrossEntropyLoss. Losses return a float64 value and
// write ∂L/∂prediction into a caller-owned buffer.
//
// # Seed equations
//
// In the seed's predictive-coding model (Section "Predictive coding") each
// layer map μ_l(z_l; θ_l) is a Layer: Forward computes μ_l, BackwardInput
// gives [∂μ_l/∂z_l]ᵀ·v for the inference gradient ∂F/∂z_l, and Backward
// accumulates [∂μ_l/∂θ_l]ᵀ·v for the learning gradient ∂F/∂θ_l. MSE is the
// energy term ½‖z_{l−1} − μ_l(z_l)‖² with Σ_l = I. SoftmaxCrossEntropy is
// the term −log π(a|s) (term (d) of Equation (2)) for a categorical policy
// and the usual classification objective.
package nn
