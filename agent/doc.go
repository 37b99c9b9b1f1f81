// Package agent is the variational perception–action agent: the seed's F_t
// (Eq. 2 and its DAG form) minimised by perception, learning and action.
//
// # Model
//
// World is the latent world model over time (the seed's "Internal structure
// of hidden states"): latent nodes s^1 … s^N with
// p(s^n_t | s^{P(n)}_t, s^n_{t−1}, a_{t−1}) = N(μ_n, Π_n⁻¹) and the
// observation p(x_t | s^{P(0)}_t) = N(g, Π_0⁻¹); means are MLPs on the
// concatenated inputs, precisions fixed, learned constants or
// state-dependent network heads (PrecisionMode).
//
// # How each term of F_t maps to code
//
//	(a) transition  −log p(s^n_t | …)     Filter energies of nodes 1 … N; metric "transition"
//	(b) observation −log p(x_t | s_t)      Filter energy of node 0; metric "observation"
//	(c) value       −β V_{π_φ}(z_τ)        −β E_{a∼π}[min_j Q̂_j(z, a)] in the policy loss
//	                                        (exact sum over a for Discrete, reparameterised
//	                                        tanh-Gaussian sample for Box); metric "value"
//	(d) drift       −log π_φ(a_τ | z_τ)    on replayed actions actually taken, weight
//	                                        DriftWeight; metric "drift"
//	(e) −H[q(s)]                           0: q(s) = δ(s − z) is a point mass (its entropy
//	                                        is −∞, a constant dropped as the seed's cross-
//	                                        entropy remark allows); metric "perception_entropy"
//	(f) −H[q(π|s)]                         with q(π|s) = δ(π − π_φ) this is also a dropped
//	                                        constant; in its role the policy's own entropy is
//	                                        regularised: −EntropyWeight·H[π_φ(·|z)]; metric
//	                                        "policy_entropy" logs −H[π_φ(·|z)]
//
// "F" is the sum of the logged terms (value with β, drift and entropy
// unweighted). Perception (E-step) runs Filter.Infer on (a)+(b) at each
// step; learning (M-step) takes local gradients of (a)+(b) for θ at the
// relaxed states of replayed transitions; the critics learn V_{π_φ} by the
// SARSA-like expected target R + γ(1 − terminated)·E_{a'∼π}[min_j Q̂'_j(z', a')]
// with target networks; the reward is R = r + α·i(z) with
// i(s) = E_{π(a|s)}[−H[p(s'|s, a)]] in closed form from the predicted
// Gaussian transition (it depends on s only with state-dependent precision).
//
// # What the policy reads
//
// In the DAG form the observation is node 0 of the state at time t, clamped:
// q(s^0_t) = δ(s^0_t − x_t). The policy π_φ(a|s) and the critics therefore
// read the whole point-mass state [x_t, z^1_t, …, z^N_t] (Config.PolicyObs,
// the default), not the free latents alone. The clamped node has the
// observation's fixed scale; the free latents carry the memory a partially
// observed task needs. With q(s) a point mass the entropy term (e) that
// would fix the latents' scale is a dropped constant, so the M-step can trade
// the latents' magnitude against the gain of the observation map (shrinking
// z lowers the transition terms (a) while g(z) still explains x_t): a critic
// reading z_t alone regresses onto a drifting input. PolicyObs = false keeps
// the z_t-only policy.
//
// # Conventions
//
// Batches are tensor.Mat rows. Every random draw takes an explicit
// *rand.Rand; Train with the same seed gives identical metrics. The filter
// backtracks per sample, so inference never increases F.
package agent
