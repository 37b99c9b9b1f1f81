// Package pc implements predictive-coding networks exactly as the seed
// ("Variational framework for perception and action", section "Predictive
// coding" and the DAG form of Eq. 2) writes them: a Gaussian generative model
// over a DAG of nodes s^n with point-mass posteriors q(s^n) = δ(s^n − z_n).
//
// # Model
//
// Each node n with parents P(n) has p(s^n | s^{P(n)}) = N(μ_n, Σ_n) with
// μ_n = Σ_{edges p→n} Fn_e(z_p); for the default Dense edge Fn(s) = W f(s) + b
// (the seed's μ_l(s^l) = W_l f(s^l) + b_l). A root has the prior N(μ̂, Σ̂), or
// no term (PriorNone, a flat prior for an always-clamped input). The
// free energy is
//
//	F(x; θ, z) = Σ_n ½ ε_nᵀ Σ_n⁻¹ ε_n + ½ log|2π Σ_n|,   ε_n = z_n − μ_n,
//
// summed over the batch, reported per sample (batch mean), per node and in
// total (State.Energy). Precisions Π_n = Σ_n⁻¹ are fixed scalars (default 1),
// learned scalars or learned diagonals (kept in [PrecFloor, PrecCeil]).
//
// # Phases
//
// The phases are explicit methods:
//
//   - Clamp fixes observed nodes (State.Clamp; clamping is a field, not a mode).
//   - Init sets the free nodes: a feed-forward sweep of predictions
//     (InitForward), zeros, or values an amortised network wrote (InitKeep).
//   - Infer is the E-step: T gradient steps on the free z with the seed's
//     ∂F/∂z_n = Π_n ε_n − Σ_{edges n→c} (∂μ_c/∂z_n)ᵀ Π_c ε_c, by plain steps,
//     momentum or Adam, with optional energy-aware step decay, early stopping
//     and the fixed-prediction assumption.
//   - Learn is the M-step: ∂F/∂θ at the relaxed z, −(∂μ/∂θ)ᵀ Π ε for the
//     edges, ½ε² − ½/π for learned precisions, −Π(z − μ̂) for a learned prior
//     mean; an optim.Optimizer applies it. Backprop is the baseline on the
//     identical architecture.
//
// # Conventions
//
// Activities and weights are float32; energies are accumulated in float64.
// A State owns every per-batch buffer, so after the first batch of a given
// size Init, Infer and Learn allocate nothing. A clamped node's outgoing
// predictions are computed once per batch (they cannot change during
// inference). Shape mismatches panic with a "pc:" message; a non-finite
// energy is returned as *ErrDiverged naming the step and node.
package pc
