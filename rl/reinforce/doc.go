// Package reinforce implements REINFORCE (Williams 1992), the Monte Carlo
// policy gradient, with and without a learned baseline: the seed's
//
//	∇_φ V = Σ_τ E[Φ_τ ∇_φ log π_φ(a_τ|s_τ)]
//
// with choice (2), Φ_τ = G_τ = Σ_{τ'≥τ} γ^{τ'−τ} r_τ' (the reward-to-go), or
// choice (3), Φ_τ = G_τ − b(s_τ) with b = V̂ ≈ V_π fitted by regression on
// G_τ (Config.Baseline).
//
// Transitions enter a batch only as parts of complete episodes, so every
// G_τ is an exact Monte Carlo return: N envs step in lockstep, each env's
// open episode is recorded, and when it ends its reward-to-go is computed
// and the episode moves to the batch. Once the batch holds BatchSteps
// transitions the policy takes one Adam step on
//
//	L = −(1/B) Σ_i Φ_i log π(a_i|s_i) − β (1/B) Σ_i H(π(·|s_i))
//
// and the baseline ValueIters full-batch steps on (1/B) Σ (V̂(s_i) − G_i)².
// Truncation (a time limit) is not termination: with a baseline the
// reward-to-go is bootstrapped from V̂ of the true final observation
// (env.VecEnv.FinalObs); without one there is no value to bootstrap from and
// the episode's return is the one the time limit allows.
//
// Discrete actions use a categorical policy over logits; Box actions a
// diagonal Gaussian with a state-independent log σ (the unclipped sample
// enters log π, the env receives it clipped to the bounds). Gradients are
// checked against finite differences; the env step and the update do not
// allocate once warm; every random draw comes from streams derived from
// Train's seed.
package reinforce
