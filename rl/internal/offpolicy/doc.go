// Package offpolicy holds what the off-policy algorithms (dqn, ddpg/td3,
// sac/svg0) share: the training loop's bookkeeping (Loop: vectorised env
// construction, episode window, logging, scheduled deterministic evaluation),
// the action-value critic Q(s, a) over [s, a] with its input gradient, the
// action-box mapping of a tanh-bounded actor, and checkpoint tensor helpers.
// It is internal to rl: the algorithms' public APIs are their own packages.
package offpolicy
