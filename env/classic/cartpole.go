package classic

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/render"
)

// CartPole constants, as in Gymnasium's CartPoleEnv.
const (
	cpGravity  = 9.8
	cpMassCart = 1.0
	cpMassPole = 0.1
	cpLength   = 0.5 // half the pole's length
	cpForceMag = 10.0
	cpTau      = 0.02 // seconds per step
	cpXThresh  = 2.4
)

// CartPole-v1 derived constants, computed at run time with float64
// rounding in Gymnasium's order of operations (Go would evaluate constant
// expressions exactly).
var (
	cpTotalMass, cpPoleMassLen, cpThetaThresh = cartPoleDerived()
	cartPoleObsMax                            = [4]float32{2 * cpXThresh, math.MaxFloat32, float32(2 * cpThetaThresh), math.MaxFloat32}
)

func cartPoleDerived() (totalMass, poleMassLen, thetaThresh float64) {
	mp, mc, l, pi := float64(cpMassPole), float64(cpMassCart), float64(cpLength), math.Pi
	return mp + mc, mp * l, 12 * 2 * pi / 360
}

// CartPole is Gymnasium's CartPole-v1 dynamics (Barto, Sutton & Anderson
// 1983) without the time limit (Make adds it).
//
// State (Stateful layout): [x, ẋ, θ, θ̇] in metres, m/s, radians (0 is
// upright) and rad/s. Observation: the state as float32. Actions:
// Discrete(2), 0 pushes the cart left with 10 N, 1 right. Each step
// integrates the equations of motion over τ = 0.02 s with explicit Euler
// (positions from the old velocities), or semi-implicit Euler when
// SemiImplicit is set. The episode terminates when |x| > 2.4 or
// |θ| > 12°; the reward is 1 for every step including the terminating one
// and 0 for steps taken after termination (which Gymnasium warns about).
// Reset draws every state variable uniformly from [-0.05, 0.05).
type CartPole struct {
	// SemiImplicit selects Gymnasium's "semi-implicit euler" integrator;
	// false (the default, as in CartPole-v1) is explicit Euler.
	SemiImplicit bool

	s          [4]float64
	obs        [4]float32
	stepsAfter int // -1: not terminated yet
	started    bool
}

var (
	_ env.Env      = (*CartPole)(nil)
	_ env.Stateful = (*CartPole)(nil)
	_ env.Renderer = (*CartPole)(nil)
)

// NewCartPole returns a CartPole; call Reset before Step.
func NewCartPole() *CartPole {
	return &CartPole{stepsAfter: -1}
}

// ObservationSpace is Box(-high, high) with high = [4.8, MaxFloat32,
// 0.41887903 (24°), MaxFloat32], as in Gymnasium.
func (c *CartPole) ObservationSpace() env.Space {
	h := cartPoleObsMax
	return env.NewBox([]float32{-h[0], -h[1], -h[2], -h[3]}, h[:])
}

// ActionSpace is Discrete(2).
func (c *CartPole) ActionSpace() env.Space { return env.Discrete{N: 2} }

// Reset draws each state variable from U[-0.05, 0.05) and returns the
// observation.
func (c *CartPole) Reset(rng *rand.Rand) []float32 {
	for i := range c.s {
		c.s[i] = uniform(rng, -0.05, 0.05)
	}
	c.stepsAfter = -1
	c.started = true
	return c.observe()
}

// Step pushes the cart and integrates one time step. It panics if Reset
// (or SetState) was not called or if action is not 0 or 1.
func (c *CartPole) Step(action []float32) env.Step {
	if !c.started {
		panic("classic: CartPole.Step before Reset")
	}
	if len(action) != 1 {
		(env.Discrete{N: 2}).Index(action) // panics with the reason
	}
	a := action[0]
	if a*(a-1) != 0 { // a is neither 0 nor 1 (or NaN); one predictable branch
		(env.Discrete{N: 2}).Index(action)
	}
	// ±10 N without a data-dependent branch: −10 + 20·a is exact for a ∈ {0, 1}.
	force := -cpForceMag + 2*cpForceMag*float64(a)
	x, xDot, theta, thetaDot := c.s[0], c.s[1], c.s[2], c.s[3]
	// math.Sincos gives the same bits as math.Sin and math.Cos (tested).
	sinT, cosT := math.Sincos(theta)
	// Explicit float64() conversions keep every product rounded on its own
	// (no fused multiply-add), as NumPy evaluates it.
	temp := (force + float64(float64(cpPoleMassLen*(thetaDot*thetaDot))*sinT)) / cpTotalMass
	thetaAcc := (float64(cpGravity*sinT) - float64(cosT*temp)) /
		(cpLength * (4.0/3.0 - float64(cpMassPole*(cosT*cosT))/cpTotalMass))
	xAcc := temp - float64(cpPoleMassLen*thetaAcc)*cosT/cpTotalMass
	if !c.SemiImplicit {
		x += float64(cpTau * xDot)
		xDot += float64(cpTau * xAcc)
		theta += float64(cpTau * thetaDot)
		thetaDot += float64(cpTau * thetaAcc)
	} else {
		xDot += float64(cpTau * xAcc)
		x += float64(cpTau * xDot)
		thetaDot += float64(cpTau * thetaAcc)
		theta += float64(cpTau * thetaDot)
	}
	c.s = [4]float64{x, xDot, theta, thetaDot}
	terminated := x < -cpXThresh || x > cpXThresh || theta < -cpThetaThresh || theta > cpThetaThresh
	reward := 1.0
	if terminated {
		if c.stepsAfter < 0 {
			c.stepsAfter = 0
		} else {
			c.stepsAfter++
			reward = 0
		}
	}
	return env.Step{Obs: c.observe(), Reward: reward, Terminated: terminated}
}

func (c *CartPole) observe() []float32 {
	c.obs = [4]float32{float32(c.s[0]), float32(c.s[1]), float32(c.s[2]), float32(c.s[3])}
	return c.obs[:]
}

// State returns [x, ẋ, θ, θ̇].
func (c *CartPole) State() []float64 { return append([]float64(nil), c.s[:]...) }

// SetState sets [x, ẋ, θ, θ̇] and clears the termination bookkeeping. It
// returns an error unless s holds 4 finite values.
func (c *CartPole) SetState(s []float64) error {
	if err := checkState("CartPole", s, 4); err != nil {
		return err
	}
	copy(c.s[:], s)
	c.stepsAfter = -1
	c.started = true
	return nil
}

// Render draws the cart (black), pole (brown), axle (blue) and track on a
// 600×400 white frame, laid out as Gymnasium's renderer does.
func (c *CartPole) Render(dst *image.RGBA) *image.RGBA {
	const w, h = 600, 400
	img := frame(dst, w, h)
	scale := w / (2 * cpXThresh)
	poleW, poleLen := 10.0, scale*(2*cpLength)
	cartW, cartH := 50.0, 30.0
	cartX := c.s[0]*scale + w/2
	const cartY = 100.0 // top of the track line, y up
	flip := func(p render.Point) render.Point { return render.Point{X: p.X, Y: h - p.Y} }
	render.Line(img, flip(render.Point{X: 0, Y: cartY}), flip(render.Point{X: w, Y: cartY}), 1, color.RGBA{0, 0, 0, 255})
	cart := []render.Point{
		flip(render.Point{X: cartX - cartW/2, Y: cartY - cartH/2}), flip(render.Point{X: cartX - cartW/2, Y: cartY + cartH/2}),
		flip(render.Point{X: cartX + cartW/2, Y: cartY + cartH/2}), flip(render.Point{X: cartX + cartW/2, Y: cartY - cartH/2}),
	}
	render.Polygon(img, cart, color.RGBA{0, 0, 0, 255})
	axleY := cartY + cartH/4
	pole := make([]render.Point, 0, 4)
	for _, p := range []render.Point{{X: -poleW / 2, Y: -poleW / 2}, {X: -poleW / 2, Y: poleLen - poleW/2}, {X: poleW / 2, Y: poleLen - poleW/2}, {X: poleW / 2, Y: -poleW / 2}} {
		q := render.Rotate(p, -c.s[2])
		pole = append(pole, flip(render.Point{X: q.X + cartX, Y: q.Y + axleY}))
	}
	render.Polygon(img, pole, color.RGBA{202, 152, 101, 255})
	a := flip(render.Point{X: cartX, Y: axleY})
	render.Circle(img, a.X, a.Y, poleW/2, color.RGBA{129, 132, 203, 255})
	return img
}

// uniform returns a draw from U[lo, hi) computed as NumPy's
// Generator.uniform does: lo + (hi-lo)·u.
func uniform(rng *rand.Rand, lo, hi float64) float64 {
	if rng == nil {
		panic("classic: Reset with nil rng")
	}
	return lo + (hi-lo)*rng.Float64()
}

func checkState(name string, s []float64, n int) error {
	if len(s) != n {
		return fmt.Errorf("classic: %s state needs %d values, got %d", name, n, len(s))
	}
	for i, v := range s {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("classic: %s state value %d is %v; give finite numbers", name, i, v)
		}
	}
	return nil
}

func frame(dst *image.RGBA, w, h int) *image.RGBA {
	if dst == nil || dst.Bounds().Dx() != w || dst.Bounds().Dy() != h {
		dst = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	render.Fill(dst, color.RGBA{255, 255, 255, 255})
	return dst
}
