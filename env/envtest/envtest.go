package envtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/wrap"
)

// Options tunes Check. The zero value means the defaults.
type Options struct {
	// Steps is the number of random-action steps to take, across episodes;
	// 0 means 3000.
	Steps int
	// SkipAllocs disables the check that Step (with Reset at episode ends)
	// does not allocate.
	SkipAllocs bool
}

// limiter is implemented by time-limit wrappers (wrap.TimeLimit).
type limiter interface{ MaxSteps() int }

// Check runs the suite on e with default options.
func Check(t *testing.T, e env.Env) {
	t.Helper()
	CheckWith(t, e, Options{})
}

// CheckWith runs the suite on e. It uses seeds 1 and 2 for its own
// generators and leaves e in an arbitrary state.
func CheckWith(t *testing.T, e env.Env, opt Options) {
	t.Helper()
	steps := opt.Steps
	if steps <= 0 {
		steps = 3000
	}
	obsSpace, actSpace := e.ObservationSpace(), e.ActionSpace()
	t.Run("Spaces", func(t *testing.T) {
		t.Helper()
		if obsSpace == nil || actSpace == nil {
			t.Fatal("nil space")
		}
		if obsSpace.Dim() < 1 || actSpace.Dim() < 1 {
			t.Fatalf("space dims %d, %d; want ≥ 1", obsSpace.Dim(), actSpace.Dim())
		}
		rng := newRNG(1)
		for i := 0; i < 100; i++ {
			a := actSpace.Sample(nil, rng)
			if !actSpace.Contains(a) {
				t.Fatalf("action space %s does not contain its sample %v", actSpace, a)
			}
		}
		if actSpace.String() == "" || obsSpace.String() == "" {
			t.Fatal("empty space description")
		}
	})
	t.Run("Determinism", func(t *testing.T) {
		t.Helper()
		// Statistics that persist across episodes (normalisation) are
		// restored before the second run.
		saved := wrap.SaveState(e)
		a := rollout(e, 1, 300)
		if err := wrap.LoadState(e, saved); err != nil {
			t.Fatal(err)
		}
		b := rollout(e, 1, 300)
		if len(a) != len(b) {
			t.Fatalf("same seed gave %d and %d values", len(a), len(b))
		}
		for i := range a {
			if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
				t.Fatalf("same seed differs at value %d: %v vs %v", i, a[i], b[i])
			}
		}
	})
	t.Run("Episodes", func(t *testing.T) {
		t.Helper()
		checkEpisodes(t, e, obsSpace, actSpace, steps)
	})
	if s, ok := env.AsStateful(e); ok {
		t.Run("State", func(t *testing.T) {
			t.Helper()
			checkState(t, e, s, actSpace)
		})
	}
	if !opt.SkipAllocs {
		t.Run("Allocs", func(t *testing.T) {
			t.Helper()
			rng := newRNG(2)
			e.Reset(rng)
			act := actSpace.Sample(nil, rng)
			n := testing.AllocsPerRun(200, func() {
				st := e.Step(act)
				if st.Terminated || st.Truncated {
					e.Reset(rng)
				}
			})
			if n != 0 {
				t.Fatalf("Step allocates %v times per call; want 0", n)
			}
		})
	}
}

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// rollout returns the observations, rewards and flags of steps random-action
// steps from a reset with the given seed, auto-resetting at episode ends.
func rollout(e env.Env, seed uint64, steps int) []float64 {
	rng := newRNG(seed)
	var out []float64
	push := func(obs []float32) {
		for _, v := range obs {
			out = append(out, float64(v))
		}
	}
	push(e.Reset(rng))
	var act []float32
	for i := 0; i < steps; i++ {
		act = e.ActionSpace().Sample(act, rng)
		st := e.Step(act)
		push(st.Obs)
		out = append(out, st.Reward, b2f(st.Terminated), b2f(st.Truncated))
		if st.Terminated || st.Truncated {
			push(e.Reset(rng))
		}
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func checkObs(obsSpace env.Space, obs []float32, where string) error {
	if len(obs) != obsSpace.Dim() {
		return fmt.Errorf("%s: observation has %d values, space %s has %d", where, len(obs), obsSpace, obsSpace.Dim())
	}
	for i, v := range obs {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%s: observation[%d] = %v", where, i, v)
		}
	}
	if !obsSpace.Contains(obs) {
		return fmt.Errorf("%s: observation %v outside %s", where, obs, obsSpace)
	}
	return nil
}

func checkEpisodes(t *testing.T, e env.Env, obsSpace, actSpace env.Space, steps int) {
	t.Helper()
	limit := 0
	for x := e; x != nil; {
		if l, ok := x.(limiter); ok && (limit == 0 || l.MaxSteps() < limit) {
			limit = l.MaxSteps()
		}
		u, ok := x.(env.Unwrapper)
		if !ok {
			break
		}
		x = u.Unwrap()
	}
	rng := newRNG(2)
	if err := checkObs(obsSpace, e.Reset(rng), "Reset"); err != nil {
		t.Fatal(err)
	}
	length, episodes := 0, 0
	var act []float32
	for i := 0; i < steps; i++ {
		act = actSpace.Sample(act, rng)
		st := e.Step(act)
		length++
		where := fmt.Sprintf("episode %d step %d", episodes, length)
		if err := checkObs(obsSpace, st.Obs, where); err != nil {
			t.Fatal(err)
		}
		if math.IsNaN(st.Reward) || math.IsInf(st.Reward, 0) {
			t.Fatalf("%s: reward %v", where, st.Reward)
		}
		if limit > 0 {
			if length > limit {
				t.Fatalf("%s: episode longer than the time limit %d", where, limit)
			}
			if st.Truncated != (length == limit) {
				t.Fatalf("%s: truncated = %v with time limit %d", where, st.Truncated, limit)
			}
		} else if st.Truncated && length < 1 {
			t.Fatalf("%s: truncated before any step", where)
		}
		if st.Terminated || st.Truncated {
			episodes++
			length = 0
			if err := checkObs(obsSpace, e.Reset(rng), "Reset after end"); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func checkState(t *testing.T, outer env.Env, s env.Stateful, _ env.Space) {
	t.Helper()
	// Replay on the stateful env itself: wrappers may hold state of their
	// own (stacked frames, noise, statistics) that State does not cover.
	e, ok := s.(env.Env)
	if !ok {
		e = outer
	}
	actSpace := e.ActionSpace()
	rng := newRNG(3)
	outer.Reset(rng)
	var act []float32
	for i := 0; i < 50; i++ {
		act = actSpace.Sample(act, rng)
		saved := s.State()
		a := e.Step(act)
		obsA := append([]float32(nil), a.Obs...)
		after := s.State()
		if err := s.SetState(saved); err != nil {
			t.Fatalf("SetState(State()) = %v", err)
		}
		b := e.Step(act)
		for k := range obsA {
			if math.Float32bits(obsA[k]) != math.Float32bits(b.Obs[k]) {
				t.Fatalf("step %d: replay from State gave obs %v, first run %v", i, b.Obs, obsA)
			}
		}
		if a.Reward != b.Reward || a.Terminated != b.Terminated {
			t.Fatalf("step %d: replay from State gave (%v, %v), first run (%v, %v)", i, b.Reward, b.Terminated, a.Reward, a.Terminated)
		}
		if got := s.State(); len(got) != len(after) {
			t.Fatalf("state length changed from %d to %d", len(after), len(got))
		}
		if a.Terminated || a.Truncated {
			outer.Reset(rng)
		}
	}
	if err := s.SetState(make([]float64, len(s.State())+1)); err == nil {
		t.Fatal("SetState accepted a state of the wrong length")
	}
	bad := s.State()
	bad[0] = math.NaN()
	if err := s.SetState(bad); err == nil {
		t.Fatal("SetState accepted NaN")
	}
	bad[0] = math.Inf(1)
	if err := s.SetState(bad); err == nil {
		t.Fatal("SetState accepted +Inf")
	}
	outer.Reset(rng)
}
