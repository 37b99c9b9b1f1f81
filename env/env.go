package env

import (
	"image"
	"math/rand/v2"
)

// Step is the outcome of one environment transition.
type Step struct {
	// Obs is the next observation; when the episode ended it is the final
	// observation of that episode. It may be reused by the env on the next
	// call (see the package conventions).
	Obs []float32
	// Reward is the reward for the transition just taken.
	Reward float64
	// Terminated is true when the new state is terminal: the value of the
	// next state is zero, do not bootstrap.
	Terminated bool
	// Truncated is true when the episode was cut off for a reason outside
	// the task (a time limit): bootstrap from Obs.
	Truncated bool
}

// Done reports whether the episode ended, for either reason. Learners must
// still treat Terminated and Truncated differently.
func (s Step) Done() bool { return s.Terminated || s.Truncated }

// Env is a (possibly partially observed) Markov decision process.
type Env interface {
	// ObservationSpace describes the observations returned by Reset and Step.
	ObservationSpace() Space
	// ActionSpace describes the actions accepted by Step.
	ActionSpace() Space
	// Reset starts a new episode with an initial state drawn from rng and
	// returns the first observation. It panics if rng is nil.
	Reset(rng *rand.Rand) []float32
	// Step applies action and returns the transition.
	Step(action []float32) Step
}

// Stateful is an Env whose full internal physical state can be read and
// set, for tests, model-based planning and exact replay of a trajectory.
type Stateful interface {
	// State returns a fresh copy of the physical state (its layout is
	// documented by each env).
	State() []float64
	// SetState replaces the physical state. It returns an error if s has the
	// wrong length or holds a non-finite value. Setting a state also starts
	// a new episode as far as termination bookkeeping is concerned.
	SetState(s []float64) error
}

// Unwrapper is implemented by wrappers: Unwrap returns the wrapped env.
type Unwrapper interface {
	Unwrap() Env
}

// Renderer is an Env that can draw its current state as an RGB picture.
type Renderer interface {
	// Render draws the current state into dst and returns it; a nil dst, or
	// one of the wrong size, is replaced by a new image of the env's frame
	// size. Render before the first Reset draws the default state.
	Render(dst *image.RGBA) *image.RGBA
}

// Policy chooses actions from observations. Act may reuse the returned
// slice between calls; it draws any randomness from rng.
type Policy interface {
	Act(obs []float32, rng *rand.Rand) []float32
}

// RandomPolicy samples actions uniformly from a space (Space.Sample).
type RandomPolicy struct {
	// Space is the action space to sample; it must not be nil.
	Space Space
	buf   []float32
}

// Act returns a sample of p.Space drawn with rng; obs is ignored. The
// returned slice is reused by the next call.
func (p *RandomPolicy) Act(_ []float32, rng *rand.Rand) []float32 {
	p.buf = p.Space.Sample(p.buf, rng)
	return p.buf
}

// Inner returns the innermost env of a chain of wrappers (e itself if it
// does not implement Unwrapper).
func Inner(e Env) Env {
	for {
		u, ok := e.(Unwrapper)
		if !ok {
			return e
		}
		e = u.Unwrap()
	}
}

// AsStateful returns the first env in the wrapper chain of e, from the
// outside in, that implements Stateful.
func AsStateful(e Env) (Stateful, bool) {
	for {
		if s, ok := e.(Stateful); ok {
			return s, true
		}
		u, ok := e.(Unwrapper)
		if !ok {
			return nil, false
		}
		e = u.Unwrap()
	}
}

// AsRenderer returns the first env in the wrapper chain of e, from the
// outside in, that implements Renderer.
func AsRenderer(e Env) (Renderer, bool) {
	for {
		if r, ok := e.(Renderer); ok {
			return r, true
		}
		u, ok := e.(Unwrapper)
		if !ok {
			return nil, false
		}
		e = u.Unwrap()
	}
}
