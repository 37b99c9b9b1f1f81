package agent

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vfe-go/vfe/env/classic"
	"github.com/vfe-go/vfe/tensor"
)

func TestReplay_ChainsFollowEpisodesAndOverwrites(t *testing.T) {
	r := newReplay(4, 1, 1, 1, 1)
	z := []float32{0}
	add := func(v float32, prev int) int {
		return r.add(z, z, []float32{v}, z, z, 0, z, false, prev)
	}
	s0 := add(0, -1) // episode start
	s1 := add(1, s0)
	s2 := add(2, s1)
	if r.predecessor(s2) != s1 || r.predecessor(s1) != s0 || r.predecessor(s0) != -1 {
		t.Fatalf("chain %d ← %d ← %d broken", s0, s1, s2)
	}
	s3 := add(3, s2)
	s4 := add(4, s3) // overwrites slot s0
	if s4 != s0 {
		t.Fatalf("ring of 4 wrote the fifth transition to slot %d", s4)
	}
	if r.predecessor(s1) != -1 {
		t.Error("the predecessor of slot 1 was overwritten but is still linked")
	}
	if r.predecessor(s4) != s3 {
		t.Error("the newest transition lost its link")
	}
	// Chains in a batch are right-aligned, oldest first.
	bt := &batch{idx: make([]int, 64), ctxS: tensor.New(64, 1), ctxA: tensor.New(64, 1), x: tensor.New(64, 1),
		xn: tensor.New(64, 1), act: tensor.New(64, 1), actEnc: tensor.New(64, 1), rew: make([]float64, 64), term: make([]bool, 64)}
	r.sample(bt, 3, rand.New(rand.NewPCG(1, 1)))
	want := map[int][]int{s1: nil, s2: {s1}, s3: {s1, s2}, s4: {s1, s2, s3}}
	for k, i := range bt.idx {
		w := want[i]
		if bt.chainLen[k] != len(w) {
			t.Fatalf("slot %d: chain of %d, want %v", i, bt.chainLen[k], w)
		}
		for j, c := range bt.chain[(k+1)*3-len(w) : (k+1)*3] {
			if c != w[j] {
				t.Fatalf("slot %d: chain %v, want %v", i, bt.chain[k*3:(k+1)*3], w)
			}
		}
	}
}

// TestLearner_BurnInReproducesActingContexts checks the burn-in against
// acting: with the world model unchanged since acting, re-filtering an
// episode from its start (the exact zero context) must give back the
// contexts z_{t−1} inferred when acting.
func TestLearner_BurnInReproducesActingContexts(t *testing.T) {
	cfg := smallConfig()
	cfg.BurnIn = 6
	cfg.BatchSize = 8
	a := newCartPoleAgent(t, cfg)
	rng := rand.New(rand.NewPCG(9, 9))
	l, err := newLearner(a, rng)
	if err != nil {
		t.Fatal(err)
	}
	e, err := classic.Make("CartPole-v1")
	if err != nil {
		t.Fatal(err)
	}
	mem := newReplay(64, a.sDim, a.actIn, a.obsDim, 1)
	l.mem = mem
	obs := tensor.New(1, a.obsDim)
	copy(obs.Data, e.Reset(rng))
	st := a.ensureAct(1)
	a.Reset(0)
	enc := make([]float32, a.actIn)
	last := -1
	for range 5 { // a short episode prefix: every chain reaches its start
		ctxS, ctxA := st.prevS.Clone(), st.prevA.Clone()
		act := a.Act(nil, obs, false, rng)
		out := e.Step(act.Data)
		a.encodeAction(enc, act.Row(0))
		last = mem.add(ctxS.Data, ctxA.Data, obs.Data, act.Data, enc, out.Reward, out.Obs, out.Terminated, last)
		copy(obs.Data, out.Obs)
	}
	mem.sample(l.bt, cfg.BurnIn, rng)
	stored := l.bt.ctxS.Clone()
	for k := range l.bt.idx {
		l.bt.ctxS.Row(k)[0] += 1 // spoil every context the burn-in must rebuild
	}
	if err := l.burnIn(); err != nil {
		t.Fatal(err)
	}
	for k, i := range l.bt.idx {
		if l.bt.chainLen[k] != i {
			t.Fatalf("slot %d has a chain of %d", i, l.bt.chainLen[k])
		}
		if i == 0 {
			continue // the episode's first step keeps its (exact, zero) context
		}
		for j, v := range l.bt.ctxS.Row(k) {
			if w := stored.Row(k)[j]; math.Abs(float64(v-w)) > 1e-5 {
				t.Fatalf("slot %d: re-filtered context[%d] = %v, acting inferred %v", i, j, v, w)
			}
		}
	}
}
