package rl

import (
	"fmt"
	"math/rand/v2"

	"github.com/vfe-go/vfe/tensor"
)

// AdvantageConfig selects and parameterises the advantage estimator used on
// a rollout. The zero value is GAE with γ = λ = 0 (one-step TD errors); start
// from DefaultAdvantageConfig.
type AdvantageConfig struct {
	// Gamma is the discount γ in [0, 1]; default 0.99.
	Gamma float64 `json:"gamma"`
	// Lambda is the GAE λ in [0, 1] (0: one-step TD error, 1: Monte Carlo
	// return minus baseline); default 0.95.
	Lambda float64 `json:"gae_lambda"`
	// Horizon is the truncation T of the seed's truncated estimators A(λ,T)
	// and Ã(λ,T), in steps; 0 (the default) means untruncated GAE(λ).
	Horizon int `json:"gae_horizon"`
	// BiasCorrected, with Horizon > 0, selects Ã(λ,T) = A(λ,T)/(1 − λ^T)
	// (the seed's bias-corrected form) instead of A(λ,T); default false.
	// Ignored when Horizon is 0.
	BiasCorrected bool `json:"gae_bias_corrected"`
}

// DefaultAdvantageConfig returns γ = 0.99, λ = 0.95, untruncated GAE (the
// PPO defaults of CleanRL and Stable-Baselines3).
func DefaultAdvantageConfig() AdvantageConfig {
	return AdvantageConfig{Gamma: 0.99, Lambda: 0.95}
}

// Validate returns an error unless γ and λ are in [0, 1] and Horizon ≥ 0.
func (c AdvantageConfig) Validate() error {
	if !(c.Gamma >= 0 && c.Gamma <= 1) {
		return fmt.Errorf("rl: gamma %v outside [0, 1]", c.Gamma)
	}
	if !(c.Lambda >= 0 && c.Lambda <= 1) {
		return fmt.Errorf("rl: gae lambda %v outside [0, 1]", c.Lambda)
	}
	if c.Horizon < 0 {
		return fmt.Errorf("rl: gae horizon %d negative: use 0 for untruncated GAE", c.Horizon)
	}
	return nil
}

// Advantages writes the configured estimator's advantages for tr into dst
// (length T·N; nil allocates) and returns dst: GAE when Horizon is 0,
// otherwise TruncatedGAE with Horizon and BiasCorrected.
func (c AdvantageConfig) Advantages(dst []float32, tr Trajectory) []float32 {
	if c.Horizon == 0 {
		return GAE(dst, tr, c.Gamma, c.Lambda)
	}
	return TruncatedGAE(dst, tr, c.Gamma, c.Lambda, c.Horizon, c.BiasCorrected)
}

// RolloutBuffer stores T steps of N parallel environments for on-policy
// learners (REINFORCE, PPO). Every per-step array is time-major: entry or row
// t·N + n holds step t of env n, so the rows of step t form an N-row block.
// Step t records the observation s_t, the action taken, its log-probability
// and value under the acting policy, and the outcome: reward r_t and
// whether s_{t+1} is terminal (Terminated) or the episode was cut off
// (Truncated; FinalValues then holds V of the true final observation, to
// bootstrap from). The two flags are kept apart: only Terminated stops
// bootstrapping.
//
// Fields are exported for direct use by learners; Add fills them step by
// step and ComputeAdvantages fills Advantages and Returns.
type RolloutBuffer struct {
	Steps, Envs, ObsDim, ActDim int // T, N and the widths of Obs and Actions rows

	Obs         *tensor.Mat // (T·N)×ObsDim observations s_t
	Actions     *tensor.Mat // (T·N)×ActDim actions (a discrete action is stored as its index, ActDim = 1)
	LogProbs    []float32   // T·N log π_old(a_t|s_t)
	Values      []float32   // T·N V(s_t)
	Rewards     []float32   // T·N rewards r_t
	Terminated  []bool      // T·N: s_{t+1} is terminal
	Truncated   []bool      // T·N: cut off after step t (time limit)
	FinalValues []float32   // T·N: V(final observation) where Truncated, 0 elsewhere
	LastValues  []float32   // N: V(s_T), set by ComputeAdvantages
	Advantages  []float32   // T·N, set by ComputeAdvantages
	Returns     []float32   // T·N value targets Advantages + Values, set by ComputeAdvantages

	t int // steps added
}

// NewRolloutBuffer allocates a buffer for steps (T) × envs (N) transitions
// with the given observation and action widths. It panics unless all are
// positive.
func NewRolloutBuffer(steps, envs, obsDim, actDim int) *RolloutBuffer {
	if steps <= 0 || envs <= 0 || obsDim <= 0 || actDim <= 0 {
		panic(fmt.Sprintf("rl: NewRolloutBuffer(%d, %d, %d, %d): sizes must be positive", steps, envs, obsDim, actDim))
	}
	n := steps * envs
	return &RolloutBuffer{
		Steps: steps, Envs: envs, ObsDim: obsDim, ActDim: actDim,
		Obs:         tensor.New(n, obsDim),
		Actions:     tensor.New(n, actDim),
		LogProbs:    make([]float32, n),
		Values:      make([]float32, n),
		Rewards:     make([]float32, n),
		Terminated:  make([]bool, n),
		Truncated:   make([]bool, n),
		FinalValues: make([]float32, n),
		LastValues:  make([]float32, envs),
		Advantages:  make([]float32, n),
		Returns:     make([]float32, n),
	}
}

// Len returns the number of transitions stored, t·N after t calls to Add.
func (b *RolloutBuffer) Len() int { return b.t * b.Envs }

// Full reports whether all T steps have been added.
func (b *RolloutBuffer) Full() bool { return b.t == b.Steps }

// Reset empties the buffer for the next rollout (storage is kept).
func (b *RolloutBuffer) Reset() { b.t = 0 }

// Add records one step of all N envs: obs (N·ObsDim, the observations the
// actions were chosen from), actions (N·ActDim), logProbs and values (N,
// under the acting policy), rewards, terminated and truncated (N, the
// outcome, e.g. env.VecEnv's Rewards, Terminated and Truncated), and
// finalValues (N): V of the true final observation for envs that truncated
// (other entries are ignored and stored as 0; nil when none truncated).
// Slices are copied. It panics when the buffer is full or a length is wrong.
func (b *RolloutBuffer) Add(obs, actions, logProbs, values []float32, rewards []float64, terminated, truncated []bool, finalValues []float32) {
	if b.Full() {
		panic("rl: RolloutBuffer.Add: buffer full: call ComputeAdvantages, use it, then Reset")
	}
	n := b.Envs
	check := func(name string, got, want int) {
		if got != want {
			panic(fmt.Sprintf("rl: RolloutBuffer.Add: %s has length %d, want %d", name, got, want))
		}
	}
	check("obs", len(obs), n*b.ObsDim)
	check("actions", len(actions), n*b.ActDim)
	check("logProbs", len(logProbs), n)
	check("values", len(values), n)
	check("rewards", len(rewards), n)
	check("terminated", len(terminated), n)
	check("truncated", len(truncated), n)
	if finalValues != nil {
		check("finalValues", len(finalValues), n)
	}
	lo := b.t * n
	copy(b.Obs.Data[lo*b.ObsDim:], obs)
	copy(b.Actions.Data[lo*b.ActDim:], actions)
	copy(b.LogProbs[lo:], logProbs)
	copy(b.Values[lo:], values)
	copy(b.Terminated[lo:], terminated)
	copy(b.Truncated[lo:], truncated)
	for e := 0; e < n; e++ {
		b.Rewards[lo+e] = float32(rewards[e])
		b.FinalValues[lo+e] = 0
		if truncated[e] && !terminated[e] {
			if finalValues == nil {
				panic(fmt.Sprintf("rl: RolloutBuffer.Add: env %d truncated but finalValues is nil: pass V(final observation)", e))
			}
			b.FinalValues[lo+e] = finalValues[e]
		}
	}
	b.t++
}

// Trajectory returns a view of the stored steps for the return and
// advantage functions (LastValues as last set).
func (b *RolloutBuffer) Trajectory() Trajectory {
	n := b.t * b.Envs
	return Trajectory{
		Steps: b.t, Envs: b.Envs,
		Rewards: b.Rewards[:n], Values: b.Values[:n],
		Terminated: b.Terminated[:n], Truncated: b.Truncated[:n],
		FinalValues: b.FinalValues[:n], LastValues: b.LastValues,
	}
}

// ComputeAdvantages stores lastValues (N: V of the observation after the
// last step) and fills Advantages with cfg's estimator and Returns with
// Advantages + Values (the value targets, as CleanRL and Stable-Baselines3
// define them; with GAE they are the λ-returns). It does not allocate. It
// panics if len(lastValues) != N.
func (b *RolloutBuffer) ComputeAdvantages(cfg AdvantageConfig, lastValues []float32) {
	if len(lastValues) != b.Envs {
		panic(fmt.Sprintf("rl: RolloutBuffer.ComputeAdvantages: %d last values for %d envs", len(lastValues), b.Envs))
	}
	copy(b.LastValues, lastValues)
	n := b.t * b.Envs
	cfg.Advantages(b.Advantages[:n], b.Trajectory())
	for i := 0; i < n; i++ {
		b.Returns[i] = b.Advantages[i] + b.Values[i]
	}
}

// RolloutBatch is a minibatch gathered from a RolloutBuffer; its Mats and
// slices are resized (reusing storage) by Gather.
type RolloutBatch struct {
	Obs        *tensor.Mat // B×ObsDim
	Actions    *tensor.Mat // B×ActDim
	LogProbs   []float32   // B log π_old
	Values     []float32   // B V_old (for value clipping)
	Advantages []float32   // B
	Returns    []float32   // B value targets
}

// Gather copies the transitions with flat indices idx (t·N + n, in [0,
// Len())) into mb, resizing its fields to len(idx) rows (no allocation once
// they are large enough), and returns mb. A nil mb is allocated. It panics on
// an index out of range.
func (b *RolloutBuffer) Gather(mb *RolloutBatch, idx []int) *RolloutBatch {
	if mb == nil {
		mb = &RolloutBatch{}
	}
	k := len(idx)
	if mb.Obs == nil {
		mb.Obs = &tensor.Mat{}
	}
	if mb.Actions == nil {
		mb.Actions = &tensor.Mat{}
	}
	mb.Obs.Resize(k, b.ObsDim)
	mb.Actions.Resize(k, b.ActDim)
	mb.LogProbs = resize(mb.LogProbs, k)
	mb.Values = resize(mb.Values, k)
	mb.Advantages = resize(mb.Advantages, k)
	mb.Returns = resize(mb.Returns, k)
	n := b.Len()
	for r, i := range idx {
		if i < 0 || i >= n {
			panic(fmt.Sprintf("rl: RolloutBuffer.Gather: index %d outside [0, %d)", i, n))
		}
		copy(mb.Obs.Row(r), b.Obs.Row(i))
		copy(mb.Actions.Row(r), b.Actions.Row(i))
		mb.LogProbs[r] = b.LogProbs[i]
		mb.Values[r] = b.Values[i]
		mb.Advantages[r] = b.Advantages[i]
		mb.Returns[r] = b.Returns[i]
	}
	return mb
}

func resize(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// Perm fills idx with a uniformly random permutation of 0, …, len(idx)−1
// drawn from rng (Fisher–Yates; no allocation) and returns idx: PPO's
// per-epoch shuffle, after which idx[k·M:(k+1)·M] are the minibatches. It
// panics if rng is nil.
func Perm(idx []int, rng *rand.Rand) []int {
	if rng == nil {
		panic("rl: Perm with nil rng")
	}
	for i := range idx {
		idx[i] = i
	}
	for i := len(idx) - 1; i > 0; i-- {
		j := rng.IntN(i + 1)
		idx[i], idx[j] = idx[j], idx[i]
	}
	return idx
}
