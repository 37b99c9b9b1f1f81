package classic

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/render"
)

// Acrobot constants, as in Gymnasium's AcrobotEnv (book dynamics).
const (
	acDt = 0.2 // seconds per step
	acG  = 9.8
)

// acMaxVel1 and acMaxVel2 are 4π and 9π rad/s, rounded as NumPy does.
var acMaxVel1, acMaxVel2 = acrobotVel()

func acrobotVel() (float64, float64) {
	pi := math.Pi
	return 4 * pi, 9 * pi
}

// Acrobot is Gymnasium's Acrobot-v1 (Sutton 1996; book dynamics) without
// the time limit (Make adds 500 steps).
//
// State (Stateful layout): [θ1, θ2, θ̇1, θ̇2]: θ1 is the angle of the first
// link from hanging straight down, θ2 that of the second link relative to
// the first, in radians and rad/s. Observation: [cos θ1, sin θ1, cos θ2,
// sin θ2, θ̇1, θ̇2] as float32. Actions: Discrete(3) applying torque −1, 0
// or +1 at the joint between the links (no torque noise). Each step
// integrates the book equations of motion (links of length 1 and mass 1,
// centres of mass at 0.5, moments of inertia 1, g = 9.8) with one
// fourth-order Runge–Kutta step of dt = 0.2 s, then wraps θ1, θ2 into
// [−π, π] and clips θ̇1 to ±4π and θ̇2 to ±9π. The episode terminates when
// the free end rises above the bar, −cos θ1 − cos(θ1 + θ2) > 1; the reward
// is −1 per step and 0 on the terminating step. Reset draws all four state
// values from U[−0.1, 0.1) and rounds them to float32, as Gymnasium does.
// (Gymnasium then evaluates the reset observation's cos and sin in NumPy's
// float32 routines, which can differ from the float64-then-rounded values
// returned here by an ulp; after the first step its state is float64 and
// the observations agree to float32 rounding.)
type Acrobot struct {
	s       [4]float64
	obs     []float32
	started bool
}

var (
	_ env.Env      = (*Acrobot)(nil)
	_ env.Stateful = (*Acrobot)(nil)
	_ env.Renderer = (*Acrobot)(nil)
)

// NewAcrobot returns an Acrobot; call Reset before Step.
func NewAcrobot() *Acrobot { return &Acrobot{obs: make([]float32, 6)} }

// ObservationSpace is Box(−high, high) with high = [1, 1, 1, 1, 4π, 9π].
func (a *Acrobot) ObservationSpace() env.Space {
	v1, v2 := float32(acMaxVel1), float32(acMaxVel2)
	return env.NewBox([]float32{-1, -1, -1, -1, -v1, -v2}, []float32{1, 1, 1, 1, v1, v2})
}

// ActionSpace is Discrete(3).
func (a *Acrobot) ActionSpace() env.Space { return env.Discrete{N: 3} }

// Reset draws each state value from U[−0.1, 0.1), rounded to float32.
func (a *Acrobot) Reset(rng *rand.Rand) []float32 {
	for i := range a.s {
		a.s[i] = float64(float32(uniform(rng, -0.1, 0.1)))
	}
	a.started = true
	return a.observe()
}

// acrobotDeriv returns the time derivative of s under joint torque tau
// (Sutton & Barto's book equations; every operation in Gymnasium's order).
func acrobotDeriv(s [4]float64, tau float64) [4]float64 {
	m1, m2, l1, lc1, lc2, i1, i2, g := 1.0, 1.0, 1.0, 0.5, 0.5, 1.0, 1.0, acG
	pi := math.Pi
	th1, th2, dth1, dth2 := s[0], s[1], s[2], s[3]
	s2, c2 := math.Sincos(th2) // the same bits as math.Sin, math.Cos (tested)
	d1 := float64(float64(m1*float64(lc1*lc1))+float64(m2*(float64(l1*l1)+float64(lc2*lc2)+float64(float64(2*l1*lc2)*c2)))) + i1 + i2
	d2 := float64(m2*(float64(lc2*lc2)+float64(float64(l1*lc2)*c2))) + i2
	phi2 := float64(float64(m2*lc2*g) * math.Cos(th1+th2-pi/2.0))
	// Explicit float64() conversions keep every product rounded on its own
	// (no fused multiply-add), as NumPy evaluates it.
	t1 := float64(float64(float64(-m2*l1*lc2)*float64(dth2*dth2)) * s2)
	t2 := float64(float64(float64(float64(2*m2*l1*lc2)*dth2)*dth1) * s2)
	t3 := float64(float64(float64(m1*lc1+m2*l1)*g) * math.Cos(th1-pi/2))
	phi1 := t1 - t2 + t3 + phi2
	ddth2 := (tau + float64(float64(d2/d1)*phi1) - float64(float64(float64(m2*l1*lc2)*float64(dth1*dth1))*s2) - phi2) /
		(float64(m2*float64(lc2*lc2)) + i2 - float64(d2*d2)/d1)
	ddth1 := -(float64(d2*ddth2) + phi1) / d1
	return [4]float64{dth1, dth2, ddth1, ddth2}
}

// acrobotRK4 advances s by one Runge–Kutta step of length dt.
func acrobotRK4(s [4]float64, tau, dt float64) [4]float64 {
	dt2 := dt / 2.0
	var y [4]float64
	k1 := acrobotDeriv(s, tau)
	for i := range y {
		y[i] = s[i] + float64(dt2*k1[i])
	}
	k2 := acrobotDeriv(y, tau)
	for i := range y {
		y[i] = s[i] + float64(dt2*k2[i])
	}
	k3 := acrobotDeriv(y, tau)
	for i := range y {
		y[i] = s[i] + float64(dt*k3[i])
	}
	k4 := acrobotDeriv(y, tau)
	h := dt / 6.0
	var out [4]float64
	for i := range out {
		sum := float64(float64(k1[i]+float64(2*k2[i]))+float64(2*k3[i])) + k4[i]
		out[i] = s[i] + float64(h*sum)
	}
	return out
}

// wrapAngle wraps x into [lo, hi] by adding or subtracting hi−lo, as
// Gymnasium's acrobot wrap does.
func wrapAngle(x, lo, hi float64) float64 {
	diff := hi - lo
	for x > hi {
		x -= diff
	}
	for x < lo {
		x += diff
	}
	return x
}

// Step applies the torque and integrates dt = 0.2 s. It panics if Reset was
// not called or action is not 0, 1 or 2.
func (a *Acrobot) Step(action []float32) env.Step {
	if !a.started {
		panic("classic: Acrobot.Step before Reset")
	}
	tau := float64((env.Discrete{N: 3}).Index(action) - 1)
	ns := acrobotRK4(a.s, tau, acDt)
	ns[0] = wrapAngle(ns[0], -math.Pi, math.Pi)
	ns[1] = wrapAngle(ns[1], -math.Pi, math.Pi)
	ns[2] = min(max(ns[2], -acMaxVel1), acMaxVel1)
	ns[3] = min(max(ns[3], -acMaxVel2), acMaxVel2)
	a.s = ns
	terminated := -math.Cos(ns[0])-math.Cos(ns[1]+ns[0]) > 1.0
	reward := -1.0
	if terminated {
		reward = 0
	}
	return env.Step{Obs: a.observe(), Reward: reward, Terminated: terminated}
}

func (a *Acrobot) observe() []float32 {
	s0, c0 := math.Sincos(a.s[0])
	s1, c1 := math.Sincos(a.s[1])
	a.obs[0], a.obs[1], a.obs[2], a.obs[3] = float32(c0), float32(s0), float32(c1), float32(s1)
	a.obs[4], a.obs[5] = float32(a.s[2]), float32(a.s[3])
	return a.obs
}

// State returns [θ1, θ2, θ̇1, θ̇2].
func (a *Acrobot) State() []float64 { return append([]float64(nil), a.s[:]...) }

// SetState sets [θ1, θ2, θ̇1, θ̇2]; it returns an error unless s holds 4
// finite values.
func (a *Acrobot) SetState(s []float64) error {
	if err := checkState("Acrobot", s, 4); err != nil {
		return err
	}
	copy(a.s[:], s)
	a.started = true
	return nil
}

// Render draws the two links (teal) with their joints (yellow) hanging from
// the centre of a 500×500 frame, and the target bar one link length above
// the pivot.
func (a *Acrobot) Render(dst *image.RGBA) *image.RGBA {
	const dim = 500
	img := frame(dst, dim, dim)
	scale := dim / (2.2 * 2)
	off := float64(dim) / 2
	flip := func(x, y float64) render.Point { return render.Point{X: x + off, Y: dim - (y + off)} }
	render.Line(img, flip(-2.2*scale, 1*scale), flip(2.2*scale, 1*scale), 2, color.RGBA{0, 0, 0, 255})
	// Joint positions in a y-up frame: hanging down is θ = 0.
	x1, y1 := math.Sin(a.s[0])*scale, -math.Cos(a.s[0])*scale
	joints := [][2]float64{{0, 0}, {x1, y1}}
	angles := []float64{a.s[0] - math.Pi/2, a.s[0] + a.s[1] - math.Pi/2}
	for k, j := range joints {
		link := make([]render.Point, 0, 4)
		for _, c := range []render.Point{{X: 0, Y: -0.1 * scale}, {X: 0, Y: 0.1 * scale}, {X: scale, Y: 0.1 * scale}, {X: scale, Y: -0.1 * scale}} {
			q := render.Rotate(c, angles[k])
			link = append(link, flip(q.X+j[0], q.Y+j[1]))
		}
		render.Polygon(img, link, color.RGBA{0, 204, 204, 255})
	}
	for _, j := range joints {
		p := flip(j[0], j[1])
		render.Circle(img, p.X, p.Y, 0.1*scale, color.RGBA{204, 204, 0, 255})
	}
	return img
}
