// Package wrap holds env.Env wrappers: a time limit, partial observability
// (masking observation dimensions, additive Gaussian observation noise,
// frame stacking), observation and reward normalisation with running
// statistics that can be saved and restored, action rescaling and clipping,
// and episode statistics. Apply builds a chain from short text specs, for
// command lines.
//
// In the seed's graphical model the wrappers change the observation map
// p(x_τ | s_τ): Mask and Noise make it lossy (partial observation), Stack
// gives a memory of recent observations. TimeLimit truncates episodes
// (Truncated, never Terminated), so learners bootstrap at the cut.
//
// # Conventions
//
// Every wrapper implements env.Unwrapper, so env.AsStateful and
// env.AsRenderer reach the task underneath. Step and Reset do not allocate;
// returned observation slices are reused by the next call. Constructors
// panic on programmer errors (bad dimensions) with a "wrap:" message; Apply
// returns errors for bad specs. Randomness (observation noise) comes from
// the rng given to Reset, kept for the episode.
package wrap
