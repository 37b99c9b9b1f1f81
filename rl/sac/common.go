package sac

// This file holds the small off-policy plumbing the package needs (episode
// statistics, deterministic evaluation, checkpoint tensors); it is private
// so that the package depends only on rl, env, nn, optim and tensor.

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

// recent is a ring of the last recentWindow episode returns.
type recent struct {
	buf  [recentWindow]float64
	n, i int
}

func (r *recent) add(v float64) {
	r.buf[r.i] = v
	r.i = (r.i + 1) % recentWindow
	r.n = min(r.n+1, recentWindow)
}

// mean returns the mean of the stored returns, NaN when there are none.
func (r *recent) mean() float64 {
	if r.n == 0 {
		return math.NaN()
	}
	var s float64
	for _, v := range r.buf[:r.n] {
		s += v
	}
	return s / float64(r.n)
}

// loop holds what every Train shares: the logger, the progress callback,
// the evaluation schedule, the episode window and the wall clock.
type loop struct {
	opts      rl.TrainOptions
	log       rl.Logger
	rets      recent
	start     time.Time
	nextEval  int
	episodes  int
	evalRng   *rand.Rand
	lastErr   error
	evalCount int
}

func newLoop(opts rl.TrainOptions, seed uint64) (*loop, error) {
	if opts.MakeEnv == nil {
		return nil, errors.New(pkg + ": TrainOptions.MakeEnv is nil: pass a function that builds the environment")
	}
	l := &loop{opts: opts, log: opts.Logger, start: time.Now(), episodes: opts.EvalEpisodes,
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

// makeVec builds n environments with opts.MakeEnv and steps them on the
// calling goroutine (results never depend on scheduling).
func (l *loop) makeVec(n int) (*env.VecEnv, env.Space, env.Space, error) {
	envs := make([]env.Env, n)
	for i := range envs {
		e, err := l.opts.MakeEnv()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%s: making environment %d: %w", pkg, i, err)
		}
		envs[i] = e
	}
	return env.NewVecEnv(envs, env.VecConfig{Workers: 1}), envs[0].ObservationSpace(), envs[0].ActionSpace(), nil
}

// cancelled reports whether the context was cancelled.
func (l *loop) cancelled() error {
	if l.opts.Ctx == nil {
		return nil
	}
	return l.opts.Ctx.Err()
}

// emit logs metrics, keeping the first logger error.
func (l *loop) emit(step int, ms ...rl.Metric) {
	if err := l.log.Log(step, ms...); err != nil && l.lastErr == nil {
		l.lastErr = err
	}
}

// endStep records the episodes that ended in the last VecEnv step, reports
// progress and runs a due evaluation of p. step is the global step count
// after the vector step.
func (l *loop) endStep(step int, v *env.VecEnv, p rl.Policy) error {
	for i := range v.Rewards {
		if v.Terminated[i] || v.Truncated[i] {
			l.rets.add(v.EpisodeReturn[i])
			l.emit(step, rl.Metric{Key: "charts/episodic_return", Value: v.EpisodeReturn[i]},
				rl.Metric{Key: "charts/episodic_length", Value: float64(v.EpisodeLength[i])})
		}
	}
	if l.opts.Progress != nil {
		l.opts.Progress(step, l.rets.mean())
	}
	if l.opts.EvalEvery > 0 && step >= l.nextEval {
		for l.nextEval <= step {
			l.nextEval += l.opts.EvalEvery
		}
		if err := l.evaluate(step, p); err != nil {
			return err
		}
	}
	return l.lastErr
}

// sps logs charts/sps (environment steps per second of wall time).
func (l *loop) sps(step int) {
	if s := time.Since(l.start).Seconds(); s > 0 {
		l.emit(step, rl.Metric{Key: "charts/sps", Value: float64(step) / s})
	}
}

// evaluate runs l.episodes deterministic episodes of p in a fresh
// environment and logs eval/mean_return and eval/std_return (population
// standard deviation).
func (l *loop) evaluate(step int, p rl.Policy) error {
	mean, std, err := evaluate(p, l.opts.MakeEnv, l.episodes, l.evalRng)
	if err != nil {
		return err
	}
	l.evalCount++
	l.emit(step, rl.Metric{Key: "eval/mean_return", Value: mean}, rl.Metric{Key: "eval/std_return", Value: std})
	return l.lastErr
}

// finish runs the final evaluation (unless one just ran at step) and logs
// charts/sps.
func (l *loop) finish(step int, p rl.Policy) error {
	l.sps(step)
	if l.opts.EvalEvery <= 0 || step%l.opts.EvalEvery != 0 || l.evalCount == 0 {
		if err := l.evaluate(step, p); err != nil {
			return err
		}
	}
	return l.lastErr
}

// maxEvalSteps bounds an evaluation episode in case an environment has no
// time limit.
const maxEvalSteps = 1_000_000

// evaluate plays episodes with p acting deterministically and returns the
// mean and population standard deviation of the undiscounted returns.
func evaluate(p rl.Policy, mk rl.EnvMaker, episodes int, rng *rand.Rand) (mean, std float64, err error) {
	e, err := mk()
	if err != nil {
		return 0, 0, fmt.Errorf("%s: making evaluation environment: %w", pkg, err)
	}
	ad := &rl.PolicyAdapter{P: p, Deterministic: true}
	rets := make([]float64, episodes)
	for k := range rets {
		obs := e.Reset(rng)
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

// namedTensors lists the parameters of net under prefix (PyTorch
// state_dict keys such as "q.0.weight").
func namedTensors(dst []nn.NamedTensor, prefix string, net nn.Layer) []nn.NamedTensor {
	for _, np := range nn.NamedParams(prefix, net) {
		dst = append(dst, nn.NamedTensor{Name: np.Name, Val: np.Param.Val})
	}
	return dst
}

// loadTensors copies ts into the tensors of want by name. Every wanted name
// must be present with the same shape; extra names are ignored (a
// checkpoint may also hold normalisation statistics). Nothing is changed
// when an error is returned.
func loadTensors(want, ts []nn.NamedTensor) error {
	byName := make(map[string]*tensor.Mat, len(ts))
	for _, t := range ts {
		byName[t.Name] = t.Val
	}
	for _, w := range want {
		src, ok := byName[w.Name]
		if !ok {
			return fmt.Errorf("%s: checkpoint has no tensor %q: was it written by this algorithm with the same network sizes?", pkg, w.Name)
		}
		if src.Len() != w.Val.Len() || (src.Rows != w.Val.Rows && src.Rows != 1 && w.Val.Rows != 1) {
			return fmt.Errorf("%s: checkpoint tensor %q is %d×%d, want %d×%d: rebuild the agent with the checkpoint's config", pkg, w.Name, src.Rows, src.Cols, w.Val.Rows, w.Val.Cols)
		}
	}
	for _, w := range want {
		copy(w.Val.Data, byName[w.Name].Data)
	}
	return nil
}

// checkObsSpace returns the observation width of a Box space.
func checkObsSpace(s env.Space) (int, error) {
	if _, ok := s.(*env.Box); !ok {
		return 0, fmt.Errorf("%s: observation space %v is not a Box: flatten observations first", pkg, s)
	}
	return s.Dim(), nil
}
