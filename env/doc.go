// Package env defines the interface between vfe's learners and the worlds
// they act in: Env, Space (Box and Discrete), Step with separate Terminated
// and Truncated flags, the Stateful interface to read and set an
// environment's full physical state, and VecEnv, N copies stepped together
// with automatic reset.
//
// In the seed's graphical model an environment is the Markov transition
// p(s_τ | s_{τ-1}, a_{τ-1}) together with the observation map p(x_τ | s_τ):
// Env.Step advances the hidden state s and returns the observation x; a
// Stateful env exposes s itself. Partial observability (a lossy map from s
// to x) is added by the wrappers in env/wrap. The concrete tasks live in
// env/classic (Gymnasium's classic-control tasks, with their registry
// classic.Make), rendering helpers in env/render and the conformance suite
// in env/envtest.
//
// # Conventions
//
//   - Observations and actions are []float32. A Discrete action is a
//     one-element slice holding the integer index (0, 1, ...).
//   - The Obs slice returned by Reset and Step belongs to the env and may be
//     overwritten by the next Reset or Step: copy it to keep it. This lets
//     stepping run without allocation.
//   - Randomness comes from an explicit *rand.Rand (math/rand/v2): Reset(rng)
//     draws the initial state from rng, and envs that need noise while
//     stepping keep that rng until the next Reset. A nil rng is a
//     programmer error.
//   - Terminated means the episode reached a true terminal state (do not
//     bootstrap); Truncated means it was cut off, e.g. by a time limit
//     (bootstrap from Obs). They are never merged.
//   - Calling Step before Reset, with an action outside the action space or
//     after the episode ended is a programmer error unless an env documents
//     otherwise; envs panic with a package-prefixed message.
package env
