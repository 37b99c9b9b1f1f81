// Package rlrun binds the reinforcement-learning algorithms (rl/<algo>) to
// run directories: it is what "vfe rl train", "vfe rl eval" and
// "vfe rl render" call.
//
// Lookup maps an --algo name to an Algorithm over a fixed switch (no
// registration, no mutable globals); Make adapts any algorithm package with
// the standard DefaultConfig / ZooConfig / Train / NewAgent functions.
// ApplySets implements --set key=value over a typed Config's JSON field
// names with type checking.
//
// Train creates a run directory holding
//
//	config.json      algo, env, steps, seed, wrappers and the full typed algorithm config
//	metrics.csv      namespaced metrics against "step" (the global env step):
//	metrics.jsonl    charts/episodic_return, charts/sps, losses/…, eval/mean_return, …
//	model.safetensors  the policy's tensors and any wrapper statistics ("wrap/…")
//	summary.json     eval_mean_return, eval_std_return, wall_s, steps, sps, seed
//	curves.png       every metric against the step (plot.Curves)
//
// and Open / Load rebuild the trained policy from it. Training twice with one
// seed writes identical metrics files, except charts/sps, which measures the
// wall clock.
//
// Conventions: every algorithm Config has the JSON keys "total_timesteps"
// and "num_envs", which TrainSpec.Steps and TrainSpec.NumEnvs set. Metrics
// arrive at arbitrary moments with arbitrary key sets, so the metrics files
// are rewritten with a widened header when a key first appears and appended
// to otherwise.
//
// No equation of the framework is implemented here.
package rlrun
