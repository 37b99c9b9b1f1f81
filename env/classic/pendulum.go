package classic

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/render"
)

// Pendulum constants, as in Gymnasium's PendulumEnv.
const (
	pdMaxSpeed  = 8.0
	pdMaxTorque = 2.0
	pdDt        = 0.05
	pdMass      = 1.0
	pdLength    = 1.0
	// PendulumGravity is Pendulum-v1's default gravity g in m/s².
	PendulumGravity = 10.0
)

// Pendulum is Gymnasium's Pendulum-v1 swing-up task without the time limit
// (Make adds 200 steps). It never terminates.
//
// State (Stateful layout): [θ, θ̇] with θ = 0 upright, in radians and rad/s.
// Observation: [cos θ, sin θ, θ̇] as float32. Action: torque in
// Box([−2], [2]), clipped to that range. With u the clipped torque, each
// step (semi-implicit Euler, dt = 0.05, m = l = 1)
//
//	reward = −(norm(θ)² + 0.1·θ̇² + 0.001·u²)      (on the state before the step)
//	θ̇ ← clip(θ̇ + (3g/(2l)·sin θ + 3/(ml²)·u)·dt, −8, 8)
//	θ ← θ + θ̇·dt
//
// where norm wraps an angle to [−π, π). θ itself is not wrapped. Reset
// draws θ from U[−π, π) and θ̇ from U[−1, 1). As Gymnasium does with
// NumPy 2, the terms in u are evaluated in float32 (u is a float32).
type Pendulum struct {
	// G is gravity in m/s²; NewPendulum sets PendulumGravity (10).
	G float64

	th, thDot float64
	lastU     float32
	hasU      bool
	obs       []float32
	started   bool
}

var (
	_ env.Env      = (*Pendulum)(nil)
	_ env.Stateful = (*Pendulum)(nil)
	_ env.Renderer = (*Pendulum)(nil)
)

// NewPendulum returns a Pendulum with g = 10; call Reset before Step.
func NewPendulum() *Pendulum {
	return &Pendulum{G: PendulumGravity, obs: make([]float32, 3), th: math.Pi}
}

// ObservationSpace is Box([−1, −1, −8], [1, 1, 8]).
func (p *Pendulum) ObservationSpace() env.Space {
	return env.NewBox([]float32{-1, -1, -pdMaxSpeed}, []float32{1, 1, pdMaxSpeed})
}

// ActionSpace is Box([−2], [2]).
func (p *Pendulum) ActionSpace() env.Space { return env.UniformBox(-pdMaxTorque, pdMaxTorque, 1) }

// Reset draws θ from U[−π, π) and θ̇ from U[−1, 1).
func (p *Pendulum) Reset(rng *rand.Rand) []float32 {
	p.th = uniform(rng, -math.Pi, math.Pi)
	p.thDot = uniform(rng, -1, 1)
	p.hasU = false
	p.started = true
	return p.observe()
}

// AngleNormalize wraps x to [−π, π) as Gymnasium's angle_normalize does:
// ((x + π) mod 2π) − π with a floored (non-negative) modulo.
func AngleNormalize(x float64) float64 {
	twoPi := 2 * math.Pi
	r := math.Mod(x+math.Pi, twoPi)
	if r != 0 && r < 0 {
		r += twoPi
	} else if r == 0 {
		r = 0 // +0, as NumPy's remainder returns for a positive divisor
	}
	return r - math.Pi
}

// Step applies the torque. It panics if Reset was not called or len(action)
// is not 1.
func (p *Pendulum) Step(action []float32) env.Step {
	if !p.started {
		panic("classic: Pendulum.Step before Reset")
	}
	if len(action) != 1 {
		panic("classic: Pendulum.Step needs a 1-value action")
	}
	u := min(max(action[0], -pdMaxTorque), pdMaxTorque)
	if action[0] != action[0] {
		u = action[0] // np.clip propagates NaN
	}
	p.lastU, p.hasU = u, true
	th, thDot := p.th, p.thDot
	an := AngleNormalize(th)
	uu := u * u                  // float32
	costU := float32(0.001) * uu // float32 (0.001 is cast to float32)
	costs := float64(an*an) + float64(0.1*float64(thDot*thDot)) + float64(costU)
	g, m, l := p.G, float64(pdMass), float64(pdLength)
	acc := float64(3*g/(2*l)*math.Sin(th)) + float64(float32(3.0/(m*l*l))*u)
	newThDot := thDot + float64(acc*pdDt)
	newThDot = min(max(newThDot, -pdMaxSpeed), pdMaxSpeed)
	newTh := th + float64(newThDot*pdDt)
	p.th, p.thDot = newTh, newThDot
	return env.Step{Obs: p.observe(), Reward: -costs}
}

func (p *Pendulum) observe() []float32 {
	s, c := math.Sincos(p.th)
	p.obs[0], p.obs[1], p.obs[2] = float32(c), float32(s), float32(p.thDot)
	return p.obs
}

// State returns [θ, θ̇].
func (p *Pendulum) State() []float64 { return []float64{p.th, p.thDot} }

// SetState sets [θ, θ̇]; it returns an error unless s holds 2 finite values.
func (p *Pendulum) SetState(s []float64) error {
	if err := checkState("Pendulum", s, 2); err != nil {
		return err
	}
	p.th, p.thDot = s[0], s[1]
	p.hasU = false
	p.started = true
	return nil
}

// Render draws the rod (red) on a 500×500 frame, upright θ = 0 pointing up,
// with a pivot and, after a step, a bar under the pivot whose length and
// side show the last torque.
func (p *Pendulum) Render(dst *image.RGBA) *image.RGBA {
	const dim = 500
	img := frame(dst, dim, dim)
	scale := dim / (2.2 * 2)
	off := float64(dim / 2)
	rodLen, rodW := 1*scale, 0.2*scale
	red := color.RGBA{204, 77, 77, 255}
	flip := func(q render.Point) render.Point { return render.Point{X: q.X + off, Y: dim - (q.Y + off)} }
	ang := p.th + math.Pi/2
	rod := make([]render.Point, 0, 4)
	for _, c := range []render.Point{{X: 0, Y: -rodW / 2}, {X: 0, Y: rodW / 2}, {X: rodLen, Y: rodW / 2}, {X: rodLen, Y: -rodW / 2}} {
		rod = append(rod, flip(render.Rotate(c, ang)))
	}
	render.Polygon(img, rod, red)
	c0 := flip(render.Point{})
	render.Circle(img, c0.X, c0.Y, rodW/2, red)
	end := flip(render.Rotate(render.Point{X: rodLen}, ang))
	render.Circle(img, end.X, end.Y, rodW/2, red)
	if p.hasU && p.lastU == p.lastU {
		// Torque indicator: positive (counter-clockwise) extends right.
		w := float64(p.lastU) / pdMaxTorque * scale / 2
		y := c0.Y + rodW
		render.Line(img, render.Point{X: c0.X, Y: y}, render.Point{X: c0.X + w, Y: y}, 6, color.RGBA{0, 0, 0, 255})
	}
	render.Circle(img, c0.X, c0.Y, 0.05*scale, color.RGBA{0, 0, 0, 255})
	return img
}
