package agent

import (
	"math/rand/v2"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/tensor"
)

// replay is the agent's transition memory (the seed's "hippocampus"): for
// each transition the filtering context (z_{t−1}, a_{t−1}) it was perceived
// in, x_t, a_t, r_t, the true next observation x_{t+1} (the final one at
// truncation) and whether the episode terminated there. Each transition
// also links to its predecessor in the same episode, so that sequences can
// be replayed: the stored context is the one inferred when acting, stale
// once the world model has changed, and re-filtering the predecessors with
// the current model (a burn-in) refreshes it.
type replay struct {
	cap, n, pos       int
	sd, ad, od, ac    int
	ctxS, ctxA, x, xn []float32
	act, actEnc       []float32
	rew               []float64
	term              []bool
	// prev[i] is the slot of transition i's predecessor in its episode
	// (−1 at an episode start or when it was not stored here); it is valid
	// while gen[prev[i]] == prevGen[i] (the slot was not overwritten).
	prev         []int
	gen, prevGen []uint64
	writes       uint64
}

func newReplay(capacity, sd, ad, od, ac int) *replay {
	return &replay{cap: capacity, sd: sd, ad: ad, od: od, ac: ac,
		ctxS: make([]float32, capacity*sd), ctxA: make([]float32, capacity*ad),
		x: make([]float32, capacity*od), xn: make([]float32, capacity*od),
		act: make([]float32, capacity*ac), actEnc: make([]float32, capacity*ad),
		rew: make([]float64, capacity), term: make([]bool, capacity),
		prev: make([]int, capacity), gen: make([]uint64, capacity), prevGen: make([]uint64, capacity)}
}

// add stores one transition whose predecessor in the episode is in slot
// prev (−1: none) and returns the slot it was written to.
func (r *replay) add(ctxS, ctxA, x, act, actEnc []float32, rew float64, xn []float32, term bool, prev int) int {
	i := r.pos
	copy(r.ctxS[i*r.sd:(i+1)*r.sd], ctxS)
	copy(r.ctxA[i*r.ad:(i+1)*r.ad], ctxA)
	copy(r.x[i*r.od:(i+1)*r.od], x)
	copy(r.xn[i*r.od:(i+1)*r.od], xn)
	copy(r.act[i*r.ac:(i+1)*r.ac], act)
	copy(r.actEnc[i*r.ad:(i+1)*r.ad], actEnc)
	r.rew[i], r.term[i] = rew, term
	r.writes++
	r.gen[i] = r.writes
	r.prev[i] = -1
	if prev >= 0 && prev != i {
		r.prev[i], r.prevGen[i] = prev, r.gen[prev]
	}
	r.pos = (r.pos + 1) % r.cap
	r.n = min(r.n+1, r.cap)
	return i
}

// predecessor returns the slot of i's predecessor, or −1 when there is
// none or it has been overwritten.
func (r *replay) predecessor(i int) int {
	p := r.prev[i]
	if p < 0 || r.gen[p] != r.prevGen[i] {
		return -1
	}
	return p
}

// batch is one replayed minibatch with every buffer an update needs.
type batch struct {
	idx               []int
	ctxS, ctxA, x, xn *tensor.Mat
	act, actEnc       *tensor.Mat
	rew               []float64
	term              []bool
	// chain holds, for a burn-in of K steps, row k's predecessors oldest
	// first in chain[k*K+K−chainLen[k] : (k+1)*K] (right-aligned).
	chain    []int
	chainLen []int
}

// sample draws len(bt.idx) transitions uniformly with replacement and, when
// burnIn > 0, up to burnIn predecessors of each.
func (r *replay) sample(bt *batch, burnIn int, rng *rand.Rand) {
	if burnIn > 0 && len(bt.chain) != len(bt.idx)*burnIn {
		bt.chain = make([]int, len(bt.idx)*burnIn)
		bt.chainLen = make([]int, len(bt.idx))
	}
	for k := range bt.idx {
		i := rng.IntN(r.n)
		bt.idx[k] = i
		copy(bt.ctxS.Row(k), r.ctxS[i*r.sd:(i+1)*r.sd])
		copy(bt.ctxA.Row(k), r.ctxA[i*r.ad:(i+1)*r.ad])
		copy(bt.x.Row(k), r.x[i*r.od:(i+1)*r.od])
		copy(bt.xn.Row(k), r.xn[i*r.od:(i+1)*r.od])
		copy(bt.act.Row(k), r.act[i*r.ac:(i+1)*r.ac])
		copy(bt.actEnc.Row(k), r.actEnc[i*r.ad:(i+1)*r.ad])
		bt.rew[k], bt.term[k] = r.rew[i], r.term[i]
		if burnIn > 0 {
			n, j := 0, i
			for n < burnIn {
				if j = r.predecessor(j); j < 0 {
					break
				}
				n++
				bt.chain[(k+1)*burnIn-n] = j
			}
			bt.chainLen[k] = n
		}
	}
}

// memory files the acting transitions of the training loops: every tenth in
// a held-out buffer (for wm/obs_error), the rest in the replay, linked to
// their episode predecessors; it resets the acting memory of rows whose
// episode ended and keeps their returns.
type memory struct {
	main, held *replay
	lastSlot   []int // per env row: the replay slot of its previous transition, or −1
	stored     int
	enc        []float32
	recent     []float64 // the last 20 episode returns
}

func newMemory(a *Agent, capacity, envs, cols int) *memory {
	m := &memory{
		main:     newReplay(capacity, a.sDim, a.actIn, a.obsDim, cols),
		held:     newReplay(1000, a.sDim, a.actIn, a.obsDim, cols),
		lastSlot: make([]int, envs), enc: make([]float32, a.actIn),
	}
	for i := range m.lastSlot {
		m.lastSlot[i] = -1
	}
	return m
}

// record stores the transitions of one vectorised step — the contexts
// ctxS, ctxA and observations x the actions were chosen from, and vec's
// outcome (the true final observation where an episode ended) — and logs
// finished episodes at logStep.
func (m *memory) record(a *Agent, vec *env.VecEnv, ctxS, ctxA, x, actions *tensor.Mat, logger rl.Logger, logStep int) error {
	od := a.obsDim
	for i := range m.lastSlot {
		xn := vec.Obs[i*od : (i+1)*od]
		done := vec.Terminated[i] || vec.Truncated[i]
		if done {
			xn = vec.FinalObs[i*od : (i+1)*od]
		}
		a.encodeAction(m.enc, actions.Row(i))
		target, prev := m.main, m.lastSlot[i]
		if m.stored%10 == 9 {
			target, prev = m.held, -1 // every 10th transition is held out for wm/obs_error
		}
		m.stored++
		slot := target.add(ctxS.Row(i), ctxA.Row(i), x.Row(i), actions.Row(i), m.enc, vec.Rewards[i], xn, vec.Terminated[i], prev)
		m.lastSlot[i] = -1 // the next transition's predecessor, when it is in the replay
		if target == m.main && !done {
			m.lastSlot[i] = slot
		}
		if done {
			a.Reset(i)
			m.recent = append(m.recent, vec.EpisodeReturn[i])
			if len(m.recent) > 20 {
				m.recent = m.recent[1:]
			}
			if err := logger.Log(logStep, rl.Metric{Key: "charts/episodic_return", Value: vec.EpisodeReturn[i]},
				rl.Metric{Key: "charts/episodic_length", Value: float64(vec.EpisodeLength[i])}); err != nil {
				return err
			}
		}
	}
	return nil
}
