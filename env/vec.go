package env

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
)

// AutoReset selects what a VecEnv does when one of its episodes ends.
type AutoReset int

const (
	// SameStep resets an ended env inside the same Step, as Gymnasium's
	// AutoresetMode.SAME_STEP and Stable-Baselines3's VecEnv do: the row
	// of Obs holds the first observation of the new episode, and the row of
	// FinalObs the last observation of the ended one (bootstrap from it on
	// truncation). This is the default.
	SameStep AutoReset = iota
	// NextStep is Gymnasium 1.0's default AutoresetMode.NEXT_STEP: the row
	// of Obs holds the final observation; on the following Step that env
	// ignores its action, resets, and reports reward 0 with both flags false.
	NextStep
)

// VecConfig configures a VecEnv. The zero value is usable.
type VecConfig struct {
	// Mode is the auto-reset semantics; zero means SameStep.
	Mode AutoReset
	// Workers is the number of goroutines that step the envs; 0 means
	// automatic (one per core, but only when each worker gets at least
	// MinPerWorker envs), 1 steps everything on the calling goroutine.
	Workers int
	// MinPerWorker is the smallest number of envs worth handing to a worker
	// goroutine under automatic Workers; 0 means 64, which suits envs as
	// cheap as CartPole (tens of ns per step) against the microsecond cost
	// of waking a goroutine. Use a smaller value for costlier envs.
	MinPerWorker int
}

// VecEnv steps N copies of an environment with automatic reset. After
// Reset or Step its exported slices hold the batch, row-major with one row
// per env, so Obs can be wrapped as an N×ObsDim tensor.Mat without copying.
// The slices are reused by the next call. A VecEnv is not safe for
// concurrent use; Close releases its worker goroutines.
type VecEnv struct {
	// Obs is N×ObsDim: the current observation of each env.
	Obs []float32
	// FinalObs is N×ObsDim: in SameStep mode, for each env whose episode
	// ended in the last Step, the final observation of that episode; rows
	// of envs that did not end are stale.
	FinalObs []float32
	// Rewards holds the last Step's reward per env (0 after Reset).
	Rewards []float64
	// Terminated holds the last Step's Terminated flag per env.
	Terminated []bool
	// Truncated holds the last Step's Truncated flag per env.
	Truncated []bool
	// EpisodeReturn is the undiscounted return of each env's current
	// episode; for an env that ended in the last Step it holds the ended
	// episode's total until the next Step.
	EpisodeReturn []float64
	// EpisodeLength is the number of steps of each env's current episode,
	// with the same convention as EpisodeReturn.
	EpisodeLength []int

	envs         []Env
	cfg          VecConfig
	obsDim       int
	actDim       int
	rngs         []*rand.Rand
	srcs         []*rand.PCG
	needReset    []bool // NextStep mode: reset on the next Step
	restart      []bool // episode ended: zero the stats on the next Step
	actions      []float32
	workers      []chan struct{}
	wg           sync.WaitGroup
	closed       bool
	started      bool
	chunkStarts  []int
	workerClosed sync.Once
}

// NewVecEnv returns a VecEnv over envs, which must share observation and
// action dimensions and must not be used elsewhere. It panics if envs is
// empty or the dimensions differ.
func NewVecEnv(envs []Env, cfg VecConfig) *VecEnv {
	if len(envs) == 0 {
		panic("env: NewVecEnv needs at least one env")
	}
	od, ad := envs[0].ObservationSpace().Dim(), envs[0].ActionSpace().Dim()
	for i, e := range envs {
		if e.ObservationSpace().Dim() != od || e.ActionSpace().Dim() != ad {
			panic(fmt.Sprintf("env: NewVecEnv env %d has dims (%d,%d), env 0 has (%d,%d)", i,
				e.ObservationSpace().Dim(), e.ActionSpace().Dim(), od, ad))
		}
	}
	n := len(envs)
	v := &VecEnv{
		Obs: make([]float32, n*od), FinalObs: make([]float32, n*od),
		Rewards: make([]float64, n), Terminated: make([]bool, n), Truncated: make([]bool, n),
		EpisodeReturn: make([]float64, n), EpisodeLength: make([]int, n),
		envs: envs, cfg: cfg, obsDim: od, actDim: ad,
		rngs: make([]*rand.Rand, n), srcs: make([]*rand.PCG, n),
		needReset: make([]bool, n), restart: make([]bool, n),
	}
	for i := range v.srcs {
		v.srcs[i] = rand.NewPCG(0, 0)
		v.rngs[i] = rand.New(v.srcs[i])
	}
	w := cfg.Workers
	if w <= 0 {
		per := cfg.MinPerWorker
		if per <= 0 {
			per = 64
		}
		w = min(runtime.GOMAXPROCS(0), n/per)
	}
	w = max(1, min(w, n))
	if w > 1 {
		v.chunkStarts = make([]int, w+1)
		for k := 0; k <= w; k++ {
			v.chunkStarts[k] = k * n / w
		}
		v.workers = make([]chan struct{}, w-1)
		for k := range v.workers {
			ch := make(chan struct{})
			v.workers[k] = ch
			lo, hi := v.chunkStarts[k+1], v.chunkStarts[k+2]
			go func() {
				for range ch {
					v.stepRange(lo, hi)
					v.wg.Done()
				}
			}()
		}
	}
	return v
}

// NumEnvs returns N.
func (v *VecEnv) NumEnvs() int { return len(v.envs) }

// ObsDim returns the observation dimension of one env.
func (v *VecEnv) ObsDim() int { return v.obsDim }

// ActDim returns the action dimension of one env (1 for Discrete).
func (v *VecEnv) ActDim() int { return v.actDim }

// Workers returns the number of goroutines that share a Step.
func (v *VecEnv) Workers() int { return len(v.workers) + 1 }

// Env returns the i-th env.
func (v *VecEnv) Env(i int) Env { return v.envs[i] }

// Reset seeds a private generator per env from rng (drawn in env order, so
// the result does not depend on Workers), resets every env and returns Obs.
// The per-env generators are kept for the automatic resets.
func (v *VecEnv) Reset(rng *rand.Rand) []float32 {
	if rng == nil {
		panic("env: VecEnv.Reset with nil rng")
	}
	for i, e := range v.envs {
		v.srcs[i].Seed(rng.Uint64(), rng.Uint64())
		copy(v.Obs[i*v.obsDim:(i+1)*v.obsDim], e.Reset(v.rngs[i]))
		v.Rewards[i], v.Terminated[i], v.Truncated[i] = 0, false, false
		v.EpisodeReturn[i], v.EpisodeLength[i] = 0, 0
		v.needReset[i], v.restart[i] = false, false
	}
	v.started = true
	return v.Obs
}

// Step applies actions (N×ActDim, row-major) and fills the batch fields.
// It does not allocate. It panics if Reset was not called, if the VecEnv is
// closed or if len(actions) != N×ActDim.
func (v *VecEnv) Step(actions []float32) {
	if !v.started || v.closed {
		panic("env: VecEnv.Step before Reset or after Close")
	}
	if len(actions) != len(v.envs)*v.actDim {
		panic(fmt.Sprintf("env: VecEnv.Step got %d action values, want %d×%d", len(actions), len(v.envs), v.actDim))
	}
	v.actions = actions
	if len(v.workers) == 0 {
		v.stepRange(0, len(v.envs))
		return
	}
	v.wg.Add(len(v.workers))
	for _, ch := range v.workers {
		ch <- struct{}{}
	}
	v.stepRange(v.chunkStarts[0], v.chunkStarts[1])
	v.wg.Wait()
}

func (v *VecEnv) stepRange(lo, hi int) {
	od, ad := v.obsDim, v.actDim
	for i := lo; i < hi; i++ {
		e := v.envs[i]
		row := v.Obs[i*od : (i+1)*od]
		if v.restart[i] {
			v.EpisodeReturn[i], v.EpisodeLength[i] = 0, 0
			v.restart[i] = false
		}
		if v.needReset[i] {
			copy(row, e.Reset(v.rngs[i]))
			v.Rewards[i], v.Terminated[i], v.Truncated[i] = 0, false, false
			v.needReset[i] = false
			continue
		}
		st := e.Step(v.actions[i*ad : (i+1)*ad])
		v.Rewards[i], v.Terminated[i], v.Truncated[i] = st.Reward, st.Terminated, st.Truncated
		v.EpisodeReturn[i] += st.Reward
		v.EpisodeLength[i]++
		if !st.Terminated && !st.Truncated {
			copy(row, st.Obs)
			continue
		}
		v.restart[i] = true
		if v.cfg.Mode == NextStep {
			copy(row, st.Obs)
			v.needReset[i] = true
			continue
		}
		copy(v.FinalObs[i*od:(i+1)*od], st.Obs)
		copy(row, e.Reset(v.rngs[i]))
	}
}

// Close stops the worker goroutines. The VecEnv cannot step afterwards.
func (v *VecEnv) Close() {
	v.workerClosed.Do(func() {
		v.closed = true
		for _, ch := range v.workers {
			close(ch)
		}
	})
}
