package wrap_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/classic"
	"github.com/vfe-go/vfe/env/envtest"
	"github.com/vfe-go/vfe/env/wrap"
	"github.com/vfe-go/vfe/internal/testrand"
)

// counter is a tiny deterministic env for exact expectations: the state is
// the step count k, the observation [k, 2k], the reward k, and it
// terminates when k reaches End (never if End is 0). The action space is
// Box([-1, -1], [1, 1]); the last action is recorded.
type counter struct {
	k, End int
	obs    []float32
	last   []float32
}

func newCounter(end int) *counter {
	return &counter{End: end, obs: make([]float32, 2), last: make([]float32, 2)}
}

func (c *counter) ObservationSpace() env.Space { return env.UniformBox(0, 1e6, 2) }
func (c *counter) ActionSpace() env.Space {
	return env.NewBox([]float32{-1, -1}, []float32{1, 1})
}
func (c *counter) Reset(*rand.Rand) []float32 {
	c.k = 0
	c.obs[0], c.obs[1] = 0, 0
	return c.obs
}
func (c *counter) Step(a []float32) env.Step {
	copy(c.last, a)
	c.k++
	c.obs[0], c.obs[1] = float32(c.k), float32(2*c.k)
	return env.Step{Obs: c.obs, Reward: float64(c.k), Terminated: c.End > 0 && c.k >= c.End}
}

func TestTimeLimit_Step(t *testing.T) {
	e := wrap.NewTimeLimit(newCounter(0), 3)
	e.Reset(testrand.New(1))
	for i := 1; i <= 3; i++ {
		st := e.Step([]float32{0, 0})
		if st.Truncated != (i == 3) || st.Terminated {
			t.Fatalf("step %d: %+v", i, st)
		}
	}
	t.Run("terminated on the last step keeps both flags", func(t *testing.T) {
		e := wrap.NewTimeLimit(newCounter(2), 2)
		e.Reset(testrand.New(1))
		e.Step([]float32{0, 0})
		if st := e.Step([]float32{0, 0}); !st.Terminated || !st.Truncated {
			t.Fatalf("%+v, want terminated and truncated", st)
		}
	})
	t.Run("reset restarts the count", func(t *testing.T) {
		e.Reset(testrand.New(1))
		if e.Elapsed() != 0 {
			t.Fatalf("Elapsed() = %d after Reset", e.Elapsed())
		}
	})
}

func TestMask_Step(t *testing.T) {
	// CartPole without velocities: observation [x, θ].
	e, err := classic.Make("CartPole-v1", classic.WithWrappers("mask=1,3"))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := env.AsStateful(e)
	e.Reset(testrand.New(1))
	if err := s.SetState([]float64{0.1, 0.2, 0.03, 0.4}); err != nil {
		t.Fatal(err)
	}
	st := e.Step([]float32{1})
	full := s.State()
	if len(st.Obs) != 2 || st.Obs[0] != float32(full[0]) || st.Obs[1] != float32(full[2]) {
		t.Fatalf("masked obs %v, state %v", st.Obs, full)
	}
	b := e.ObservationSpace().(*env.Box)
	if b.High[0] != 4.8 || b.Dim() != 2 {
		t.Fatalf("masked space %s", b)
	}
	envtest.Check(t, e)
	for _, bad := range [][]int{{4}, {1, 1}, {0, 1, 2, 3}} {
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Fatalf("NewMask(%v) did not panic", bad)
				}
			}()
			wrap.NewMask(classic.NewCartPole(), bad)
		}()
	}
}

func TestNoise_Step(t *testing.T) {
	e := wrap.NewNoise(wrap.NewTimeLimit(newCounter(0), 100000), 0.5, 2)
	rng := testrand.New(3)
	e.Reset(rng)
	const n = 20000
	var s0, q0, s1, q1 float64
	for i := 1; i <= n; i++ {
		st := e.Step([]float32{0, 0})
		d0, d1 := float64(st.Obs[0])-float64(i), float64(st.Obs[1])-float64(2*i)
		s0, q0, s1, q1 = s0+d0, q0+d0*d0, s1+d1, q1+d1*d1
	}
	// The noise is N(0, σ²) with σ = 0.5 and 2: sample sd within 3% and
	// mean within 5 standard errors (closed form for Gaussian noise; the
	// float32 rounding of obs near 4·10⁴ adds at most 2⁻⁸).
	for _, c := range []struct{ s, q, sd float64 }{{s0, q0, 0.5}, {s1, q1, 2}} {
		m := c.s / n
		sd := math.Sqrt(c.q/n - m*m)
		if math.Abs(m) > 5*c.sd/math.Sqrt(n) || math.Abs(sd-c.sd) > 0.03*c.sd {
			t.Fatalf("noise mean %v sd %v, want 0 and %v", m, sd, c.sd)
		}
	}
	ce, _ := classic.Make("Pendulum-v1", classic.WithWrappers("noise=0.1"))
	envtest.Check(t, ce)
}

func TestStack_Step(t *testing.T) {
	e := wrap.NewStack(newCounter(0), 3)
	obs := e.Reset(testrand.New(1))
	// Reset pads with the first observation.
	if want := []float32{0, 0, 0, 0, 0, 0}; !equal(obs, want) {
		t.Fatalf("reset obs %v, want %v", obs, want)
	}
	e.Step([]float32{0, 0})
	st := e.Step([]float32{0, 0})
	// Oldest first: [obs0, obs1, obs2] = [0 0, 1 2, 2 4].
	if want := []float32{0, 0, 1, 2, 2, 4}; !equal(st.Obs, want) {
		t.Fatalf("obs %v, want %v", st.Obs, want)
	}
	st = e.Step([]float32{0, 0})
	if want := []float32{1, 2, 2, 4, 3, 6}; !equal(st.Obs, want) {
		t.Fatalf("obs %v, want %v", st.Obs, want)
	}
	if b := e.ObservationSpace().(*env.Box); b.Dim() != 6 || b.Shape[0] != 3 || b.Shape[1] != 2 {
		t.Fatalf("stacked space %s", b)
	}
	ce, _ := classic.Make("Acrobot-v1", classic.WithWrappers("stack=4"))
	envtest.Check(t, ce)
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRunningStats_Update(t *testing.T) {
	// After samples 1, 2, 3, 4 from the prior (mean 0, var 1, count 1e-4),
	// the merged moments equal those of the pooled data {prior, samples}:
	// mean = 10/(4+ε), var = (ε·1 + Σ(x−0)² − (4+ε)·mean²... computed below
	// in closed form for count c = 4 + ε.
	r := wrap.NewRunningStats(1)
	for _, x := range []float32{1, 2, 3, 4} {
		r.Update([]float32{x})
	}
	eps := 1e-4
	c := 4 + eps
	mean := 10 / c
	// Pooled second moment about 0: ε·(var+mean²) of the prior = ε·1, plus Σx² = 30.
	vr := (eps*1+30)/c - mean*mean
	if math.Abs(r.Mean[0]-mean) > 1e-12 || math.Abs(r.Var[0]-vr) > 1e-12 || math.Abs(r.Count-c) > 1e-12 {
		t.Fatalf("mean %v var %v count %v, want %v %v %v", r.Mean[0], r.Var[0], r.Count, mean, vr, c)
	}
}

func TestNormalizeObs_State(t *testing.T) {
	e := wrap.NewNormalizeObs(wrap.NewTimeLimit(newCounter(0), 1000), wrap.NormConfig{})
	rng := testrand.New(1)
	e.Reset(rng)
	var st env.Step
	for i := 0; i < 10; i++ {
		st = e.Step([]float32{0, 0})
	}
	// The last observation k = 10 is standardised with the statistics that
	// already include it.
	m, v := e.Stats.Mean[0], e.Stats.Var[0]
	want := float32((10 - m) / math.Sqrt(v+1e-8))
	if st.Obs[0] != want {
		t.Fatalf("normalised obs %v, want %v", st.Obs[0], want)
	}
	saved := wrap.SaveState(e)
	if len(saved["obs_mean"]) != 2 || len(saved["obs_count"]) != 1 {
		t.Fatalf("saved state %v", saved)
	}
	// A fresh wrapper restored from the saved statistics and frozen gives
	// the same normalisation and does not move its statistics.
	f := wrap.NewNormalizeObs(wrap.NewTimeLimit(newCounter(0), 1000), wrap.NormConfig{})
	if err := wrap.LoadState(f, saved); err != nil {
		t.Fatal(err)
	}
	f.Training = false
	f.Reset(rng)
	for i := 0; i < 10; i++ {
		st = f.Step([]float32{0, 0})
	}
	if st.Obs[0] != want || f.Stats.Mean[0] != m {
		t.Fatalf("restored obs %v mean %v, want %v %v", st.Obs[0], f.Stats.Mean[0], want, m)
	}
	bad := map[string][]float64{"obs_mean": {0}, "obs_var": {1, 1}, "obs_count": {1}}
	if err := f.Load(bad); err == nil || !strings.HasPrefix(err.Error(), "wrap:") {
		t.Fatalf("Load(bad lengths) = %v", err)
	}
	if err := f.Load(map[string][]float64{}); err == nil {
		t.Fatal("Load(empty) accepted")
	}
	// Clipping at ±10 (default).
	c := wrap.NewNormalizeObs(newCounter(0), wrap.NormConfig{})
	c.Training = false
	if x := c.Normalize(nil, []float32{1e6, -1e6}); x[0] != 10 || x[1] != -10 {
		t.Fatalf("clipped %v", x)
	}
}

func TestNormalizeReward_Step(t *testing.T) {
	e := wrap.NewNormalizeReward(wrap.NewTimeLimit(newCounter(0), 1000), wrap.NormConfig{Gamma: 0.5})
	e.Reset(testrand.New(1))
	// Rewards 1, 2, 3: returns G = 1, 2.5, 4.25 (G ← 0.5·G + r).
	var st env.Step
	for i := 0; i < 3; i++ {
		st = e.Step([]float32{0, 0})
	}
	ref := wrap.NewRunningStats(1)
	for _, g := range []float64{1, 2.5, 4.25} {
		ref.Update1(g)
	}
	want := 3 / math.Sqrt(ref.Var[0]+1e-8)
	if math.Abs(st.Reward-want) > 1e-12 {
		t.Fatalf("reward %v, want %v", st.Reward, want)
	}
	saved := wrap.SaveState(e)
	if len(saved["reward_var"]) != 1 {
		t.Fatalf("saved %v", saved)
	}
}

func TestRescaleAction_Step(t *testing.T) {
	inner := newCounter(0)
	e := wrap.NewRescaleAction(&scaled{inner}, -1, 1)
	e.Reset(testrand.New(1))
	// Inner bounds [0, 10] and [-4, 4]: −1 → 0, 1 → 10; 0.5 → 2.
	e.Step([]float32{-1, 0.5})
	if inner.last[0] != 0 || inner.last[1] != 2 {
		t.Fatalf("rescaled %v, want [0 2]", inner.last)
	}
	e.Step([]float32{1, -1})
	if inner.last[0] != 10 || inner.last[1] != -4 {
		t.Fatalf("rescaled %v, want [10 -4]", inner.last)
	}
}

// scaled gives the counter the action space Box([0, −4], [10, 4]).
type scaled struct{ *counter }

func (s *scaled) ActionSpace() env.Space {
	return env.NewBox([]float32{0, -4}, []float32{10, 4})
}

func TestClipAction_Step(t *testing.T) {
	inner := newCounter(0)
	e := wrap.NewClipAction(inner)
	e.Reset(testrand.New(1))
	e.Step([]float32{3, -0.5})
	if inner.last[0] != 1 || inner.last[1] != -0.5 {
		t.Fatalf("clipped %v, want [1 -0.5]", inner.last)
	}
	ce, _ := classic.Make("MountainCarContinuous-v0", classic.WithWrappers("clipaction", "normobs", "normreward", "stats"))
	envtest.Check(t, ce)
}

func TestEpisodeStats_Step(t *testing.T) {
	e := wrap.NewEpisodeStats(newCounter(3))
	e.Reset(testrand.New(1))
	for i := 0; i < 3; i++ {
		e.Step([]float32{0, 0})
	}
	// Rewards 1 + 2 + 3 = 6 over 3 steps.
	if e.LastReturn != 6 || e.LastLength != 3 || e.Episodes != 1 {
		t.Fatalf("stats %+v", e)
	}
}

func TestApply_Errors(t *testing.T) {
	base := classic.NewCartPole()
	for _, spec := range []string{"mask", "mask=x", "mask=9", "noise=-1", "stack=0", "bogus", "clipaction", "timelimit=0", "normreward=2"} {
		_, err := wrap.Apply(base, []string{spec})
		if err == nil || !strings.HasPrefix(err.Error(), "wrap:") || strings.Contains(err.Error(), "\n") {
			t.Fatalf("Apply(%q) error = %v, want a one-line wrap: error", spec, err)
		}
	}
}

func TestWrappers_Allocs(t *testing.T) {
	e, err := classic.Make("CartPole-v1", classic.WithWrappers("mask=1,3", "noise=0.1", "stack=4", "normobs", "normreward", "stats"))
	if err != nil {
		t.Fatal(err)
	}
	envtest.Check(t, e)
}
