package wrap

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/vfe-go/vfe/env"
)

// TimeLimit truncates episodes after MaxSteps steps, as Gymnasium's
// TimeLimit does: the step that reaches the limit has Truncated set (and
// keeps Terminated if the task also terminated on it).
type TimeLimit struct {
	inner    env.Env
	maxSteps int
	elapsed  int
}

var _ env.Env = (*TimeLimit)(nil)

// NewTimeLimit wraps e with a limit of maxSteps steps per episode. It
// panics if maxSteps < 1.
func NewTimeLimit(e env.Env, maxSteps int) *TimeLimit {
	if maxSteps < 1 {
		panic(fmt.Sprintf("wrap: NewTimeLimit with maxSteps %d; need at least 1", maxSteps))
	}
	return &TimeLimit{inner: e, maxSteps: maxSteps}
}

// MaxSteps returns the episode limit.
func (t *TimeLimit) MaxSteps() int { return t.maxSteps }

// Elapsed returns the number of steps taken in the current episode.
func (t *TimeLimit) Elapsed() int { return t.elapsed }

// ObservationSpace is the wrapped env's.
func (t *TimeLimit) ObservationSpace() env.Space { return t.inner.ObservationSpace() }

// ActionSpace is the wrapped env's.
func (t *TimeLimit) ActionSpace() env.Space { return t.inner.ActionSpace() }

// Unwrap returns the wrapped env.
func (t *TimeLimit) Unwrap() env.Env { return t.inner }

// Reset resets the step counter and the wrapped env.
func (t *TimeLimit) Reset(rng *rand.Rand) []float32 {
	t.elapsed = 0
	return t.inner.Reset(rng)
}

// Step steps the wrapped env and sets Truncated when the limit is reached.
func (t *TimeLimit) Step(action []float32) env.Step {
	st := t.inner.Step(action)
	t.elapsed++
	if t.elapsed >= t.maxSteps {
		st.Truncated = true
	}
	return st
}

// Mask removes chosen observation dimensions, making the task partially
// observed (for example CartPole without its velocities, dims 1 and 3).
type Mask struct {
	inner env.Env
	keep  []int
	obs   []float32
	space env.Space
}

var _ env.Env = (*Mask)(nil)

// NewMask wraps e and drops the observation dimensions in dims (0-based,
// any order). It panics if e's observation space is not a Box, if a
// dimension is out of range or repeated, or if nothing would remain.
func NewMask(e env.Env, dims []int) *Mask {
	box, ok := e.ObservationSpace().(*env.Box)
	if !ok {
		panic("wrap: NewMask needs a Box observation space")
	}
	n := box.Dim()
	drop := make([]bool, n)
	for _, d := range dims {
		if d < 0 || d >= n {
			panic(fmt.Sprintf("wrap: NewMask dimension %d outside [0, %d)", d, n))
		}
		if drop[d] {
			panic(fmt.Sprintf("wrap: NewMask dimension %d given twice", d))
		}
		drop[d] = true
	}
	m := &Mask{inner: e}
	var lo, hi []float32
	for i := 0; i < n; i++ {
		if !drop[i] {
			m.keep = append(m.keep, i)
			lo, hi = append(lo, box.Low[i]), append(hi, box.High[i])
		}
	}
	if len(m.keep) == 0 {
		panic("wrap: NewMask would drop every observation dimension")
	}
	m.obs = make([]float32, len(m.keep))
	m.space = env.NewBox(lo, hi)
	return m
}

// Kept returns the indices of the wrapped env's observation that remain.
func (m *Mask) Kept() []int { return slices.Clone(m.keep) }

// ObservationSpace is the wrapped Box restricted to the kept dimensions.
func (m *Mask) ObservationSpace() env.Space { return m.space }

// ActionSpace is the wrapped env's.
func (m *Mask) ActionSpace() env.Space { return m.inner.ActionSpace() }

// Unwrap returns the wrapped env.
func (m *Mask) Unwrap() env.Env { return m.inner }

func (m *Mask) project(x []float32) []float32 {
	for i, k := range m.keep {
		m.obs[i] = x[k]
	}
	return m.obs
}

// Reset resets the wrapped env and returns the kept dimensions.
func (m *Mask) Reset(rng *rand.Rand) []float32 { return m.project(m.inner.Reset(rng)) }

// Step steps the wrapped env and returns the kept dimensions.
func (m *Mask) Step(action []float32) env.Step {
	st := m.inner.Step(action)
	st.Obs = m.project(st.Obs)
	return st
}

// Noise adds independent Gaussian noise N(0, σ_i²) to every observation
// dimension, drawn from the rng given to Reset.
type Noise struct {
	inner env.Env
	std   []float64
	rng   *rand.Rand
	obs   []float32
	space env.Space
}

var _ env.Env = (*Noise)(nil)

// NewNoise wraps e with noise of standard deviation std (one value for all
// dimensions, or one per dimension). Its observation space is unbounded,
// since noise can leave the wrapped bounds. It panics if len(std) is
// neither 1 nor the observation dimension, or a σ is negative or NaN.
func NewNoise(e env.Env, std ...float64) *Noise {
	n := e.ObservationSpace().Dim()
	if len(std) != 1 && len(std) != n {
		panic(fmt.Sprintf("wrap: NewNoise got %d standard deviations for %d dimensions", len(std), n))
	}
	s := make([]float64, n)
	for i := range s {
		s[i] = std[min(i, len(std)-1)]
		if !(s[i] >= 0) {
			panic(fmt.Sprintf("wrap: NewNoise standard deviation %v must be ≥ 0", s[i]))
		}
	}
	inf := float32(math.Inf(1))
	return &Noise{inner: e, std: s, obs: make([]float32, n), space: env.UniformBox(-inf, inf, n)}
}

// ObservationSpace is an unbounded Box of the wrapped dimension.
func (w *Noise) ObservationSpace() env.Space { return w.space }

// ActionSpace is the wrapped env's.
func (w *Noise) ActionSpace() env.Space { return w.inner.ActionSpace() }

// Unwrap returns the wrapped env.
func (w *Noise) Unwrap() env.Env { return w.inner }

func (w *Noise) perturb(x []float32) []float32 {
	for i, v := range x {
		w.obs[i] = float32(float64(v) + w.std[i]*w.rng.NormFloat64())
	}
	return w.obs
}

// Reset resets the wrapped env (which draws from rng first), keeps rng for
// the episode's noise and returns the noisy first observation.
func (w *Noise) Reset(rng *rand.Rand) []float32 {
	x := w.inner.Reset(rng)
	w.rng = rng
	return w.perturb(x)
}

// Step steps the wrapped env and returns a noisy observation. It panics if
// Reset was not called.
func (w *Noise) Step(action []float32) env.Step {
	if w.rng == nil {
		panic("wrap: Noise.Step before Reset")
	}
	st := w.inner.Step(action)
	st.Obs = w.perturb(st.Obs)
	return st
}

// Stack concatenates the last K observations, oldest first, as Gymnasium's
// FrameStackObservation does with padding by the first observation of the
// episode.
type Stack struct {
	inner env.Env
	k, n  int
	buf   []float32 // ring of K observations
	head  int       // index of the oldest frame
	obs   []float32
	space env.Space
}

var _ env.Env = (*Stack)(nil)

// NewStack wraps e to return its last k observations (k·dim values, shape
// k×dim). It panics if k < 1 or the observation space is not a Box.
func NewStack(e env.Env, k int) *Stack {
	if k < 1 {
		panic(fmt.Sprintf("wrap: NewStack with k %d; need at least 1", k))
	}
	box, ok := e.ObservationSpace().(*env.Box)
	if !ok {
		panic("wrap: NewStack needs a Box observation space")
	}
	n := box.Dim()
	lo, hi := make([]float32, 0, k*n), make([]float32, 0, k*n)
	for i := 0; i < k; i++ {
		lo, hi = append(lo, box.Low...), append(hi, box.High...)
	}
	return &Stack{inner: e, k: k, n: n, buf: make([]float32, k*n), obs: make([]float32, k*n),
		space: env.NewBox(lo, hi, k, n)}
}

// ObservationSpace is the wrapped Box tiled K times, shape K×dim.
func (s *Stack) ObservationSpace() env.Space { return s.space }

// ActionSpace is the wrapped env's.
func (s *Stack) ActionSpace() env.Space { return s.inner.ActionSpace() }

// Unwrap returns the wrapped env.
func (s *Stack) Unwrap() env.Env { return s.inner }

func (s *Stack) flat() []float32 {
	for i := 0; i < s.k; i++ {
		j := (s.head + i) % s.k
		copy(s.obs[i*s.n:(i+1)*s.n], s.buf[j*s.n:(j+1)*s.n])
	}
	return s.obs
}

// Reset fills all K frames with the first observation.
func (s *Stack) Reset(rng *rand.Rand) []float32 {
	x := s.inner.Reset(rng)
	for i := 0; i < s.k; i++ {
		copy(s.buf[i*s.n:(i+1)*s.n], x)
	}
	s.head = 0
	return s.flat()
}

// Step appends the new observation, dropping the oldest.
func (s *Stack) Step(action []float32) env.Step {
	st := s.inner.Step(action)
	copy(s.buf[s.head*s.n:(s.head+1)*s.n], st.Obs)
	s.head = (s.head + 1) % s.k
	st.Obs = s.flat()
	return st
}

// ClipAction clips Box actions to the wrapped env's bounds before passing
// them on; its own action space is unbounded, as in Gymnasium.
type ClipAction struct {
	inner env.Env
	box   *env.Box
	act   []float32
	space env.Space
}

var _ env.Env = (*ClipAction)(nil)

// NewClipAction wraps e. It panics if e's action space is not a Box.
func NewClipAction(e env.Env) *ClipAction {
	box, ok := e.ActionSpace().(*env.Box)
	if !ok {
		panic("wrap: NewClipAction needs a Box action space")
	}
	inf := float32(math.Inf(1))
	return &ClipAction{inner: e, box: box, act: make([]float32, box.Dim()), space: env.UniformBox(-inf, inf, box.Dim())}
}

// ObservationSpace is the wrapped env's.
func (c *ClipAction) ObservationSpace() env.Space { return c.inner.ObservationSpace() }

// ActionSpace is an unbounded Box of the wrapped dimension.
func (c *ClipAction) ActionSpace() env.Space { return c.space }

// Unwrap returns the wrapped env.
func (c *ClipAction) Unwrap() env.Env { return c.inner }

// Reset resets the wrapped env.
func (c *ClipAction) Reset(rng *rand.Rand) []float32 { return c.inner.Reset(rng) }

// Step clips action into the wrapped bounds and steps. It panics if
// len(action) differs from the action dimension.
func (c *ClipAction) Step(action []float32) env.Step {
	if len(action) != len(c.act) {
		panic(fmt.Sprintf("wrap: ClipAction.Step got %d action values, want %d", len(action), len(c.act)))
	}
	for i, a := range action {
		c.act[i] = min(max(a, c.box.Low[i]), c.box.High[i])
	}
	return c.inner.Step(c.act)
}

// RescaleAction maps actions from [Low, High] (per dimension) affinely
// onto the wrapped env's Box bounds, as Gymnasium's RescaleAction does.
type RescaleAction struct {
	inner    env.Env
	box      *env.Box
	low, hig float32
	act      []float32
	space    env.Space
}

var _ env.Env = (*RescaleAction)(nil)

// NewRescaleAction wraps e so that actions in [low, high] (commonly −1, 1)
// map onto e's bounds. It panics if e's action space is not a Box with
// finite bounds or if low >= high.
func NewRescaleAction(e env.Env, low, high float32) *RescaleAction {
	box, ok := e.ActionSpace().(*env.Box)
	if !ok {
		panic("wrap: NewRescaleAction needs a Box action space")
	}
	for i := range box.Low {
		if math.IsInf(float64(box.Low[i]), 0) || math.IsInf(float64(box.High[i]), 0) {
			panic("wrap: NewRescaleAction needs finite action bounds")
		}
	}
	if !(low < high) {
		panic(fmt.Sprintf("wrap: NewRescaleAction range [%v, %v] is empty", low, high))
	}
	return &RescaleAction{inner: e, box: box, low: low, hig: high, act: make([]float32, box.Dim()),
		space: env.UniformBox(low, high, box.Dim())}
}

// ObservationSpace is the wrapped env's.
func (r *RescaleAction) ObservationSpace() env.Space { return r.inner.ObservationSpace() }

// ActionSpace is Box(low, high) of the wrapped dimension.
func (r *RescaleAction) ActionSpace() env.Space { return r.space }

// Unwrap returns the wrapped env.
func (r *RescaleAction) Unwrap() env.Env { return r.inner }

// Reset resets the wrapped env.
func (r *RescaleAction) Reset(rng *rand.Rand) []float32 { return r.inner.Reset(rng) }

// Step maps a ∈ [low, high] to lo + (hi−lo)·(a−low)/(high−low) per
// dimension (computed in float64) and steps. It panics if len(action)
// differs from the action dimension.
func (r *RescaleAction) Step(action []float32) env.Step {
	if len(action) != len(r.act) {
		panic(fmt.Sprintf("wrap: RescaleAction.Step got %d action values, want %d", len(action), len(r.act)))
	}
	l, h := float64(r.low), float64(r.hig)
	for i, a := range action {
		lo, hi := float64(r.box.Low[i]), float64(r.box.High[i])
		r.act[i] = float32(lo + (hi-lo)*(float64(a)-l)/(h-l))
	}
	return r.inner.Step(r.act)
}

// EpisodeStats records the undiscounted return and length of episodes, as
// Gymnasium's RecordEpisodeStatistics does.
type EpisodeStats struct {
	inner env.Env
	// Return is the undiscounted return of the current episode so far.
	Return float64
	// Length is the number of steps of the current episode so far.
	Length int
	// LastReturn is the return of the most recently ended episode.
	LastReturn float64
	// LastLength is the length of the most recently ended episode.
	LastLength int
	// Episodes counts ended episodes (0 means none yet, and LastReturn and
	// LastLength are then 0).
	Episodes int
}

var _ env.Env = (*EpisodeStats)(nil)

// NewEpisodeStats wraps e.
func NewEpisodeStats(e env.Env) *EpisodeStats { return &EpisodeStats{inner: e} }

// ObservationSpace is the wrapped env's.
func (s *EpisodeStats) ObservationSpace() env.Space { return s.inner.ObservationSpace() }

// ActionSpace is the wrapped env's.
func (s *EpisodeStats) ActionSpace() env.Space { return s.inner.ActionSpace() }

// Unwrap returns the wrapped env.
func (s *EpisodeStats) Unwrap() env.Env { return s.inner }

// Reset starts counting a new episode.
func (s *EpisodeStats) Reset(rng *rand.Rand) []float32 {
	s.Return, s.Length = 0, 0
	return s.inner.Reset(rng)
}

// Step accumulates the reward; when the episode ends it records the totals.
func (s *EpisodeStats) Step(action []float32) env.Step {
	st := s.inner.Step(action)
	s.Return += st.Reward
	s.Length++
	if st.Terminated || st.Truncated {
		s.LastReturn, s.LastLength = s.Return, s.Length
		s.Episodes++
	}
	return st
}
