package classic

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/render"
)

// Mountain-car constants shared by MountainCar-v0 and
// MountainCarContinuous-v0, as in Gymnasium.
const (
	mcMinPos   = -1.2
	mcMaxPos   = 0.6
	mcMaxSpeed = 0.07
	mcForce    = 0.001  // MountainCar-v0 force per action unit
	mcGravity  = 0.0025 // coefficient of cos(3·position)
	mcPower    = 0.0015 // MountainCarContinuous-v0 force per action unit
	mcGoal     = 0.5    // MountainCar-v0 goal position
	mccGoal    = 0.45   // MountainCarContinuous-v0 goal position
)

func mountainCarSpace() env.Space {
	return env.NewBox([]float32{mcMinPos, -mcMaxSpeed}, []float32{mcMaxPos, mcMaxSpeed})
}

// MountainCar is Gymnasium's MountainCar-v0 (Moore 1990) without the time
// limit (Make adds 200 steps).
//
// State (Stateful layout): [position, velocity]. Observation: the state as
// float32. Actions: Discrete(3): 0 accelerates left, 1 does nothing, 2
// accelerates right. Each step
//
//	v ← clip(v + (a−1)·0.001 − 0.0025·cos(3p), −0.07, 0.07)
//	p ← clip(p + v, −1.2, 0.6);  v ← 0 if p = −1.2 and v < 0
//
// The reward is −1 per step; the episode terminates when p ≥ 0.5 (and
// v ≥ 0). Reset draws p from U[−0.6, −0.4) and sets v = 0.
type MountainCar struct {
	p, v    float64
	obs     []float32
	started bool
}

var (
	_ env.Env      = (*MountainCar)(nil)
	_ env.Stateful = (*MountainCar)(nil)
	_ env.Renderer = (*MountainCar)(nil)
)

// NewMountainCar returns a MountainCar; call Reset before Step.
func NewMountainCar() *MountainCar { return &MountainCar{obs: make([]float32, 2), p: -0.5} }

// ObservationSpace is Box([−1.2, −0.07], [0.6, 0.07]).
func (m *MountainCar) ObservationSpace() env.Space { return mountainCarSpace() }

// ActionSpace is Discrete(3).
func (m *MountainCar) ActionSpace() env.Space { return env.Discrete{N: 3} }

// Reset draws the position from U[−0.6, −0.4) with zero velocity.
func (m *MountainCar) Reset(rng *rand.Rand) []float32 {
	m.p, m.v = uniform(rng, -0.6, -0.4), 0
	m.started = true
	return m.observe()
}

// Step applies the action. It panics if Reset was not called or action is
// not 0, 1 or 2.
func (m *MountainCar) Step(action []float32) env.Step {
	if !m.started {
		panic("classic: MountainCar.Step before Reset")
	}
	a := (env.Discrete{N: 3}).Index(action)
	v := m.v + (float64(float64(a-1)*mcForce) + float64(math.Cos(3*m.p)*(-mcGravity)))
	v = min(max(v, -mcMaxSpeed), mcMaxSpeed)
	p := m.p + v
	p = min(max(p, mcMinPos), mcMaxPos)
	if p == mcMinPos && v < 0 {
		v = 0
	}
	m.p, m.v = p, v
	return env.Step{Obs: m.observe(), Reward: -1, Terminated: p >= mcGoal && v >= 0}
}

func (m *MountainCar) observe() []float32 {
	m.obs[0], m.obs[1] = float32(m.p), float32(m.v)
	return m.obs
}

// State returns [position, velocity].
func (m *MountainCar) State() []float64 { return []float64{m.p, m.v} }

// SetState sets [position, velocity]; it returns an error unless s holds 2
// finite values.
func (m *MountainCar) SetState(s []float64) error {
	if err := checkState("MountainCar", s, 2); err != nil {
		return err
	}
	m.p, m.v = s[0], s[1]
	m.started = true
	return nil
}

// Render draws the hill, the car and the goal flag on a 600×400 frame.
func (m *MountainCar) Render(dst *image.RGBA) *image.RGBA { return drawMountainCar(dst, m.p, mcGoal) }

// MountainCarContinuous is Gymnasium's MountainCarContinuous-v0 without the
// time limit (Make adds 999 steps).
//
// State (Stateful layout): [position, velocity]. Observation: the state as
// float32. Action: Box([−1], [1]); the force is the action clipped to
// [−1, 1]. Each step
//
//	v ← clip(v + force·0.0015 − 0.0025·cos(3p), −0.07, 0.07)
//	p ← clip(p + v, −1.2, 0.6);  v ← 0 if p = −1.2 and v < 0
//
// The reward is −0.1·a² (a unclipped) plus 100 on the step that reaches the
// goal p ≥ 0.45 (with v ≥ 0), which terminates the episode. Reset draws p
// from U[−0.6, −0.4) with v = 0.
//
// Gymnasium stores this env's state as a float32 array after every step
// and, with NumPy 2 (NEP 50 promotion), mixes float32 and float64
// arithmetic accordingly; Step reproduces those roundings exactly, so the
// state after a step is always float32-representable.
type MountainCarContinuous struct {
	p, v    float64
	f32     bool // state is a float32 array (after a step)
	obs     []float32
	started bool
}

var (
	_ env.Env      = (*MountainCarContinuous)(nil)
	_ env.Stateful = (*MountainCarContinuous)(nil)
	_ env.Renderer = (*MountainCarContinuous)(nil)
)

// NewMountainCarContinuous returns a MountainCarContinuous; call Reset
// before Step.
func NewMountainCarContinuous() *MountainCarContinuous {
	return &MountainCarContinuous{obs: make([]float32, 2), p: -0.5}
}

// ObservationSpace is Box([−1.2, −0.07], [0.6, 0.07]).
func (m *MountainCarContinuous) ObservationSpace() env.Space { return mountainCarSpace() }

// ActionSpace is Box([−1], [1]).
func (m *MountainCarContinuous) ActionSpace() env.Space { return env.UniformBox(-1, 1, 1) }

// Reset draws the position from U[−0.6, −0.4) with zero velocity.
func (m *MountainCarContinuous) Reset(rng *rand.Rand) []float32 {
	m.p, m.v = uniform(rng, -0.6, -0.4), 0
	m.f32 = false
	m.started = true
	return m.observe()
}

// num is a value tagged with the type NumPy 2 gives it: a float64 (NumPy
// float64 or Python float) or a NumPy float32.
type num struct {
	x   float64
	f32 bool
}

func r32(x float64) float64 { return float64(float32(x)) }

// Comparisons with a Python float constant c: under NEP 50 c is cast to
// float32 when a is a float32.
func (a num) gt(c float64) bool {
	if a.f32 {
		return a.x > r32(c)
	}
	return a.x > c
}

func (a num) lt(c float64) bool {
	if a.f32 {
		return a.x < r32(c)
	}
	return a.x < c
}

func (a num) ge(c float64) bool {
	if a.f32 {
		return a.x >= r32(c)
	}
	return a.x >= c
}

func (a num) eq(c float64) bool {
	if a.f32 {
		return a.x == r32(c)
	}
	return a.x == c
}

// Step applies the action. It panics if Reset was not called or len(action)
// is not 1. Actions outside [−1, 1] are clipped for the dynamics (the
// reward penalises the unclipped value, as in Gymnasium).
func (m *MountainCarContinuous) Step(action []float32) env.Step {
	if !m.started {
		panic("classic: MountainCarContinuous.Step before Reset")
	}
	if len(action) != 1 {
		panic("classic: MountainCarContinuous.Step needs a 1-value action")
	}
	a := action[0]
	// In Gymnasium the position and velocity are NumPy float64 scalars on
	// the first step after reset and float32 scalars afterwards; Python
	// floats (the clip constants) take the other operand's type.
	pos := num{m.p, m.f32}
	vel := num{m.v, m.f32}
	// force = min(max(a, −1.0), 1.0): a float32, or a Python float when clipped.
	var term num
	var cosArg float64
	if pos.f32 {
		cosArg = r32(3 * pos.x)
	} else {
		cosArg = 3 * pos.x
	}
	g := float64(mcGravity * math.Cos(cosArg)) // Python float
	switch {
	case a < -1:
		term = num{float64(-1*mcPower) - g, false}
	case a > 1:
		term = num{float64(1*mcPower) - g, false}
	default:
		fp := r32(float64(a) * r32(mcPower))
		term = num{r32(fp - r32(g)), true}
	}
	// velocity += term
	if vel.f32 {
		vel = num{r32(vel.x + r32(term.x)), true}
	} else {
		vel = num{vel.x + term.x, false}
	}
	if vel.gt(mcMaxSpeed) {
		vel = num{mcMaxSpeed, false}
	}
	if vel.lt(-mcMaxSpeed) {
		vel = num{-mcMaxSpeed, false}
	}
	// position += velocity
	if pos.f32 {
		pos = num{r32(pos.x + r32(vel.x)), true}
	} else {
		pos = num{pos.x + vel.x, false}
	}
	if pos.gt(mcMaxPos) {
		pos = num{mcMaxPos, false}
	}
	if pos.lt(mcMinPos) {
		pos = num{mcMinPos, false}
	}
	if pos.eq(mcMinPos) && vel.x < 0 {
		vel = num{0, false}
	}
	terminated := pos.ge(mccGoal) && vel.x >= 0
	reward := 0.0
	if terminated {
		reward = 100.0
	}
	a64 := float64(a)
	reward -= float64(a64*a64) * 0.1
	m.p, m.v, m.f32 = r32(pos.x), r32(vel.x), true
	return env.Step{Obs: m.observe(), Reward: reward, Terminated: terminated}
}

func (m *MountainCarContinuous) observe() []float32 {
	m.obs[0], m.obs[1] = float32(m.p), float32(m.v)
	return m.obs
}

// State returns [position, velocity].
func (m *MountainCarContinuous) State() []float64 { return []float64{m.p, m.v} }

// SetState sets [position, velocity]; it returns an error unless s holds 2
// finite values. When both values are exactly representable as float32 the
// state is treated as Gymnasium's float32 state array after a step (so
// State then SetState replays a trajectory bit for bit); otherwise as the
// float64 array Reset creates.
func (m *MountainCarContinuous) SetState(s []float64) error {
	if err := checkState("MountainCarContinuous", s, 2); err != nil {
		return err
	}
	m.p, m.v = s[0], s[1]
	m.f32 = r32(s[0]) == s[0] && r32(s[1]) == s[1]
	m.started = true
	return nil
}

// Render draws the hill, the car and the goal flag on a 600×400 frame.
func (m *MountainCarContinuous) Render(dst *image.RGBA) *image.RGBA {
	return drawMountainCar(dst, m.p, mccGoal)
}

func mcHeight(x float64) float64 { return math.Sin(3*x)*0.45 + 0.55 }

func drawMountainCar(dst *image.RGBA, pos, goal float64) *image.RGBA {
	const w, h = 600, 400
	img := frame(dst, w, h)
	scale := w / (mcMaxPos - mcMinPos)
	flip := func(x, y float64) render.Point { return render.Point{X: x, Y: h - y} }
	// Hill.
	hill := make([]render.Point, 100)
	for i := range hill {
		x := mcMinPos + (mcMaxPos-mcMinPos)*float64(i)/99
		hill[i] = flip((x-mcMinPos)*scale, mcHeight(x)*scale)
	}
	ground := append([]render.Point{{X: 0, Y: h}}, hill...)
	ground = append(ground, render.Point{X: w, Y: h})
	render.Polygon(img, ground, color.RGBA{235, 235, 225, 255})
	render.Polyline(img, hill, 2, color.RGBA{0, 0, 0, 255})
	// Flag.
	fx, fy1 := (goal-mcMinPos)*scale, mcHeight(goal)*scale
	fy2 := fy1 + 50
	render.Line(img, flip(fx, fy1), flip(fx, fy2), 2, color.RGBA{0, 0, 0, 255})
	render.Polygon(img, []render.Point{flip(fx, fy2), flip(fx, fy2-10), flip(fx+25, fy2-5)}, color.RGBA{204, 204, 0, 255})
	// Car: a 40×20 body tilted with the slope, 10 px above the track.
	const carW, carH, clearance = 40.0, 20.0, 10.0
	ang := math.Cos(3 * pos)
	cx, cy := (pos-mcMinPos)*scale, clearance+mcHeight(pos)*scale
	body := make([]render.Point, 0, 4)
	for _, c := range []render.Point{{X: -carW / 2, Y: 0}, {X: -carW / 2, Y: carH}, {X: carW / 2, Y: carH}, {X: carW / 2, Y: 0}} {
		q := render.Rotate(c, ang)
		body = append(body, flip(q.X+cx, q.Y+cy))
	}
	render.Polygon(img, body, color.RGBA{0, 0, 0, 255})
	for _, c := range []render.Point{{X: carW / 4, Y: 0}, {X: -carW / 4, Y: 0}} {
		q := render.Rotate(c, ang)
		p := flip(q.X+cx, q.Y+cy)
		render.Circle(img, p.X, p.Y, carH/2.5, color.RGBA{128, 128, 128, 255})
	}
	return img
}
