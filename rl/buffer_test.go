package rl

import (
	"math"
	"testing"

	"github.com/vfe-go/vfe/internal/testrand"
)

// fillRollout adds the hand trajectory as env 0 and a copy with rewards +1
// as env 1 of a 6-step, 2-env buffer; obs rows hold (t, n), actions t·10 + n.
func fillRollout(t *testing.T) *RolloutBuffer {
	t.Helper()
	h := handTrajectory()
	b := NewRolloutBuffer(6, 2, 2, 1)
	for s := 0; s < 6; s++ {
		obs := []float32{float32(s), 0, float32(s), 1}
		act := []float32{float32(10 * s), float32(10*s + 1)}
		logp := []float32{-float32(s), -float32(s) - 0.5}
		val := []float32{h.Values[s], h.Values[s]}
		rew := []float64{float64(h.Rewards[s]), float64(h.Rewards[s]) + 1}
		term := []bool{h.Terminated[s], h.Terminated[s]}
		trunc := []bool{h.Truncated[s], h.Truncated[s]}
		var fv []float32
		if h.Truncated[s] {
			fv = []float32{h.FinalValues[s], h.FinalValues[s]}
		}
		b.Add(obs, act, logp, val, rew, term, trunc, fv)
	}
	return b
}

func TestRolloutBuffer_Add(t *testing.T) {
	b := fillRollout(t)
	if !b.Full() || b.Len() != 12 {
		t.Fatalf("Full = %v, Len = %d, want true and 12", b.Full(), b.Len())
	}
	// Row t·N + n holds step t of env n.
	if b.Obs.At(7, 0) != 3 || b.Obs.At(7, 1) != 1 || b.Actions.At(7, 0) != 31 || b.Rewards[7] != 2 {
		t.Errorf("row 7 = obs %v, action %v, reward %v; want (3,1), 31, 2", b.Obs.Row(7), b.Actions.Row(7), b.Rewards[7])
	}
	if !b.Truncated[6] || !b.Truncated[7] || b.FinalValues[7] != 3 || b.Terminated[6] {
		t.Errorf("step 3 flags: truncated %v %v, terminated %v, final value %v", b.Truncated[6], b.Truncated[7], b.Terminated[6], b.FinalValues[7])
	}
	t.Run("full buffer panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("Add on a full buffer did not panic")
			}
		}()
		b.Add(make([]float32, 4), make([]float32, 2), make([]float32, 2), make([]float32, 2), make([]float64, 2), make([]bool, 2), make([]bool, 2), nil)
	})
	t.Run("truncation without final values panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("no panic for a truncation without V(final obs)")
			}
		}()
		c := NewRolloutBuffer(1, 1, 1, 1)
		c.Add([]float32{0}, []float32{0}, []float32{0}, []float32{0}, []float64{0}, []bool{false}, []bool{true}, nil)
	})
}

func TestRolloutBuffer_ComputeAdvantages(t *testing.T) {
	b := fillRollout(t)
	b.ComputeAdvantages(AdvantageConfig{Gamma: handGamma, Lambda: handLambda}, []float32{4, 4})
	// Env 0 is the hand trajectory (TestGAE). Env 1 has every reward + 1, so
	// every δ + 1: A5 = 3.6, A4 = 1.8 + 0.72·3.6 = 4.392, A3 = 4.3,
	// A2 = 3.16 + 0.72·4.3 = 6.256, A1 = 0, A0 = 2.4 + 0.72·0 = 2.4.
	want0 := []float64{0.68, -1.0, 4.536, 3.3, 2.672, 2.6}
	want1 := []float64{2.4, 0, 6.256, 4.3, 4.392, 3.6}
	for s := 0; s < 6; s++ {
		for e, w := range [][]float64{want0, want1} {
			i := 2*s + e
			if !near(float64(b.Advantages[i]), w[s], 1e-6) {
				t.Errorf("step %d env %d: advantage %v, want %v", s, e, b.Advantages[i], w[s])
			}
			if !near(float64(b.Returns[i]), w[s]+float64(b.Values[i]), 1e-6) {
				t.Errorf("step %d env %d: return %v, want A + V = %v", s, e, b.Returns[i], w[s]+float64(b.Values[i]))
			}
		}
	}
	t.Run("no allocation", func(t *testing.T) {
		cfg, last := DefaultAdvantageConfig(), []float32{1, 2}
		if a := testing.AllocsPerRun(20, func() { b.ComputeAdvantages(cfg, last) }); a != 0 {
			t.Errorf("%v allocations, want 0", a)
		}
	})
}

func TestRolloutBuffer_Gather(t *testing.T) {
	b := fillRollout(t)
	b.ComputeAdvantages(DefaultAdvantageConfig(), []float32{4, 4})
	idx := []int{7, 0, 11}
	mb := b.Gather(nil, idx)
	for r, i := range idx {
		if mb.Obs.At(r, 0) != b.Obs.At(i, 0) || mb.Obs.At(r, 1) != b.Obs.At(i, 1) || mb.Actions.At(r, 0) != b.Actions.At(i, 0) ||
			mb.LogProbs[r] != b.LogProbs[i] || mb.Values[r] != b.Values[i] || mb.Advantages[r] != b.Advantages[i] || mb.Returns[r] != b.Returns[i] {
			t.Errorf("row %d does not match buffer entry %d", r, i)
		}
	}
	t.Run("reuses storage", func(t *testing.T) {
		perm := make([]int, b.Len())
		rng := testrand.New(1)
		mb := b.Gather(nil, perm[:4])
		a := testing.AllocsPerRun(20, func() {
			Perm(perm, rng)
			b.Gather(mb, perm[:4])
			b.Gather(mb, perm[4:7])
		})
		if a != 0 {
			t.Errorf("%v allocations, want 0", a)
		}
	})
}

func TestRolloutBuffer_AddAllocs(t *testing.T) {
	b := NewRolloutBuffer(64, 4, 3, 1)
	obs, act := make([]float32, 12), make([]float32, 4)
	f, r, term, trunc := make([]float32, 4), make([]float64, 4), make([]bool, 4), make([]bool, 4)
	trunc[2] = true
	a := testing.AllocsPerRun(20, func() {
		if b.Full() {
			b.Reset()
		}
		b.Add(obs, act, f, f, r, term, trunc, f)
	})
	if a != 0 {
		t.Errorf("%v allocations per Add, want 0", a)
	}
}

func TestPerm(t *testing.T) {
	t.Run("is a permutation, seeded", func(t *testing.T) {
		a, b := Perm(make([]int, 50), testrand.New(3)), Perm(make([]int, 50), testrand.New(3))
		seen := make([]bool, 50)
		for i, v := range a {
			if v != b[i] {
				t.Fatal("same seed gave different permutations")
			}
			if seen[v] {
				t.Fatalf("%d repeated", v)
			}
			seen[v] = true
		}
	})
	t.Run("uniform first element", func(t *testing.T) {
		// P(idx[0] = k) = 1/4; 5 binomial standard errors over 40000 draws.
		const n = 40000
		rng, idx, count := testrand.New(4), make([]int, 4), make([]float64, 4)
		for range n {
			count[Perm(idx, rng)[0]]++
		}
		tol := 5 * math.Sqrt(0.25*0.75/n)
		for k, c := range count {
			if !near(c/n, 0.25, tol) {
				t.Errorf("P(first = %d) = %v, want 0.25 ± %v", k, c/n, tol)
			}
		}
	})
}

// addReplay stores `steps` slots of 2 envs where transition (slot s, env e)
// has obs (s, e), action 10s + e, next obs (s+1, e), reward s + e/10, and
// env 1 truncates on odd slots, env 0 terminates every fourth.
func addReplay(b *ReplayBuffer, from, steps int, finalObs bool) {
	for s := from; s < from+steps; s++ {
		obs := []float32{float32(s), 0, float32(s), 1}
		act := []float32{float32(10 * s), float32(10*s + 1)}
		next := []float32{float32(s + 1), 0, float32(s + 1), 1}
		rew := []float64{float64(s), float64(s) + 0.1}
		term := []bool{s%4 == 3, false}
		trunc := []bool{false, s%2 == 1}
		var fin []float32
		if finalObs {
			// An auto-resetting VecEnv: next holds the reset obs (−1) for ended
			// envs and finalObs the true final obs.
			fin = append([]float32(nil), next...)
			for e := 0; e < 2; e++ {
				if term[e] || trunc[e] {
					next[2*e], next[2*e+1] = -1, -1
				}
			}
		}
		b.Add(obs, act, next, rew, term, trunc, fin)
	}
}

func TestReplayBuffer_Add(t *testing.T) {
	t.Run("ring keeps the newest", func(t *testing.T) {
		b := NewReplayBuffer(7, 2, 2, 1) // 3 slots of 2 envs
		if b.Capacity != 6 {
			t.Fatalf("Capacity = %d, want 6", b.Capacity)
		}
		addReplay(b, 0, 5, false)
		if b.Len() != 6 {
			t.Fatalf("Len = %d, want 6", b.Len())
		}
		slots := map[float32]bool{}
		for i := 0; i < 6; i++ {
			slots[b.obs.At(i, 0)] = true
		}
		if len(slots) != 3 || !slots[2] || !slots[3] || !slots[4] {
			t.Errorf("stored slots %v, want {2, 3, 4}", slots)
		}
	})
	t.Run("true final observation and separate flags", func(t *testing.T) {
		b := NewReplayBuffer(100, 2, 2, 1)
		addReplay(b, 0, 8, true)
		for i := 0; i < b.Len(); i++ {
			s, e := i/2, i%2
			if b.nextObs.At(i, 0) != float32(s+1) || b.nextObs.At(i, 1) != float32(e) {
				t.Errorf("row %d: next obs %v, want (%d, %d) (not the reset obs)", i, b.nextObs.Row(i), s+1, e)
			}
			if b.terminated[i] != (e == 0 && s%4 == 3) || b.truncated[i] != (e == 1 && s%2 == 1) {
				t.Errorf("row %d: terminated %v truncated %v", i, b.terminated[i], b.truncated[i])
			}
		}
	})
}

func TestReplayBuffer_Sample(t *testing.T) {
	b := NewReplayBuffer(8, 2, 2, 1)
	addReplay(b, 0, 6, false) // slots 2..5 remain
	bt := NewBatch(20000, 2, 1)
	b.Sample(bt, testrand.New(5))
	count := map[int]float64{}
	for r := 0; r < bt.Size(); r++ {
		s, e := int(bt.Obs.At(r, 0)), int(bt.Obs.At(r, 1))
		if s < 2 || s > 5 {
			t.Fatalf("sampled overwritten slot %d", s)
		}
		// Each sampled row is one stored transition, fields consistent.
		if bt.Actions.At(r, 0) != float32(10*s+e) || bt.NextObs.At(r, 0) != float32(s+1) ||
			!near(float64(bt.Rewards[r]), float64(s)+float64(e)/10, 1e-6) ||
			bt.Terminated[r] != (e == 0 && s%4 == 3) || bt.Truncated[r] != (e == 1 && s%2 == 1) {
			t.Fatalf("row %d inconsistent", r)
		}
		count[2*s+e]++
	}
	// Uniform over 8 transitions: 5 binomial standard errors.
	tol := 5 * math.Sqrt(0.125*0.875/20000)
	for k, c := range count {
		if !near(c/20000, 0.125, tol) {
			t.Errorf("transition %d sampled with frequency %v, want 0.125 ± %v", k, c/20000, tol)
		}
	}
	if len(count) != 8 {
		t.Errorf("%d distinct transitions sampled, want 8", len(count))
	}
	t.Run("seeded and allocation-free", func(t *testing.T) {
		b1, b2 := NewBatch(16, 2, 1), NewBatch(16, 2, 1)
		b.Sample(b1, testrand.New(9))
		b.Sample(b2, testrand.New(9))
		for i := range b1.Indices {
			if b1.Indices[i] != b2.Indices[i] {
				t.Fatal("same seed gave different samples")
			}
		}
		rng := testrand.New(1)
		if a := testing.AllocsPerRun(20, func() { b.Sample(b1, rng) }); a != 0 {
			t.Errorf("%v allocations per Sample, want 0", a)
		}
		obs, act, rew, fl := make([]float32, 4), make([]float32, 2), make([]float64, 2), make([]bool, 2)
		if a := testing.AllocsPerRun(20, func() { b.Add(obs, act, obs, rew, fl, fl, obs) }); a != 0 {
			t.Errorf("%v allocations per Add, want 0", a)
		}
	})
	t.Run("empty buffer panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("no panic")
			}
		}()
		NewReplayBuffer(4, 1, 1, 1).Sample(NewBatch(1, 1, 1), testrand.New(1))
	})
}

func TestReplayBuffer_SampleSeq(t *testing.T) {
	b := NewReplayBuffer(10, 2, 2, 1) // 5 slots
	addReplay(b, 0, 7, false)         // slots 2..6 remain, stored ring-wrapped
	const l = 3
	sb := NewSeqBatch(l, 4000, 2, 1)
	b.SampleSeq(sb, testrand.New(6))
	starts := map[int]float64{}
	for k := 0; k < sb.Size; k++ {
		s0, e := int(sb.Obs.At(k, 0)), int(sb.Obs.At(k, 1))
		if s0 < 2 || s0 > 6-l+1 {
			t.Fatalf("sequence %d starts at slot %d, want within [2, %d]", k, s0, 6-l+1)
		}
		for st := 0; st < l; st++ {
			r := st*sb.Size + k
			if int(sb.Obs.At(r, 0)) != s0+st || int(sb.Obs.At(r, 1)) != e || sb.Actions.At(r, 0) != float32(10*(s0+st)+e) {
				t.Fatalf("sequence %d step %d: obs %v, want (%d, %d)", k, st, sb.Obs.Row(r), s0+st, e)
			}
		}
		starts[2*s0+e]++
	}
	// 3 valid starts per env × 2 envs, uniform: 5 binomial standard errors.
	tol := 5 * math.Sqrt((1.0/6)*(5.0/6)/4000)
	for k, c := range starts {
		if !near(c/4000, 1.0/6, tol) {
			t.Errorf("start %d frequency %v, want 1/6 ± %v", k, c/4000, tol)
		}
	}
	if len(starts) != 6 {
		t.Errorf("%d distinct starts, want 6", len(starts))
	}
	t.Run("allocation-free", func(t *testing.T) {
		rng := testrand.New(2)
		if a := testing.AllocsPerRun(20, func() { b.SampleSeq(sb, rng) }); a != 0 {
			t.Errorf("%v allocations per SampleSeq, want 0", a)
		}
	})
	t.Run("too short panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("no panic")
			}
		}()
		c := NewReplayBuffer(10, 1, 2, 1)
		c.Add([]float32{0, 0}, []float32{0}, []float32{0, 0}, []float64{0}, []bool{false}, []bool{false}, nil)
		c.SampleSeq(NewSeqBatch(2, 1, 2, 1), testrand.New(1))
	})
}

func TestNormalize(t *testing.T) {
	// mean 2.5, sample std √(5/3) = 1.2909944; (x − 2.5)/1.2909944.
	x := Normalize([]float32{1, 2, 3, 4})
	checkVec(t, "Normalize", x, []float64{-1.161895, -0.387298, 0.387298, 1.161895}, 1e-5)
	checkVec(t, "single", Normalize([]float32{3}), []float64{0}, 0)
	checkVec(t, "constant", Normalize([]float32{2, 2, 2}), []float64{0, 0, 0}, 0)
}

func TestExplainedVariance(t *testing.T) {
	y := []float32{1, 2, 3, 4}
	for _, c := range []struct {
		name string
		pred []float32
		want float64
	}{
		{"perfect", []float32{1, 2, 3, 4}, 1},
		{"constant offset", []float32{2, 3, 4, 5}, 1}, // residual variance 0
		{"mean", []float32{2.5, 2.5, 2.5, 2.5}, 0},
		{"reversed", []float32{4, 3, 2, 1}, -3}, // Var[(−3,−1,1,3)] = 5, Var[y] = 1.25
	} {
		if got := ExplainedVariance(c.pred, y); !near(got, c.want, 1e-9) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if got := ExplainedVariance([]float32{1, 2}, []float32{3, 3}); !math.IsNaN(got) {
		t.Errorf("constant target: %v, want NaN", got)
	}
}
