package env_test

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/classic"
	"github.com/vfe-go/vfe/internal/testrand"
)

func TestBox_Contains(t *testing.T) {
	b := env.NewBox([]float32{-1, 0}, []float32{1, 2})
	for _, c := range []struct {
		x    []float32
		want bool
	}{
		{[]float32{0, 1}, true},
		{[]float32{-1, 2}, true}, // closed interval
		{[]float32{1.0001, 1}, false},
		{[]float32{0}, false},
		{[]float32{float32(math.NaN()), 1}, false},
	} {
		if got := b.Contains(c.x); got != c.want {
			t.Fatalf("Contains(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if b.String() != "Box([-1 0], [1 2], (2,))" {
		t.Fatalf("String() = %q", b.String())
	}
}

func TestBox_Sample(t *testing.T) {
	inf := float32(math.Inf(1))
	b := env.NewBox([]float32{-2, 3, -inf, -inf}, []float32{2, inf, 5, inf})
	rng := testrand.New(1)
	const n = 40000
	var sum [4]float64
	var sq [4]float64
	x := b.Sample(nil, rng)
	for i := 0; i < n; i++ {
		x = b.Sample(x, rng)
		if !b.Contains(x) {
			t.Fatalf("sample %v outside %s", x, b)
		}
		for k, v := range x {
			sum[k] += float64(v)
			sq[k] += float64(v) * float64(v)
		}
	}
	mean := func(k int) float64 { return sum[k] / n }
	// Closed forms: U[−2, 2] has mean 0 and variance 16/12; 3 + Exp(1) has
	// mean 4; 5 − Exp(1) has mean 4; N(0, 1) has mean 0 and variance 1.
	// Tolerances are about 5 standard errors (σ/√n ≈ 0.006).
	for k, want := range []float64{0, 4, 4, 0} {
		if math.Abs(mean(k)-want) > 0.03 {
			t.Fatalf("dimension %d mean %v, want %v", k, mean(k), want)
		}
	}
	if v := sq[0]/n - mean(0)*mean(0); math.Abs(v-16.0/12) > 0.04 {
		t.Fatalf("uniform variance %v, want 4/3", v)
	}
	if v := sq[3]/n - mean(3)*mean(3); math.Abs(v-1) > 0.04 {
		t.Fatalf("normal variance %v, want 1", v)
	}
}

func TestNewBox_Panics(t *testing.T) {
	for name, f := range map[string]func(){
		"lengths":  func() { env.NewBox([]float32{0}, []float32{1, 2}) },
		"shape":    func() { env.NewBox([]float32{0, 0}, []float32{1, 1}, 3) },
		"inverted": func() { env.NewBox([]float32{1}, []float32{0}) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(r.(string), "env:") {
					t.Fatalf("recover() = %v, want an env: panic", r)
				}
			}()
			f()
		})
	}
}

func TestDiscrete_Sample(t *testing.T) {
	d := env.Discrete{N: 3}
	rng := testrand.New(2)
	var counts [3]int
	x := d.Sample(nil, rng)
	for i := 0; i < 30000; i++ {
		x = d.Sample(x, rng)
		counts[d.Index(x)]++
	}
	// Each count is Binomial(30000, 1/3): mean 10000, sd ≈ 82.
	for i, c := range counts {
		if c < 9600 || c > 10400 {
			t.Fatalf("count of %d = %d, want about 10000", i, c)
		}
	}
	for _, bad := range [][]float32{{3}, {-1}, {0.5}, {0, 1}} {
		if d.Contains(bad) {
			t.Fatalf("Discrete(3) contains %v", bad)
		}
	}
}

func newCartPoles(t testing.TB, n, limit int) []env.Env {
	t.Helper()
	es := make([]env.Env, n)
	for i := range es {
		e, err := classic.Make("CartPole-v1", classic.WithMaxEpisodeSteps(limit))
		if err != nil {
			t.Fatal(err)
		}
		es[i] = e
	}
	return es
}

// TestVecEnv_Step checks the batch against N independent envs driven by
// the per-env generators the VecEnv documents (two Uint64 draws each, in
// env order), in both auto-reset modes.
func TestVecEnv_Step(t *testing.T) {
	const n, limit, steps = 3, 15, 60
	for _, mode := range []env.AutoReset{env.SameStep, env.NextStep} {
		t.Run([]string{"SameStep", "NextStep"}[mode], func(t *testing.T) {
			v := env.NewVecEnv(newCartPoles(t, n, limit), env.VecConfig{Mode: mode})
			defer v.Close()
			ref := newCartPoles(t, n, limit)
			rngs := make([]*rand.Rand, n)
			seed := testrand.New(5)
			v.Reset(testrand.New(5))
			for i := range ref {
				rngs[i] = rand.New(rand.NewPCG(seed.Uint64(), seed.Uint64()))
				obs := ref[i].Reset(rngs[i])
				for k := range obs {
					if v.Obs[i*4+k] != obs[k] {
						t.Fatalf("reset obs of env %d differs", i)
					}
				}
			}
			pending := make([]bool, n)
			actRng := testrand.New(6)
			acts := make([]float32, n)
			ended := 0
			for s := 0; s < steps; s++ {
				for i := range acts {
					acts[i] = float32(actRng.IntN(2))
				}
				v.Step(acts)
				for i, e := range ref {
					var want env.Step
					var wantObs []float32
					if pending[i] {
						wantObs = e.Reset(rngs[i])
						pending[i] = false
					} else {
						want = e.Step(acts[i : i+1])
						wantObs = want.Obs
						if want.Terminated || want.Truncated {
							ended++
							if mode == env.SameStep {
								for k := range want.Obs {
									if v.FinalObs[i*4+k] != want.Obs[k] {
										t.Fatalf("step %d env %d: FinalObs differs", s, i)
									}
								}
								wantObs = e.Reset(rngs[i])
							} else {
								pending[i] = true
							}
						}
					}
					if v.Rewards[i] != want.Reward || v.Terminated[i] != want.Terminated || v.Truncated[i] != want.Truncated {
						t.Fatalf("step %d env %d: got (%v %v %v), want (%v %v %v)", s, i,
							v.Rewards[i], v.Terminated[i], v.Truncated[i], want.Reward, want.Terminated, want.Truncated)
					}
					for k := range wantObs {
						if v.Obs[i*4+k] != wantObs[k] {
							t.Fatalf("step %d env %d: obs differs", s, i)
						}
					}
				}
			}
			if ended < n {
				t.Fatalf("only %d episodes ended in %d steps; the test needs resets", ended, steps)
			}
		})
	}
}

func TestVecEnv_Workers(t *testing.T) {
	run := func(workers int) ([]float32, []float64) {
		v := env.NewVecEnv(newCartPoles(t, 8, 30), env.VecConfig{Workers: workers})
		defer v.Close()
		if v.Workers() != workers {
			t.Fatalf("Workers() = %d, want %d", v.Workers(), workers)
		}
		v.Reset(testrand.New(3))
		rng := testrand.New(4)
		acts := make([]float32, 8)
		var obs []float32
		var rew []float64
		for s := 0; s < 200; s++ {
			for i := range acts {
				acts[i] = float32(rng.IntN(2))
			}
			v.Step(acts)
			obs = append(obs, v.Obs...)
			rew = append(rew, v.Rewards...)
		}
		return obs, rew
	}
	o1, r1 := run(1)
	o2, r2 := run(2)
	for i := range o1 {
		if math.Float32bits(o1[i]) != math.Float32bits(o2[i]) {
			t.Fatalf("obs %d differs between 1 and 2 workers", i)
		}
	}
	for i := range r1 {
		if r1[i] != r2[i] {
			t.Fatalf("reward %d differs between 1 and 2 workers", i)
		}
	}
}

func TestVecEnv_EpisodeStats(t *testing.T) {
	// Pendulum never terminates, so every episode lasts exactly the limit.
	es := make([]env.Env, 2)
	for i := range es {
		es[i], _ = classic.Make("Pendulum-v1", classic.WithMaxEpisodeSteps(5))
	}
	v := env.NewVecEnv(es, env.VecConfig{})
	defer v.Close()
	v.Reset(testrand.New(1))
	acts := []float32{0, 0}
	var sum float64
	for s := 1; s <= 5; s++ {
		v.Step(acts)
		sum += v.Rewards[0]
	}
	if !v.Truncated[0] || v.Terminated[0] || v.EpisodeLength[0] != 5 || v.EpisodeReturn[0] != sum {
		t.Fatalf("after 5 steps: truncated %v terminated %v length %d return %v (want %v)",
			v.Truncated[0], v.Terminated[0], v.EpisodeLength[0], v.EpisodeReturn[0], sum)
	}
	v.Step(acts)
	if v.EpisodeLength[0] != 1 {
		t.Fatalf("new episode length %d, want 1", v.EpisodeLength[0])
	}
}

func TestVecEnv_Allocs(t *testing.T) {
	for _, workers := range []int{1, 2} {
		v := env.NewVecEnv(newCartPoles(t, 16, 500), env.VecConfig{Workers: workers})
		v.Reset(testrand.New(1))
		acts := make([]float32, 16)
		if a := testing.AllocsPerRun(200, func() { v.Step(acts) }); a != 0 {
			t.Fatalf("Step with %d workers allocates %v times", workers, a)
		}
		v.Close()
	}
}

func TestAsStateful(t *testing.T) {
	e, err := classic.Make("CartPole-v1", classic.WithWrappers("mask=1,3", "stats"))
	if err != nil {
		t.Fatal(err)
	}
	s, ok := env.AsStateful(e)
	if !ok {
		t.Fatal("no Stateful env under the wrappers")
	}
	if _, ok := s.(*classic.CartPole); !ok {
		t.Fatalf("AsStateful found %T", s)
	}
	if _, ok := env.AsRenderer(e); !ok {
		t.Fatal("no Renderer under the wrappers")
	}
	if _, ok := env.Inner(e).(*classic.CartPole); !ok {
		t.Fatalf("Inner = %T", env.Inner(e))
	}
}

func BenchmarkVecEnv_CartPole(b *testing.B) {
	for _, n := range []int{1, 2, 4, 8, 16, 32, 64} {
		b.Run("N="+strconv.Itoa(n), func(b *testing.B) {
			v := env.NewVecEnv(newCartPoles(b, n, 500), env.VecConfig{})
			defer v.Close()
			benchVec(b, v)
		})
	}
}

func BenchmarkVecEnv_Acrobot(b *testing.B) {
	for _, n := range []int{1, 2, 4, 8, 16, 32, 64} {
		b.Run("N="+strconv.Itoa(n), func(b *testing.B) {
			es := make([]env.Env, n)
			for i := range es {
				es[i], _ = classic.Make("Acrobot-v1")
			}
			v := env.NewVecEnv(es, env.VecConfig{MinPerWorker: 4})
			defer v.Close()
			benchVec(b, v)
		})
	}
}

// benchVec steps with random actions and reports total env steps per
// second (N per Step call).
func benchVec(b *testing.B, v *env.VecEnv) {
	b.Helper()
	rng := testrand.New(1)
	v.Reset(rng)
	space := v.Env(0).ActionSpace()
	acts := make([]float32, v.NumEnvs()*v.ActDim())
	one := make([]float32, v.ActDim())
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		for k := 0; k < v.NumEnvs(); k++ {
			one = space.Sample(one, rng)
			copy(acts[k*v.ActDim():], one)
		}
		v.Step(acts)
	}
	b.ReportMetric(float64(b.N*v.NumEnvs())/b.Elapsed().Seconds(), "steps/s")
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		// Summed over worker goroutines: the cost per step, not the speed-up.
		b.ReportMetric(float64(b.N*v.NumEnvs())/cpu, "steps/cpu-s")
	}
}
