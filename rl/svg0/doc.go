// Package svg0 implements SVG(0), stochastic value gradients with a
// one-step critic (Heess et al. 2015), as the seed describes it.
//
// # The seed's objective
//
// SVG(0) is the seed's third amortised gradient method
// (variational-framework.md, "Amortized gradient methods", item 3): DDPG
// for a stochastic policy π_φ through the reparameterisation a =
// f_φ(s, ε), ε ~ p(ε), so ∇_φ V(s) ≈ E_ε[∇_φ Q̂(s, f_φ(s, ε))], with
// Q̂ ≈ Q_{π_φ} (not Q_{π*}) fitted by the SARSA-like loss
//
//	½ E_{s, a, s', a' ~ π_φ}[(Q̂(s, a) − (R(s, a) + γ Q̂(s', a')))²],
//
// the bootstrap Q̂(s', a') evaluated with a Polyak copy of the critic. The
// policy is a tanh-squashed diagonal Gaussian, f_φ(s, ε) =
// tanh(μ_φ(s) + σ_φ(s)ε).
//
// # Relation to SAC
//
// The seed presents SAC as "SVG(0) with an entropy term"; conversely SVG(0)
// is SAC's twin-Q form with the temperature fixed at α = 0 (and, by
// default, one critic). Train therefore runs package sac's training loop
// with that configuration; its tests cover the α = 0 target, gradients and
// truncation handling.
//
// # Conventions
//
// As in package sac: Box observations, bounded Box actions handled in
// [−1, 1]^D, no bootstrap after Terminated, bootstrap from the true final
// observation after Truncated, all randomness from Train's seed.
package svg0
