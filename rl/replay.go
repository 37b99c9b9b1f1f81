package rl

import (
	"fmt"
	"math/rand/v2"

	"github.com/vfe-go/vfe/tensor"
)

// ReplayBuffer is a ring buffer of transitions (s, a, r, s', terminated,
// truncated) from N parallel environments for off-policy learners (DQN,
// DDPG, TD3, SAC) and sequence models. It holds Capacity/N slots of N
// transitions each (one per env, like Stable-Baselines3's buffer with
// n_envs); once full, each Add overwrites the oldest slot.
//
// NextObs is always the true next observation: at the end of an episode the
// final observation of that episode, never the first observation of the
// next one that an auto-resetting VecEnv reports. Terminated and Truncated
// are stored separately: a TD target bootstraps from NextObs unless
// Terminated.
type ReplayBuffer struct {
	Capacity, Envs, ObsDim, ActDim int // transitions held at most (a multiple of Envs), N, row widths

	obs, nextObs, actions *tensor.Mat // (slots·N)×width, row slot·N + n
	rewards               []float32
	terminated, truncated []bool
	slots, pos            int // slots in the ring, next slot to write
	full                  bool
}

// NewReplayBuffer allocates a buffer for capacity transitions (rounded down
// to a multiple of envs) from envs parallel environments with the given
// observation and action widths. It panics unless all are positive and
// capacity ≥ envs.
func NewReplayBuffer(capacity, envs, obsDim, actDim int) *ReplayBuffer {
	if envs <= 0 || obsDim <= 0 || actDim <= 0 || capacity < envs {
		panic(fmt.Sprintf("rl: NewReplayBuffer(%d, %d, %d, %d): need positive sizes and capacity ≥ envs", capacity, envs, obsDim, actDim))
	}
	slots := capacity / envs
	n := slots * envs
	return &ReplayBuffer{
		Capacity: n, Envs: envs, ObsDim: obsDim, ActDim: actDim,
		obs: tensor.New(n, obsDim), nextObs: tensor.New(n, obsDim), actions: tensor.New(n, actDim),
		rewards: make([]float32, n), terminated: make([]bool, n), truncated: make([]bool, n),
		slots: slots,
	}
}

// Len returns the number of transitions stored (at most Capacity).
func (b *ReplayBuffer) Len() int { return b.stored() * b.Envs }

func (b *ReplayBuffer) stored() int {
	if b.full {
		return b.slots
	}
	return b.pos
}

// Add stores one transition per env: obs (N·ObsDim), actions (N·ActDim),
// nextObs (N·ObsDim), rewards, terminated and truncated (N). For an env whose
// episode ended (terminated or truncated) the next observation is read from
// finalObs (N·ObsDim, env.VecEnv's FinalObs) when finalObs is non-nil;
// otherwise nextObs must already hold the true final observation. Data are
// copied; Add does not allocate. It panics when a length is wrong.
func (b *ReplayBuffer) Add(obs, actions, nextObs []float32, rewards []float64, terminated, truncated []bool, finalObs []float32) {
	n, od, ad := b.Envs, b.ObsDim, b.ActDim
	check := func(name string, got, want int) {
		if got != want {
			panic(fmt.Sprintf("rl: ReplayBuffer.Add: %s has length %d, want %d", name, got, want))
		}
	}
	check("obs", len(obs), n*od)
	check("actions", len(actions), n*ad)
	check("nextObs", len(nextObs), n*od)
	check("rewards", len(rewards), n)
	check("terminated", len(terminated), n)
	check("truncated", len(truncated), n)
	if finalObs != nil {
		check("finalObs", len(finalObs), n*od)
	}
	lo := b.pos * n
	copy(b.obs.Data[lo*od:(lo+n)*od], obs)
	copy(b.actions.Data[lo*ad:(lo+n)*ad], actions)
	copy(b.nextObs.Data[lo*od:(lo+n)*od], nextObs)
	for e := 0; e < n; e++ {
		b.rewards[lo+e] = float32(rewards[e])
		b.terminated[lo+e] = terminated[e]
		b.truncated[lo+e] = truncated[e]
		if finalObs != nil && (terminated[e] || truncated[e]) {
			copy(b.nextObs.Row(lo+e), finalObs[e*od:(e+1)*od])
		}
	}
	b.pos++
	if b.pos == b.slots {
		b.pos, b.full = 0, true
	}
}

// Batch is a sample of transitions; NewBatch sizes it and Sample fills it.
type Batch struct {
	Obs        *tensor.Mat // B×ObsDim s
	Actions    *tensor.Mat // B×ActDim a
	NextObs    *tensor.Mat // B×ObsDim s' (true final observation at an episode end)
	Rewards    []float32   // B r
	Terminated []bool      // B: s' terminal, do not bootstrap
	Truncated  []bool      // B: episode cut off after this transition (still bootstrap)
	Indices    []int       // B buffer rows sampled (slot·N + n)
}

// NewBatch allocates a batch of size transitions with the given widths.
func NewBatch(size, obsDim, actDim int) *Batch {
	return &Batch{
		Obs: tensor.New(size, obsDim), Actions: tensor.New(size, actDim), NextObs: tensor.New(size, obsDim),
		Rewards: make([]float32, size), Terminated: make([]bool, size), Truncated: make([]bool, size),
		Indices: make([]int, size),
	}
}

// Size returns the number of transitions in the batch.
func (bt *Batch) Size() int { return len(bt.Rewards) }

// Slice returns rows [lo, hi) of bt as a Batch sharing its storage (the
// Mats are new views, so call it once and keep the result). It panics
// unless 0 ≤ lo ≤ hi ≤ Size.
func (bt *Batch) Slice(lo, hi int) Batch {
	if lo < 0 || hi > bt.Size() || lo > hi {
		panic(fmt.Sprintf("rl: Batch.Slice(%d, %d) of %d rows", lo, hi, bt.Size()))
	}
	return Batch{
		Obs: bt.Obs.RowsView(lo, hi), Actions: bt.Actions.RowsView(lo, hi), NextObs: bt.NextObs.RowsView(lo, hi),
		Rewards: bt.Rewards[lo:hi], Terminated: bt.Terminated[lo:hi], Truncated: bt.Truncated[lo:hi],
		Indices: bt.Indices[lo:hi],
	}
}

func (b *ReplayBuffer) copyRow(bt *Batch, r, i int) {
	copy(bt.Obs.Row(r), b.obs.Row(i))
	copy(bt.Actions.Row(r), b.actions.Row(i))
	copy(bt.NextObs.Row(r), b.nextObs.Row(i))
	bt.Rewards[r] = b.rewards[i]
	bt.Terminated[r] = b.terminated[i]
	bt.Truncated[r] = b.truncated[i]
	bt.Indices[r] = i
}

// Sample fills bt with bt.Size() transitions drawn uniformly with
// replacement from those stored, using rng, and returns bt. It does not
// allocate. It panics if the buffer is empty, rng is nil, or bt's widths
// differ from the buffer's.
func (b *ReplayBuffer) Sample(bt *Batch, rng *rand.Rand) *Batch {
	if rng == nil {
		panic("rl: ReplayBuffer.Sample with nil rng")
	}
	n := b.Len()
	if n == 0 {
		panic("rl: ReplayBuffer.Sample: buffer is empty: add transitions before sampling (learning starts)")
	}
	b.checkBatch("Sample", bt.Obs, bt.Actions, bt.NextObs, bt.Size())
	for r := range bt.Rewards {
		b.copyRow(bt, r, rng.IntN(n))
	}
	return bt
}

func (b *ReplayBuffer) checkBatch(op string, obs, act, next *tensor.Mat, rows int) {
	if obs.Rows != rows || obs.Cols != b.ObsDim || next.Rows != rows || next.Cols != b.ObsDim || act.Rows != rows || act.Cols != b.ActDim {
		panic(fmt.Sprintf("rl: ReplayBuffer.%s: batch of %d rows is %d×%d / %d×%d / %d×%d, want widths obs %d, action %d",
			op, rows, obs.Rows, obs.Cols, act.Rows, act.Cols, next.Rows, next.Cols, b.ObsDim, b.ActDim))
	}
}

// SeqBatch is a batch of B sequences of L consecutive transitions of one env
// each, time-major: row t·B + k of every Mat (entry t·B + k of every slice)
// is step t of sequence k, so rows [t·B, (t+1)·B) are one time step of the
// batch. Sequences may cross episode boundaries: after a step with
// Terminated or Truncated set, the next step's Obs is the first observation
// of a new episode (its NextObs the true final one).
type SeqBatch struct {
	Length, Size int         // L and B
	Obs          *tensor.Mat // (L·B)×ObsDim
	Actions      *tensor.Mat // (L·B)×ActDim
	NextObs      *tensor.Mat // (L·B)×ObsDim
	Rewards      []float32   // L·B
	Terminated   []bool      // L·B
	Truncated    []bool      // L·B
	Indices      []int       // L·B buffer rows
}

// NewSeqBatch allocates a batch of size sequences of length steps.
func NewSeqBatch(length, size, obsDim, actDim int) *SeqBatch {
	n := length * size
	return &SeqBatch{
		Length: length, Size: size,
		Obs: tensor.New(n, obsDim), Actions: tensor.New(n, actDim), NextObs: tensor.New(n, obsDim),
		Rewards: make([]float32, n), Terminated: make([]bool, n), Truncated: make([]bool, n),
		Indices: make([]int, n),
	}
}

// SampleSeq fills sb with sb.Size sequences of sb.Length consecutive
// transitions, each from one env: the env is drawn uniformly, then the start
// uniformly among the positions whose whole sequence is stored in order
// (never spanning the ring's write position, where old and new data meet).
// It returns sb and does not allocate. It panics if fewer than sb.Length
// slots are stored, rng is nil, or sb's widths differ from the buffer's.
func (b *ReplayBuffer) SampleSeq(sb *SeqBatch, rng *rand.Rand) *SeqBatch {
	if rng == nil {
		panic("rl: ReplayBuffer.SampleSeq with nil rng")
	}
	l, s := sb.Length, b.stored()
	if l < 1 || s < l {
		panic(fmt.Sprintf("rl: ReplayBuffer.SampleSeq: %d steps per env stored, need sequence length %d ≥ 1 of them", s, l))
	}
	b.checkBatch("SampleSeq", sb.Obs, sb.Actions, sb.NextObs, l*sb.Size)
	oldest := 0
	if b.full {
		oldest = b.pos
	}
	bt := Batch{Obs: sb.Obs, Actions: sb.Actions, NextObs: sb.NextObs,
		Rewards: sb.Rewards, Terminated: sb.Terminated, Truncated: sb.Truncated, Indices: sb.Indices}
	for k := 0; k < sb.Size; k++ {
		e := rng.IntN(b.Envs)
		start := rng.IntN(s - l + 1)
		for t := 0; t < l; t++ {
			slot := (oldest + start + t) % b.slots
			b.copyRow(&bt, t*sb.Size+k, slot*b.Envs+e)
		}
	}
	return sb
}
