// Package rl holds what vfe's reinforcement-learning algorithms share:
// rollout and replay buffers, discounted, n-step and λ-returns, the
// generalised advantage estimator GAE(λ), the seed's truncated and
// bias-corrected truncated advantage estimators, advantage normalisation and
// explained variance. The algorithms themselves live in sub-packages
// (rl/<algo>) and share these functions rather than a base type.
//
// # Conventions
//
// Data from N parallel environments over T steps are time-major: entry (or
// Mat row) t·N + n is step t of env n, so each step is a contiguous N-row
// block that a VecEnv's batch copies into directly. Step t is the transition
// (s_t, a_t, r_t, s_{t+1}) and carries two separate flags:
//
//   - Terminated: s_{t+1} is a terminal state. Its value is 0: no
//     bootstrapping.
//   - Truncated: the episode was cut off (a time limit) although s_{t+1} is
//     not terminal. Returns bootstrap from V of the true final observation
//     (RolloutBuffer.FinalValues; ReplayBuffer stores that observation as
//     NextObs), never from the auto-reset observation of the next episode.
//
// Either flag ends the episode, so traces and multi-step returns stop there;
// the flags are never merged into one "done" (which would bootstrap nothing at
// truncations and bias values towards short horizons). The end of a rollout
// cuts like a truncation, bootstrapping from the value of the last
// observation (LastValues).
//
// Rewards, values and advantages are stored as float32; returns and
// estimators accumulate in float64. Outputs go to a caller-provided
// destination (nil allocates). Adding to buffers, sampling minibatches and
// computing advantages do not allocate. Sampling takes an explicit
// *rand.Rand. Shape mismatches panic with an "rl:" message.
//
// # Equations
//
// From the seed (variational-framework.md, "GAE estimator"): the n-step
// return G^(n)_τ = Σ_{t<τ+n} γ^{t−τ} r_t + γ^n V(s_{τ+n}) (NStepReturns), the
// λ-return G_τ(λ) = (1−λ)Σ_k λ^k G^(k+1)_τ of TD(λ) (LambdaReturns), the
// n-step advantage A^(n) = G^(n) − V, GAE A_τ(λ) = (1−λ)Σ_k λ^k A^(k+1)_τ =
// Σ_t (γλ)^{t−τ} δ_t (GAE), and the truncated forms A_τ(λ,T) and
// Ã_τ(λ,T) = (1−λ)/(1−λ^T)·Σ_{k<T} λ^k A^(k+1)_τ (TruncatedGAE). How these
// behave at episode ends and when T exceeds the data is documented on
// Trajectory and TruncatedGAE and in docs/rl-estimators.md.
package rl
