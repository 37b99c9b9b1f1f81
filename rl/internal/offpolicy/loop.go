package offpolicy

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/tensor"
)

// recentWindow is the number of finished episodes averaged for the progress
// report (Stable-Baselines3's ep_info_buffer holds 100).
const recentWindow = 100

// Recent is a ring of the last recentWindow episode returns.
type Recent struct {
	buf  [recentWindow]float64
	n, i int
}

// Add records one episode return, replacing the oldest when the window is full.
func (r *Recent) Add(v float64) {
	r.buf[r.i] = v
	r.i = (r.i + 1) % recentWindow
	r.n = min(r.n+1, recentWindow)
}

// Mean returns the mean of the stored returns, NaN when there are none.
func (r *Recent) Mean() float64 {
	if r.n == 0 {
		return math.NaN()
	}
	var s float64
	for _, v := range r.buf[:r.n] {
		s += v
	}
	return s / float64(r.n)
}

// Loop holds what every Train shares: the logger, the progress callback,
// the evaluation schedule, the episode window and the wall clock.
type Loop struct {
	opts      rl.TrainOptions
	log       rl.Logger
	rets      Recent
	start     time.Time
	nextEval  int
	episodes  int
	evalRng   *rand.Rand
	lastErr   error
	evalCount int
	pkg       string // error-message prefix of the algorithm package
}

// NewLoop returns the bookkeeping for one Train call; pkg prefixes its errors
// and seed drives the evaluation episodes' resets.
func NewLoop(pkg string, opts rl.TrainOptions, seed uint64) (*Loop, error) {
	if opts.MakeEnv == nil {
		return nil, errors.New(pkg + ": TrainOptions.MakeEnv is nil: pass a function that builds the environment")
	}
	l := &Loop{pkg: pkg, opts: opts, log: opts.Logger, start: time.Now(), episodes: opts.EvalEpisodes,
		evalRng: rand.New(rand.NewPCG(seed, 0xe7a1))}
	if l.log == nil {
		l.log = rl.NopLogger{}
	}
	if l.episodes <= 0 {
		l.episodes = 10
	}
	l.nextEval = opts.EvalEvery
	return l, nil
}

// MakeVec builds n environments with opts.MakeEnv and steps them on the
// calling goroutine (results never depend on scheduling).
func (l *Loop) MakeVec(n int) (*env.VecEnv, env.Space, env.Space, error) {
	envs := make([]env.Env, n)
	for i := range envs {
		e, err := l.opts.MakeEnv()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%s: making environment %d: %w", l.pkg, i, err)
		}
		envs[i] = e
	}
	return env.NewVecEnv(envs, env.VecConfig{Workers: 1}), envs[0].ObservationSpace(), envs[0].ActionSpace(), nil
}

// Cancelled reports whether the context was cancelled.
func (l *Loop) Cancelled() error {
	if l.opts.Ctx == nil {
		return nil
	}
	return l.opts.Ctx.Err()
}

// Emit logs metrics, keeping the first logger error.
func (l *Loop) Emit(step int, ms ...rl.Metric) {
	if err := l.log.Log(step, ms...); err != nil && l.lastErr == nil {
		l.lastErr = err
	}
}

// EndStep records the episodes that ended in the last VecEnv step, reports
// progress and runs a due evaluation of p. step is the global step count
// after the vector step.
func (l *Loop) EndStep(step int, v *env.VecEnv, p rl.Policy) error {
	for i := range v.Rewards {
		if v.Terminated[i] || v.Truncated[i] {
			l.rets.Add(v.EpisodeReturn[i])
			l.Emit(step, rl.Metric{Key: "charts/episodic_return", Value: v.EpisodeReturn[i]},
				rl.Metric{Key: "charts/episodic_length", Value: float64(v.EpisodeLength[i])})
		}
	}
	if l.opts.Progress != nil {
		l.opts.Progress(step, l.rets.Mean())
	}
	if l.opts.EvalEvery > 0 && step >= l.nextEval {
		for l.nextEval <= step {
			l.nextEval += l.opts.EvalEvery
		}
		if err := l.Evaluate(step, p); err != nil {
			return err
		}
	}
	return l.lastErr
}

// SPS logs charts/sps (environment steps per second of wall time).
func (l *Loop) SPS(step int) {
	if s := time.Since(l.start).Seconds(); s > 0 {
		l.Emit(step, rl.Metric{Key: "charts/sps", Value: float64(step) / s})
	}
}

// evaluate runs l.episodes deterministic episodes of p in a fresh
// environment and logs eval/mean_return and eval/std_return (population
// standard deviation).
func (l *Loop) Evaluate(step int, p rl.Policy) error {
	mean, std, err := Evaluate(p, l.opts.MakeEnv, l.episodes, l.evalRng)
	if err != nil {
		return err
	}
	l.evalCount++
	l.Emit(step, rl.Metric{Key: "eval/mean_return", Value: mean}, rl.Metric{Key: "eval/std_return", Value: std})
	if l.lastErr == nil && l.opts.OnEval != nil {
		return l.opts.OnEval(step, mean, p)
	}
	return l.lastErr
}

// Finish runs the final evaluation (unless one just ran at step) and logs
// charts/sps.
func (l *Loop) Finish(step int, p rl.Policy) error {
	l.SPS(step)
	if l.opts.EvalEvery <= 0 || step%l.opts.EvalEvery != 0 || l.evalCount == 0 {
		if err := l.Evaluate(step, p); err != nil {
			return err
		}
	}
	return l.lastErr
}

// maxEvalSteps bounds an evaluation episode in case an environment has no
// time limit.
const maxEvalSteps = 1_000_000

// Evaluate plays episodes with p acting deterministically and returns the
// mean and population standard deviation of the undiscounted returns.
func Evaluate(p rl.Policy, mk rl.EnvMaker, episodes int, rng *rand.Rand) (mean, std float64, err error) {
	e, err := mk()
	if err != nil {
		return 0, 0, fmt.Errorf("making evaluation environment: %w", err)
	}
	ad := &rl.PolicyAdapter{P: p, Deterministic: true}
	rets := make([]float64, episodes)
	for k := range rets {
		obs := e.Reset(rng)
		ad.Reset()
		for t := 0; t < maxEvalSteps; t++ {
			st := e.Step(ad.Act(obs, rng))
			rets[k] += st.Reward
			if st.Done() {
				break
			}
			obs = st.Obs
		}
		mean += rets[k]
	}
	mean /= float64(episodes)
	for _, r := range rets {
		std += (r - mean) * (r - mean)
	}
	return mean, math.Sqrt(std / float64(episodes)), nil
}

// NamedTensors lists the parameters of net under prefix (PyTorch
// state_dict keys such as "q.0.weight").
func NamedTensors(dst []nn.NamedTensor, prefix string, net nn.Layer) []nn.NamedTensor {
	for _, np := range nn.NamedParams(prefix, net) {
		dst = append(dst, nn.NamedTensor{Name: np.Name, Val: np.Param.Val})
	}
	return dst
}

// LoadTensors copies ts into the tensors of want by name. Every wanted name
// must be present with the same shape; extra names are ignored (a
// checkpoint may also hold normalisation statistics). Nothing is changed
// when an error is returned.
func LoadTensors(want, ts []nn.NamedTensor) error {
	byName := make(map[string]*tensor.Mat, len(ts))
	for _, t := range ts {
		byName[t.Name] = t.Val
	}
	for _, w := range want {
		src, ok := byName[w.Name]
		if !ok {
			return fmt.Errorf("checkpoint has no tensor %q: was it written by this algorithm with the same network sizes?", w.Name)
		}
		if src.Len() != w.Val.Len() || (src.Rows != w.Val.Rows && src.Rows != 1 && w.Val.Rows != 1) {
			return fmt.Errorf("checkpoint tensor %q is %d×%d, want %d×%d: rebuild the agent with the checkpoint's config", w.Name, src.Rows, src.Cols, w.Val.Rows, w.Val.Cols)
		}
	}
	for _, w := range want {
		copy(w.Val.Data, byName[w.Name].Data)
	}
	return nil
}

// CheckObsSpace returns the observation width of a Box space.
func CheckObsSpace(s env.Space) (int, error) {
	if _, ok := s.(*env.Box); !ok {
		return 0, fmt.Errorf("observation space %v is not a Box: flatten observations first", s)
	}
	return s.Dim(), nil
}
