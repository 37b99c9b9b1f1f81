package agent

import (
	"math/rand/v2"

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
