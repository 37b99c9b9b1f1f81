// Package optim holds vfe's gradient-based optimisers for nn parameters (SGD
// with momentum and Nesterov, Adam, AdamW), learning-rate schedules,
// global-norm gradient clipping and Polyak averaging.
//
// # Conventions
//
// An Optimizer is built over a fixed []*nn.Param and reads their Grad fields
// on Step; it never zeroes them by itself (call ZeroGrad before the next
// backward pass). Updates follow PyTorch's torch.optim semantics exactly, in
// float32, so hyperparameters carry over unchanged. Step does not allocate.
//
// A training step reads:
//
//	opt.SetLR(sched.LR(step, total))
//	opt.ZeroGrad()
//	net.Forward(y, x)
//	loss := nn.SoftmaxCrossEntropy(dy, y, labels, nn.Mean)
//	net.BackwardParams(dy)
//	optim.ClipGradNorm(params, 0.5)
//	opt.Step()
//
// State returns the optimiser's buffers as named tensors for checkpoints,
// keyed by parameter index like PyTorch's optimizer state_dict ("exp_avg.0",
// "exp_avg_sq.0", "momentum_buffer.0"), plus "step": the update count as a
// 1×2 float32 tensor [⌊t/2²⁴⌋, t mod 2²⁴], exact up to 2⁴⁸ steps. The
// learning rate is not part of the state: a schedule recomputes it from the
// step. LoadState restores a state exactly, so a resumed run continues bit
// for bit.
//
// Invalid configurations are returned as errors by the constructors
// (NewSGD, NewAdam, NewAdamW); shape mismatches are programmer errors and
// panic with an "optim:" message.
//
// In the seed's terms these optimisers carry out the slow M-step on θ
// (∂F/∂θ_l, the "Learning" step of variational EM for predictive coding) and
// the policy and value updates of the appendix's actor-critic methods;
// Polyak implements the target-network averaging those methods use.
package optim
