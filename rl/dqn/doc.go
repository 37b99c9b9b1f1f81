// Package dqn implements deep Q-learning (Mnih et al. 2015) with a target
// network, a linear ε-greedy exploration schedule, the Huber (smooth-L1) TD
// loss and the double-DQN target (van Hasselt et al. 2016) as an option.
//
// # The seed's objective
//
// DQN is the first of the seed's amortised gradient methods
// (variational-framework.md, "Amortized gradient methods", item 1): with a
// small discrete action space the greedy action a*(s) = argmax_a Q̂(s, a) is
// computed directly, and Q̂ ≈ Q_{π*} is fitted to the Bellman optimality
// equation by the greedy SARSA-like loss
//
//	½ E[(Q̂(s, a) − (R(s, a) + γ max_a' Q̂(s', a')))²],
//
// with the bootstrap term taken from a slowly updated target copy θ' of the
// parameters. TDLoss is this loss (HuberDelta = 0) or its Huber form
// (HuberDelta > 0, the default, which clips the TD error's gradient), and
// TDTargets computes the targets.
//
// # Conventions
//
// Observations come from a Box space and actions from a Discrete one; an
// action is one float32 column holding the index. Terminated transitions do
// not bootstrap; truncated ones (time limits) bootstrap from the true final
// observation, which rl.ReplayBuffer stores from env.VecEnv.FinalObs. Step
// counts follow Stable-Baselines3: TotalTimesteps, LearningStarts,
// TargetUpdateInterval and the ε schedule count environment steps;
// TrainFreq counts vector steps. All randomness flows from Train's seed;
// updates and action selection do not allocate.
package dqn
