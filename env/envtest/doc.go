// Package envtest is the conformance suite that every env.Env in vfe must
// pass: well-formed spaces, seeded determinism, finite observations inside
// the observation space, Gymnasium's terminated/truncated semantics,
// Reset after the end of an episode, exact State/SetState replay for
// Stateful envs and allocation-free stepping.
//
// # Conventions
//
// Check runs subtests Spaces, Determinism, Episodes, State (Stateful envs
// only) and Allocs, drawing from its own generators seeded 1, 2 and 3, so
// a failure reproduces exactly. Statistics that wrappers keep across
// episodes (normalisation) are saved and restored around the determinism
// check with wrap.SaveState and wrap.LoadState. A time-limit wrapper in the
// chain (anything with a MaxSteps() int method) makes the suite check that
// Truncated is set exactly at the limit.
//
// It implements no equation of the seed; it checks the contract of the
// environment p(s_τ | s_{τ-1}, a_{τ-1}), p(x_τ | s_τ) as seen through Env.
package envtest
