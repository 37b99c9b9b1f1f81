// Package classic implements Gymnasium's classic-control tasks with
// identical dynamics: CartPole-v1, MountainCar-v0, MountainCarContinuous-v0,
// Pendulum-v1 and Acrobot-v1, and the registry Make that returns them by
// Gymnasium id with Gymnasium's time limits.
//
// # Exactness
//
// Each task uses Gymnasium's constants, integrator (explicit Euler for
// CartPole, the "semi-implicit" update for Pendulum, one RK4 step with the
// book equations for Acrobot), angle wrapping, clipping, rewards,
// termination thresholds, initial-state distributions and time limits.
// Physics run in float64 with every operation in Gymnasium's order (and
// explicit conversions that forbid fused multiply-adds); observations are
// float32 as Gymnasium returns them; rewards are float64 like Python
// floats. Where Gymnasium, under NumPy 2's promotion rules (NEP 50), mixes a
// float32 action or state with Python floats and so computes in float32
// (Pendulum's torque terms, MountainCarContinuous's whole update and its
// float32 state array), the same roundings are reproduced. Given the same
// internal state (Stateful.SetState) and actions, the tasks reproduce
// Gymnasium's observations, rewards and flags for whole episodes; the
// remaining source of difference is the last bit of cos/sin between Go's
// math package and the C library NumPy calls.
//
// Initial states follow Gymnasium's distributions but are drawn from the
// math/rand/v2 generator given to Reset, so a seed does not reproduce
// Gymnasium's own initial states; use SetState for that.
//
// # Conventions
//
// The tasks are unwrapped: they never truncate. Make adds the time limit.
// Observations returned by Reset and Step are reused by the next call.
// Discrete actions are one float32 holding the index. Every task
// implements env.Stateful (layout in its doc) and env.Renderer (frames like
// Gymnasium's rgb_array renders: 600×400 for CartPole and the mountain
// cars, 500×500 for Pendulum and Acrobot).
//
// In the seed's notation each task is the hidden-state transition
// p(s_τ | s_{τ-1}, a_{τ-1}) (deterministic here) with a fully observed
// x_τ = s_τ (or a fixed function of it); env/wrap makes the observation
// partial.
package classic
