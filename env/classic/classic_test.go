package classic

import (
	"image/color"
	"math"
	"strings"
	"testing"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/envtest"
	"github.com/vfe-go/vfe/env/wrap"
	"github.com/vfe-go/vfe/internal/testrand"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Fatalf("%s = %.17g, want %.17g (±%g)", what, got, want, tol)
	}
}

func setState(t *testing.T, e env.Stateful, s ...float64) {
	t.Helper()
	if err := e.SetState(s); err != nil {
		t.Fatal(err)
	}
}

func TestMake_Registry(t *testing.T) {
	// Time limits from Gymnasium's registration (gymnasium/envs/__init__.py).
	limits := map[string]int{"CartPole-v1": 500, "MountainCar-v0": 200, "MountainCarContinuous-v0": 999, "Pendulum-v1": 200, "Acrobot-v1": 500}
	for id, limit := range limits {
		t.Run(id, func(t *testing.T) {
			e, err := Make(id)
			if err != nil {
				t.Fatal(err)
			}
			tl, ok := e.(*wrap.TimeLimit)
			if !ok || tl.MaxSteps() != limit {
				t.Fatalf("Make(%q) = %T, want a TimeLimit of %d", id, e, limit)
			}
			envtest.Check(t, e)
		})
	}
	t.Run("unknown", func(t *testing.T) {
		_, err := Make("CartPole-v0")
		if err == nil || !strings.Contains(err.Error(), "CartPole-v1") || strings.Contains(err.Error(), "\n") {
			t.Fatalf("Make(unknown) error = %v, want one line listing the valid ids", err)
		}
	})
	t.Run("options", func(t *testing.T) {
		e, err := Make("Pendulum-v1", WithMaxEpisodeSteps(7), WithPendulumGravity(9.81), WithWrappers("stats"))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := e.(*wrap.EpisodeStats); !ok {
			t.Fatalf("outer wrapper %T, want *wrap.EpisodeStats", e)
		}
		if p := env.Inner(e).(*Pendulum); p.G != 9.81 {
			t.Fatalf("g = %v, want 9.81", p.G)
		}
		e.Reset(testrand.New(1))
		for i := 1; i <= 7; i++ {
			if st := e.Step([]float32{0}); st.Truncated != (i == 7) {
				t.Fatalf("step %d truncated = %v with limit 7", i, st.Truncated)
			}
		}
		raw, err := Make("Acrobot-v1", WithoutTimeLimit())
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := raw.(*Acrobot); !ok {
			t.Fatalf("WithoutTimeLimit gave %T", raw)
		}
		if _, err := Make("CartPole-v1", WithWrappers("bogus")); err == nil {
			t.Fatal("bad wrapper spec accepted")
		}
	})
}

func TestCartPole_Step(t *testing.T) {
	// From rest, force +10 N: sin θ = 0, cos θ = 1, so
	// temp = 10/1.1 = 100/11, θ̈ = −temp / (0.5·(4/3 − 0.1/1.1)) = −(100/11)/(41/66) = −600/41,
	// ẍ = temp − 0.05·θ̈/1.1 = 100/11 + 300/451 = 4400/451 (hand calculation).
	t.Run("euler", func(t *testing.T) {
		c := NewCartPole()
		setState(t, c, 0, 0, 0, 0)
		st := c.Step([]float32{1})
		s := c.State()
		near(t, "x", s[0], 0, 0) // Euler moves x with the old velocity 0
		near(t, "xdot", s[1], 0.02*4400.0/451, 1e-15)
		near(t, "theta", s[2], 0, 0)
		near(t, "thetadot", s[3], -0.02*600.0/41, 1e-15)
		if st.Reward != 1 || st.Terminated || st.Truncated {
			t.Fatalf("step = %+v", st)
		}
		// Second step: θ is still 0, so the accelerations repeat.
		c.Step([]float32{1})
		s = c.State()
		near(t, "x2", s[0], 0.02*0.02*4400.0/451, 1e-15)
		near(t, "xdot2", s[1], 2*0.02*4400.0/451, 1e-15)
		near(t, "theta2", s[2], -0.02*0.02*600.0/41, 1e-15)
		near(t, "thetadot2", s[3], -2*0.02*600.0/41, 1e-15)
	})
	t.Run("left is mirrored", func(t *testing.T) {
		c := NewCartPole()
		setState(t, c, 0, 0, 0, 0)
		c.Step([]float32{0})
		s := c.State()
		near(t, "xdot", s[1], -0.02*4400.0/451, 1e-15)
		near(t, "thetadot", s[3], 0.02*600.0/41, 1e-15)
	})
	t.Run("semi-implicit", func(t *testing.T) {
		c := NewCartPole()
		c.SemiImplicit = true
		setState(t, c, 0, 0, 0, 0)
		c.Step([]float32{1})
		s := c.State()
		near(t, "x", s[0], 0.02*0.02*4400.0/451, 1e-15) // new velocity moves x
		near(t, "theta", s[2], -0.02*0.02*600.0/41, 1e-15)
	})
	t.Run("termination", func(t *testing.T) {
		c := NewCartPole()
		// x' = 2.39 + 0.02·1 = 2.41 > 2.4: terminated, still reward 1.
		setState(t, c, 2.39, 1, 0, 0)
		st := c.Step([]float32{1})
		if !st.Terminated || st.Reward != 1 {
			t.Fatalf("leaving the track: %+v, want terminated with reward 1", st)
		}
		// Stepping past termination gives reward 0 (Gymnasium's steps_beyond_terminated).
		if st = c.Step([]float32{1}); !st.Terminated || st.Reward != 0 {
			t.Fatalf("after termination: %+v, want terminated with reward 0", st)
		}
		// θ' = 0.2 + 0.02·1 = 0.22 > 12° = 0.20944 rad.
		setState(t, c, 0, 0, 0.2, 1)
		if st = c.Step([]float32{1}); !st.Terminated || st.Reward != 1 {
			t.Fatalf("pole falling: %+v", st)
		}
		// θ' = 0.18 + 0.02 = 0.2 < 0.20944: not terminated.
		setState(t, c, 0, 0, 0.18, 1)
		if st = c.Step([]float32{1}); st.Terminated {
			t.Fatalf("pole inside the threshold: %+v", st)
		}
	})
	t.Run("reset distribution", func(t *testing.T) {
		c := NewCartPole()
		rng := testrand.New(4)
		for i := 0; i < 200; i++ {
			for _, v := range c.Reset(rng) {
				if v < -0.05 || v >= 0.05 {
					t.Fatalf("initial value %v outside [-0.05, 0.05)", v)
				}
			}
		}
	})
	t.Run("bad action panics", func(t *testing.T) {
		c := NewCartPole()
		c.Reset(testrand.New(1))
		defer func() {
			if r := recover(); r == nil || !strings.HasPrefix(r.(string), "env:") {
				t.Fatalf("recover() = %v, want an env: panic", r)
			}
		}()
		c.Step([]float32{2})
	})
	t.Run("conformance", func(t *testing.T) { envtest.Check(t, NewCartPole()) })
}

func TestMountainCar_Step(t *testing.T) {
	// v' = v + (a−1)·0.001 − 0.0025·cos(3p) with cos(−1.5) = 0.0707372016677029 (closed form).
	c15 := math.Cos(1.5)
	for a, want := range []float64{-0.001 - 0.0025*c15, -0.0025 * c15, 0.001 - 0.0025*c15} {
		m := NewMountainCar()
		setState(t, m, -0.5, 0)
		st := m.Step([]float32{float32(a)})
		s := m.State()
		near(t, "velocity", s[1], want, 1e-17)
		near(t, "position", s[0], -0.5+want, 1e-16)
		if st.Reward != -1 || st.Terminated {
			t.Fatalf("step = %+v", st)
		}
	}
	t.Run("left wall", func(t *testing.T) {
		// p' = −1.19 − 0.0687 < −1.2 is clipped to −1.2 and the velocity is zeroed.
		m := NewMountainCar()
		setState(t, m, -1.19, -0.07)
		st := m.Step([]float32{0})
		if st.Obs[0] != float32(-1.2) || st.Obs[1] != 0 {
			t.Fatalf("obs = %v, want [-1.2 0]", st.Obs)
		}
	})
	t.Run("speed clip", func(t *testing.T) {
		// At p = −π/6, cos(3p) = cos(−π/2) ≈ 0, so v' = 0.0695 + 0.001 > 0.07 is clipped.
		m := NewMountainCar()
		setState(t, m, -math.Pi/6, 0.0695)
		m.Step([]float32{2})
		near(t, "velocity", m.State()[1], 0.07, 0)
		near(t, "position", m.State()[0], -math.Pi/6+0.07, 1e-16)
	})
	t.Run("goal", func(t *testing.T) {
		// v' = 0.02 − 0.0025·cos(1.47) ≈ 0.01975, p' ≈ 0.50975 ≥ 0.5.
		m := NewMountainCar()
		setState(t, m, 0.49, 0.02)
		if st := m.Step([]float32{1}); !st.Terminated || st.Reward != -1 {
			t.Fatalf("reaching the goal: %+v", st)
		}
	})
	t.Run("conformance", func(t *testing.T) { envtest.Check(t, NewMountainCar()) })
}

func TestMountainCarContinuous_Step(t *testing.T) {
	c15 := math.Cos(1.5)
	t.Run("in range", func(t *testing.T) {
		// v' = 0.5·0.0015 − 0.0025·cos(−1.5), reward −0.1·0.5² = −0.025 (hand calculation).
		m := NewMountainCarContinuous()
		setState(t, m, -0.5, 0)
		st := m.Step([]float32{0.5})
		near(t, "velocity", m.State()[1], 0.5*0.0015-0.0025*c15, 1e-9) // float32 state
		near(t, "reward", st.Reward, -0.025, 1e-15)
		for _, v := range m.State() {
			if float64(float32(v)) != v {
				t.Fatalf("state %v is not a float32 array after a step", m.State())
			}
		}
	})
	t.Run("clipped", func(t *testing.T) {
		// The force is clipped to 1 but the reward uses the raw action: −0.1·2² = −0.4.
		m := NewMountainCarContinuous()
		setState(t, m, -0.5, 0)
		st := m.Step([]float32{2})
		near(t, "velocity", m.State()[1], 0.0015-0.0025*c15, 1e-9)
		near(t, "reward", st.Reward, -0.4, 1e-15)
	})
	t.Run("goal", func(t *testing.T) {
		// p' = 0.44 + 0.02 − 0.0025·cos(1.32) ≈ 0.4594 ≥ 0.45: reward 100 − 0.1·0.3² = 99.991.
		m := NewMountainCarContinuous()
		setState(t, m, 0.44, 0.02)
		st := m.Step([]float32{0.3})
		if !st.Terminated {
			t.Fatalf("reaching the goal: %+v", st)
		}
		near(t, "reward", st.Reward, 100-0.1*float64(float32(0.3))*float64(float32(0.3)), 1e-12)
	})
	t.Run("conformance", func(t *testing.T) { envtest.Check(t, NewMountainCarContinuous()) })
}

func TestPendulum_Step(t *testing.T) {
	type tc struct {
		name              string
		th, thd           float64
		u                 float32
		reward, nth, nthd float64
	}
	// Hand calculations from r = −(norm(θ)² + 0.1θ̇² + 0.001u²), θ̇' = θ̇ + (15 sin θ + 3u)·0.05, θ' = θ + θ̇'·0.05.
	cases := []tc{
		{"rest", 0, 0, 0, 0, 0, 0},
		{"horizontal", math.Pi / 2, 0, 0, -(math.Pi * math.Pi / 4), math.Pi/2 + 0.75*0.05, 0.75},
		{"torque", 0, 0, 1, -0.001, 0.15 * 0.05, 0.15},
		{"torque clipped to 2", 0, 0, 5, -0.004, 0.3 * 0.05, 0.3},
		{"angle normalised", 3 * math.Pi, 0, 0, -(math.Pi * math.Pi), 3 * math.Pi, 15 * math.Sin(3*math.Pi) * 0.05},
		{"speed clipped", math.Pi / 2, 7.9, 2, -(math.Pi*math.Pi/4 + 0.1*7.9*7.9 + 0.004), math.Pi/2 + 8*0.05, 8},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := NewPendulum()
			setState(t, p, c.th, c.thd)
			st := p.Step([]float32{c.u})
			near(t, "reward", st.Reward, c.reward, 1e-9)
			near(t, "theta", p.State()[0], c.nth, 1e-12)
			near(t, "thetadot", p.State()[1], c.nthd, 1e-12)
			if st.Terminated || st.Truncated {
				t.Fatal("Pendulum never ends by itself")
			}
			s, co := math.Sincos(c.nth)
			want := []float32{float32(co), float32(s), float32(c.nthd)}
			for i := range want {
				near(t, "obs", float64(st.Obs[i]), float64(want[i]), 1e-6)
			}
		})
	}
	t.Run("AngleNormalize", func(t *testing.T) {
		for _, x := range []struct{ in, want float64 }{{0, 0}, {math.Pi, -math.Pi}, {-math.Pi, -math.Pi}, {1.5 * math.Pi, -0.5 * math.Pi}, {-1.5 * math.Pi, 0.5 * math.Pi}, {7, 7 - 2*math.Pi}} {
			near(t, "norm", AngleNormalize(x.in), x.want, 1e-15)
		}
	})
	t.Run("conformance", func(t *testing.T) { envtest.Check(t, NewPendulum()) })
}

func TestAcrobot_Step(t *testing.T) {
	t.Run("derivative at rest", func(t *testing.T) {
		// θ = θ̇ = 0: d1 = 4.5, d2 = 1.75, φ ≈ 0, so θ̈2 = τ/(1.25 − 1.75²/4.5) = 72τ/41 and
		// θ̈1 = −1.75·θ̈2/4.5 = −28τ/41 (hand calculation).
		d := acrobotDeriv([4]float64{0, 0, 0, 0}, 1)
		near(t, "ddtheta1", d[2], -28.0/41, 1e-14)
		near(t, "ddtheta2", d[3], 72.0/41, 1e-14)
	})
	t.Run("derivative horizontal", func(t *testing.T) {
		// θ1 = π/2, θ2 = 0, at rest: φ2 = 4.9, φ1 = 14.7 + 4.9 = 19.6,
		// θ̈2 = (7/18·19.6 − 4.9)/(41/72) = 196/41, θ̈1 = −(1.75·196/41 + 19.6)/4.5 = −254.8/41.
		d := acrobotDeriv([4]float64{math.Pi / 2, 0, 0, 0}, 0)
		near(t, "ddtheta1", d[2], -254.8/41, 1e-13)
		near(t, "ddtheta2", d[3], 196.0/41, 1e-13)
	})
	t.Run("wrap and bound", func(t *testing.T) {
		// θ̇1 = 20 rad/s carries θ1 past π within 0.2 s: it is wrapped into [−π, π] and θ̇1 bounded to 4π.
		a := NewAcrobot()
		setState(t, a, 0, 0, 20, 0)
		a.Step([]float32{1})
		s := a.State()
		if s[0] < -math.Pi || s[0] > math.Pi || s[0] > 0 {
			t.Fatalf("θ1 = %v, want wrapped to a negative angle in [-π, π]", s[0])
		}
		near(t, "thetadot1", s[2], 4*math.Pi, 0)
		near(t, "wrapAngle", wrapAngle(3.5, -math.Pi, math.Pi), 3.5-2*math.Pi, 1e-15)
		near(t, "wrapAngle", wrapAngle(-7, -math.Pi, math.Pi), -7+2*math.Pi, 1e-15)
	})
	t.Run("termination", func(t *testing.T) {
		// Both links straight up: −cos π − cos 2π... the free end at height 2 > 1.
		a := NewAcrobot()
		setState(t, a, math.Pi, 0, 0, 0)
		st := a.Step([]float32{1})
		if !st.Terminated || st.Reward != 0 {
			t.Fatalf("upright: %+v, want terminated with reward 0", st)
		}
		setState(t, a, 0, 0, 0, 0)
		if st = a.Step([]float32{1}); st.Terminated || st.Reward != -1 {
			t.Fatalf("hanging: %+v, want reward -1", st)
		}
	})
	t.Run("reset is float32", func(t *testing.T) {
		a := NewAcrobot()
		a.Reset(testrand.New(2))
		for _, v := range a.State() {
			if float64(float32(v)) != v || v < -0.1 || v > 0.1 {
				t.Fatalf("initial state %v, want float32 values in [-0.1, 0.1]", a.State())
			}
		}
	})
	t.Run("conformance", func(t *testing.T) { envtest.Check(t, NewAcrobot()) })
}

func TestRender_Frames(t *testing.T) {
	white := color.RGBA{255, 255, 255, 255}
	black := color.RGBA{0, 0, 0, 255}
	t.Run("CartPole", func(t *testing.T) {
		c := NewCartPole()
		setState(t, c, 0, 0, 0, 0)
		img := c.Render(nil)
		if img.Bounds().Dx() != 600 || img.Bounds().Dy() != 400 {
			t.Fatalf("size %v", img.Bounds())
		}
		// Cart centred at x = 300 spanning image rows 285–315; the pole
		// (125 px) rises from the axle at row 292.5; Gymnasium's layout.
		want := map[[2]int]color.RGBA{{280, 310}: black, {300, 200}: {202, 152, 101, 255}, {300, 292}: {129, 132, 203, 255}, {50, 50}: white, {10, 299}: black}
		for p, c := range want {
			if got := img.RGBAAt(p[0], p[1]); got != c {
				t.Fatalf("pixel %v = %v, want %v", p, got, c)
			}
		}
		// A pole tilted right by 0.2 rad leans right: pixel left of vertical is white at the top.
		setState(t, c, 0, 0, 0.2, 0)
		img = c.Render(img)
		if img.RGBAAt(300, 180) != white || img.RGBAAt(300+int(100*math.Sin(0.2)), 292-int(100*math.Cos(0.2))) != (color.RGBA{202, 152, 101, 255}) {
			t.Fatal("tilted pole not drawn where expected")
		}
	})
	t.Run("Pendulum", func(t *testing.T) {
		p := NewPendulum()
		setState(t, p, 0, 0)
		img := p.Render(nil)
		red := color.RGBA{204, 77, 77, 255}
		if img.RGBAAt(250, 150) != red || img.RGBAAt(250, 350) != white {
			t.Fatal("upright pendulum should point up")
		}
		setState(t, p, math.Pi, 0)
		img = p.Render(img)
		if img.RGBAAt(250, 350) != red || img.RGBAAt(250, 150) != white {
			t.Fatal("hanging pendulum should point down")
		}
	})
	t.Run("Acrobot", func(t *testing.T) {
		a := NewAcrobot()
		setState(t, a, 0, 0, 0, 0)
		img := a.Render(nil)
		teal := color.RGBA{0, 204, 204, 255}
		if img.RGBAAt(250, 250+60) != teal || img.RGBAAt(250, 250+170) != teal || img.RGBAAt(250, 150) != white {
			t.Fatal("hanging acrobot should hang below the pivot")
		}
	})
	t.Run("MountainCar", func(t *testing.T) {
		for _, e := range []env.Env{NewMountainCar(), NewMountainCarContinuous()} {
			setState(t, e.(env.Stateful), -0.5, 0)
			img := e.(env.Renderer).Render(nil)
			// Car body: 10 px above the track at x = (−0.5+1.2)·600/1.8 ≈ 233.
			x := (-0.5 + 1.2) * 600 / 1.8
			y := 400 - (10 + mcHeight(-0.5)*600/1.8 + 10)
			if got := img.RGBAAt(int(x), int(y)); got != black {
				t.Fatalf("car pixel = %v, want black", got)
			}
		}
	})
}

func BenchmarkCartPole_Step(b *testing.B)    { benchStep(b, NewCartPole()) }
func BenchmarkMountainCar_Step(b *testing.B) { benchStep(b, NewMountainCar()) }
func BenchmarkMountainCarContinuous_Step(b *testing.B) {
	benchStep(b, NewMountainCarContinuous())
}
func BenchmarkPendulum_Step(b *testing.B) { benchStep(b, NewPendulum()) }
func BenchmarkAcrobot_Step(b *testing.B)  { benchStep(b, NewAcrobot()) }

// benchStep measures stepping with random actions (a fresh sample per
// step) and resets at episode ends, under the registered time limit, like
// Gymnasium's random-action loop.
func benchStep(b *testing.B, e env.Env) {
	b.Helper()
	var tl env.Env = wrap.NewTimeLimit(e, 500)
	rng := testrand.New(1)
	tl.Reset(rng)
	space := tl.ActionSpace()
	act := space.Sample(nil, rng)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		act = space.Sample(act, rng)
		if st := tl.Step(act); st.Terminated || st.Truncated {
			tl.Reset(rng)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu, "steps/cpu-s")
	}
}

// TestSincos_MatchesSinCos guards the assumption that math.Sincos returns
// exactly math.Sin and math.Cos, which the tasks rely on for speed.
func TestSincos_MatchesSinCos(t *testing.T) {
	rng := testrand.New(9)
	for i := 0; i < 100000; i++ {
		x := (rng.Float64() - 0.5) * math.Pow(10, float64(rng.IntN(6)))
		s, c := math.Sincos(x)
		if s != math.Sin(x) || c != math.Cos(x) {
			t.Fatalf("Sincos(%v) = %v, %v; Sin, Cos = %v, %v", x, s, c, math.Sin(x), math.Cos(x))
		}
	}
}
