// Package sac implements soft actor-critic in two forms selected by
// Config.ValueNet: the seed's form with a value network (Haarnoja et al.
// 2018a) and the common twin-Q form without one (Haarnoja et al. 2018b), both
// with optional automatic temperature tuning.
//
// # The seed's objectives
//
// SAC is the seed's fourth amortised gradient method
// (variational-framework.md, "Amortized gradient methods", item 4): SVG(0)
// with an entropy term. With a' ~ π_φ(·|s'), a ~ π_φ(·|s) and K critics:
//
//	seed form (ValueNet):  V̂ ← ½E[(V̂(s) − (min_k Q̂_k(s, a) − α log π_φ(a|s)))²]
//	                       Q̂_k ← ½E[(Q̂_k(s, a) − (r + γ V̂'(s')))²]
//	twin-Q form:           Q̂_k ← ½E[(Q̂_k(s, a) − (r + γ(min_j Q̂'_j(s', a') − α log π_φ(a'|s'))))²]
//	actor (both):          φ ← ∇_φ E_ε[α log π_φ(f_φ(s, ε)|s) − min_k Q̂_k(s, f_φ(s, ε))]
//	temperature:           log α ← −log α·E[log π_φ(a|s) + H̄]   (AutoAlpha)
//
// where f_φ(s, ε) = tanh(μ_φ(s) + σ_φ(s)ε) is the seed's reparameterisation
// (its "(b)") of a squashed Gaussian, V̂' and Q̂' are Polyak copies, and the
// seed's equations are the case K = 1, α = 1. The value includes the
// entropy bonus (the seed: "SAC defines the value V_π to include an entropy
// term"), which is why V̂'s target has the −α log π term and Q̂'s does not.
//
// # Conventions
//
// Observations come from a Box; actions from a bounded Box. The policy
// works in [−1, 1]^D and log π is the density there (the squash correction
// uses dist.Log1mTanhSq, exact for all u); the agent maps actions affinely
// onto the env's box. Terminated transitions do not bootstrap; truncated
// ones bootstrap from the true final observation. All randomness flows from
// Train's seed; updates and Act do not allocate.
package sac
