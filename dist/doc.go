// Package dist holds the action distributions of vfe's policies — Categorical,
// DiagGaussian and the tanh-squashed TanhGaussian — with log-probabilities,
// entropies, sampling from an explicit rng, reparameterised sampling, closed
// form KL divergences, and the hand-derived gradients the policy-gradient and
// reparameterised (SVG(0), SAC) updates back-propagate.
//
// # Conventions
//
// Distributions are small values holding batches as tensor.Mat with one
// sample per row: B×K logits, B×D means, B×D or 1×D (state-independent)
// log-stds. They are views: nothing is copied, so a distribution built once
// over reused network outputs stays valid as those are overwritten.
// Per-row results (log-probabilities, entropies, KLs) go into a []float32 of
// length B and sum over action dimensions; reductions run in float64.
//
// Destinations come first; a nil destination is allocated, a non-nil one must
// have the right shape. Gradient methods follow Gemm's convention
// dst = beta·dst + gradient: beta = 0 overwrites, beta = 1 accumulates several
// loss terms (policy and entropy) into one buffer. They take the upstream
// gradient dy (∂L/∂log π_i or ∂L/∂H_i per row; nil means ones), so a loss
// (1/B)Σ_i w_i·log π_i is back-propagated by passing dy_i = w_i/B. A 1×D
// log-std receives the sum of its per-row gradients. With non-nil
// destinations no method allocates.
//
// Randomness comes only from the *rand.Rand passed in; a nil rng panics.
// Sample and Rsample consume it identically, so equal seeds give equal
// draws. Shape mismatches panic with a "dist:" message.
//
// # Equations
//
// Categorical: ∂log p(a)/∂z = onehot(a) − softmax(z), ∂H/∂z_k = −p_k(log p_k + H).
// DiagGaussian: ∂log N/∂μ = (x − μ)/σ², ∂log N/∂log σ = ((x − μ)/σ)² − 1,
// and for a = μ + σε: ∂a/∂μ = 1, ∂a/∂log σ = σε (the seed's reparameterisation
// trick, used by SVG(0) and SAC). TanhGaussian: a = tanh(u)·Scale + Bias with
// log π(a) = log N(u) − Σ[log|Scale| + log(1 − tanh²u)], the log-det term in the
// exact stable form 2(log 2 − u − softplus(−2u)) (Log1mTanhSq); RsampleGrad
// returns the full derivative of α·log π(f(ε; φ)) − Q(s, f(ε; φ)) including the
// path through a in log π. LogStdBound keeps log σ in [Min, Max] either by a
// tanh rescale (CleanRL) or a clip (Stable-Baselines3). ApproxKL gives the two
// KL estimates PPO logs, mean(−log r) and mean((r − 1) − log r).
//
// docs/rl-estimators.md explains the squash correction in more detail.
package dist
