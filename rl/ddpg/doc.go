// Package ddpg implements deep deterministic policy gradients (DDPG,
// Lillicrap et al. 2016) and, as its option Config.TD3, twin delayed DDPG
// (TD3, Fujimoto et al. 2018): twin critics with the minimum in the target,
// target policy smoothing and delayed actor and target updates.
//
// # The seed's objective
//
// DDPG is the seed's second amortised gradient method
// (variational-framework.md, "Amortized gradient methods", item 2): the
// policy is deterministic, π_φ(a|s) = δ(a − μ_φ(s)), so the policy gradient
// is ∇_φ V(s) ≈ ∇_φ Q̂(s, μ_φ(s)) = ∇_a Q̂(s, a)|_{a=μ_φ(s)}·∇_φ μ_φ(s),
// and Q̂ ≈ Q_{π*} is fitted as in DQN by the loss
// ½E[(Q̂(s, a) − (r + γ Q̂'(s', μ'(s'))))²] with target copies Q̂', μ'
// updated by Polyak averaging. TD3 replaces the target by
// r + γ min_k Q̂'_k(s', clip(μ'(s') + clip(ε, ±c), ±1)), ε ~ N(0, σ̃²).
//
// # Conventions
//
// Observations come from a Box; actions from a bounded Box. The networks
// work in [−1, 1]^D (tanh actor output, replay buffer, noise) and the agent
// maps actions affinely onto the env's box. The critic loss is the seed's
// ½-scaled mean squared error (Stable-Baselines3 omits the ½; Adam makes
// the factor immaterial up to its ε). Terminated transitions do not
// bootstrap; truncated ones bootstrap from the true final observation. All
// randomness flows from Train's seed; updates and Act do not allocate.
package ddpg
