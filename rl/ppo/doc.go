// Package ppo implements Proximal Policy Optimization (Schulman et al. 2017)
// with the details of Stable-Baselines3 and CleanRL: clipped probability
// ratio, generalised advantage estimation (or the seed's truncated and
// bias-corrected Ã(λ,T), see rl.AdvantageConfig), per-minibatch advantage
// normalisation, squared-error value loss with optional clipping, entropy
// bonus, K epochs of shuffled minibatches, global gradient-norm clipping,
// linear annealing of the learning rate and clip range, and an early stop on
// the approximate KL. Discrete actions use a categorical policy over logits;
// Box actions a diagonal Gaussian with a state-independent log σ, sampled
// actions clipped to the bounds before they reach the env (the unclipped
// sample is what the log-probability refers to).
//
// The loss of one minibatch of B transitions is
//
//	L = L^CLIP − β·(1/B)Σ H(π(·|s_i)) + c_v·L^V
//	L^CLIP = (1/B) Σ max(−A_i r_i, −A_i clip(r_i, 1−ε, 1+ε)),  r_i = π(a_i|s_i)/π_old(a_i|s_i)
//	L^V    = (1/B) Σ (R_i − V(s_i))²
//
// with the seed's policy gradient ∇J = E[∇log π(a|s)·Φ] for Φ = the
// advantage A^π (choice (4) of the seed's Φ list, estimated by GAE). Its
// gradients are hand-derived (ClippedSurrogate, ValueLoss, the dist
// package's log-prob and entropy gradients) and checked against finite
// differences.
//
// Truncation: when a time limit cuts an episode, the value of the true final
// observation (env.VecEnv.FinalObs) is stored in the rollout buffer and
// bootstrapped from; only Terminated stops bootstrapping.
//
// Conventions: float32 networks, float64 loss accumulation; every random
// draw comes from streams derived from Train's seed; the rollout step and the
// minibatch update do not allocate once warm.
package ppo
