package reinforce

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/vfe-go/vfe/dist"
	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/optim"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/tensor"
)

// Train runs REINFORCE with cfg on opts.MakeEnv's environment and returns
// the trained agent. It reads top to bottom:
//
//	step N envs with the stochastic policy, recording each env's episode →
//	when an episode ends, compute its reward-to-go G_τ and move it to the batch →
//	once the batch holds BatchSteps transitions: Φ = G (or G − V̂(s)),
//	one Adam step on −(1/B)Σ Φ log π(a|s) − β·H, ValueIters steps on (V̂ − G)² → log
//
// At a time limit (Truncated) the reward-to-go is bootstrapped from V̂ of
// the true final observation when there is a baseline; without one there
// is nothing to bootstrap from and the tail counts as 0. Metrics:
// charts/episodic_return, charts/episodic_length, charts/sps,
// losses/policy, losses/value, losses/entropy, losses/explained_variance,
// losses/grad_norm, charts/batch_episodes, eval/mean_return, eval/std_return.
func Train(cfg Config, seed uint64, opts rl.TrainOptions) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.MakeEnv == nil {
		return nil, fmt.Errorf("reinforce: TrainOptions.MakeEnv is nil; pass a function that builds the env")
	}
	log := opts.Logger
	if log == nil {
		log = rl.NopLogger{}
	}
	ctx := opts.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	evalEpisodes := opts.EvalEpisodes
	if evalEpisodes <= 0 {
		evalEpisodes = 10
	}
	master := rand.New(rand.NewPCG(seed, 0x2545f4914f6cdd1d))
	stream := func() *rand.Rand { return rand.New(rand.NewPCG(master.Uint64(), master.Uint64())) }
	initRng, envRng, actRng, evalRng := stream(), stream(), stream(), stream()

	N := cfg.NumEnvs
	envs := make([]env.Env, N)
	for i := range envs {
		e, err := opts.MakeEnv()
		if err != nil {
			return nil, err
		}
		envs[i] = e
	}
	evalEnv, err := opts.MakeEnv()
	if err != nil {
		return nil, err
	}
	vec := env.NewVecEnv(envs, env.VecConfig{})
	defer vec.Close()

	ag, err := newAgent(cfg, envs[0].ObservationSpace(), envs[0].ActionSpace(), initRng)
	if err != nil {
		return nil, err
	}
	ag.setWorkers(opts.Workers)
	piParams := ag.PolicyParams()
	piOpt, err := optim.NewAdam(piParams, optim.AdamConfig{LR: cfg.LearningRate, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	if err != nil {
		return nil, fmt.Errorf("reinforce: %w", err)
	}
	var vOpt *optim.Adam
	if cfg.Baseline {
		if vOpt, err = optim.NewAdam(ag.Critic.Params(), optim.AdamConfig{LR: cfg.ValueLR, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}); err != nil {
			return nil, fmt.Errorf("reinforce: %w", err)
		}
	}

	s := newState(ag, N, vec.ObsDim(), cfg)
	vec.Reset(envRng)
	global, nextEval, episodes := 0, opts.EvalEvery, 0
	var recentSum float64
	var recentN int
	start := time.Now()
	for global < cfg.TotalTimesteps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// One step of every env, recorded in its open episode.
		s.obs = tensor.Mat{Rows: N, Cols: s.obsDim, Data: vec.Obs}
		s.sample(ag, actRng)
		s.record(vec.Obs, s.raw.Data)
		vec.Step(s.act.Data)
		global += N
		for i := range N {
			s.pending[i].rew = append(s.pending[i].rew, float32(vec.Rewards[i]))
			if !vec.Terminated[i] && !vec.Truncated[i] {
				continue
			}
			boot := float32(0)
			if vec.Truncated[i] && !vec.Terminated[i] && cfg.Baseline {
				boot = s.value(ag, vec.FinalObs[i*s.obsDim:(i+1)*s.obsDim])
			}
			s.closeEpisode(i, boot, cfg.Gamma)
			episodes++
			recentSum, recentN = recentSum+vec.EpisodeReturn[i], recentN+1
			if err := log.Log(global, rl.Metric{Key: "charts/episodic_return", Value: vec.EpisodeReturn[i]},
				rl.Metric{Key: "charts/episodic_length", Value: float64(vec.EpisodeLength[i])}); err != nil {
				return nil, err
			}
		}
		if opts.Progress != nil {
			r := math.NaN()
			if recentN > 0 {
				r = recentSum / float64(recentN)
			}
			opts.Progress(global, r)
		}

		// Update once the batch is full.
		if s.n >= cfg.BatchSteps {
			st := s.update(ag, piOpt, vOpt, piParams, cfg)
			metrics := []rl.Metric{
				{Key: "losses/policy", Value: st.pg},
				{Key: "losses/entropy", Value: st.ent},
				{Key: "losses/grad_norm", Value: st.gradNorm},
				{Key: "charts/batch_episodes", Value: float64(episodes)},
				{Key: "charts/sps", Value: float64(global) / time.Since(start).Seconds()},
			}
			if cfg.Baseline {
				metrics = append(metrics, rl.Metric{Key: "losses/value", Value: st.v}, rl.Metric{Key: "losses/explained_variance", Value: st.ev})
			}
			if err := log.Log(global, metrics...); err != nil {
				return nil, err
			}
			episodes, recentSum, recentN = 0, 0, 0
		}

		if (opts.EvalEvery > 0 && global >= nextEval) || global >= cfg.TotalTimesteps {
			mean, std := evaluate(ag, evalEnv, evalEpisodes, evalRng)
			if err := opts.ReportEval(log, global, mean, std, ag); err != nil {
				return nil, err
			}
			for opts.EvalEvery > 0 && nextEval <= global {
				nextEval += opts.EvalEvery
			}
		}
	}
	return ag, nil
}

// evaluate runs episodes deterministic episodes of p in e and returns the
// mean and population standard deviation of the returns.
func evaluate(p rl.Policy, e env.Env, episodes int, rng *rand.Rand) (mean, std float64) {
	ad := &rl.PolicyAdapter{P: p, Deterministic: true}
	var sum, sum2 float64
	for range episodes {
		obs, ret := e.Reset(rng), 0.0
		for {
			st := e.Step(ad.Act(obs, rng))
			ret += st.Reward
			if st.Terminated || st.Truncated {
				break
			}
			obs = st.Obs
		}
		sum, sum2 = sum+ret, sum2+ret*ret
	}
	n := float64(max(episodes, 1))
	mean = sum / n
	return mean, math.Sqrt(max(0, sum2/n-mean*mean))
}

// episode is one env's open episode.
type episode struct {
	obs, act, rew []float32
}

// state holds the open episodes and the batch of completed ones; its
// slices grow to their working size during the first updates and are
// reused afterwards.
type state struct {
	obsDim, actDim int
	pending        []episode
	obs            tensor.Mat
	act, raw       *tensor.Mat
	one, oneV      *tensor.Mat

	// Batch of completed episodes: n transitions.
	n                  int
	bObs, bAct, bRet   []float32
	phi, logp, ent, dl []float32
	entDy, vGrad       []float32
	idx                []int
	out, dOut, v, dV   *tensor.Mat
	obsM, actM         tensor.Mat
}

type stats struct{ pg, v, ent, ev, gradNorm float64 }

func newState(ag *Agent, n, obsDim int, cfg Config) *state {
	actDim := 1
	if !ag.discrete {
		actDim = ag.outDim
	}
	s := &state{obsDim: obsDim, actDim: actDim, pending: make([]episode, n),
		one: tensor.New(1, obsDim), oneV: tensor.New(1, 1), act: &tensor.Mat{}, raw: &tensor.Mat{},
		out: &tensor.Mat{}, dOut: &tensor.Mat{}, v: &tensor.Mat{}, dV: &tensor.Mat{}}
	return s
}

// sample draws actions for s.obs: s.raw holds what the log-probability
// refers to (class indices, or Gaussian samples before clipping) and s.act
// what the env receives (clipped to the Box bounds).
func (s *state) sample(ag *Agent, rng *rand.Rand) {
	s.out = forward(ag.Actor, s.out, &s.obs, ag.outDim)
	n := s.obs.Rows
	s.raw.Resize(n, s.actDim)
	if ag.discrete {
		if cap(s.idx) < n {
			s.idx = make([]int, n)
		}
		s.idx = s.idx[:n]
		dist.NewCategorical(s.out).Sample(s.idx, rng)
		for i, k := range s.idx {
			s.raw.Data[i] = float32(k)
		}
	} else {
		dist.NewDiagGaussian(s.out, ag.LogStd.Val).Sample(s.raw, rng)
	}
	s.act.Resize(n, s.actDim)
	copy(s.act.Data, s.raw.Data)
	if !ag.discrete {
		ag.clip(s.act)
	}
}

// record appends the current observations and actions to the open episodes.
func (s *state) record(obs, act []float32) {
	for i := range s.pending {
		p := &s.pending[i]
		p.obs = append(p.obs, obs[i*s.obsDim:(i+1)*s.obsDim]...)
		p.act = append(p.act, act[i*s.actDim:(i+1)*s.actDim]...)
	}
}

// value returns V̂(obs) for one observation.
func (s *state) value(ag *Agent, obs []float32) float32 {
	copy(s.one.Data, obs)
	s.oneV = forward(ag.Critic, s.oneV, s.one, 1)
	return s.oneV.Data[0]
}

// closeEpisode computes the reward-to-go of env i's episode, G_τ = r_τ +
// γ G_{τ+1} with G after the last step = boot, and moves the episode into
// the batch.
func (s *state) closeEpisode(i int, boot float32, gamma float64) {
	p := &s.pending[i]
	k := len(p.rew)
	s.bObs = append(s.bObs, p.obs...)
	s.bAct = append(s.bAct, p.act...)
	base := len(s.bRet)
	s.bRet = append(s.bRet, p.rew...)
	g := float64(boot)
	for t := k - 1; t >= 0; t-- {
		g = float64(p.rew[t]) + gamma*g
		s.bRet[base+t] = float32(g)
	}
	s.n += k
	p.obs, p.act, p.rew = p.obs[:0], p.act[:0], p.rew[:0]
}

func grow(x []float32, n int) []float32 {
	if cap(x) < n {
		return make([]float32, n)
	}
	return x[:n]
}

// update takes one policy-gradient step (and ValueIters baseline steps) on
// the batch and empties it.
func (s *state) update(ag *Agent, piOpt, vOpt *optim.Adam, piParams []*nn.Param, cfg Config) stats {
	var st stats
	b := s.n
	s.obsM = tensor.Mat{Rows: b, Cols: s.obsDim, Data: s.bObs[:b*s.obsDim]}
	s.actM = tensor.Mat{Rows: b, Cols: s.actDim, Data: s.bAct[:b*s.actDim]}
	ret := s.bRet[:b]
	s.phi = grow(s.phi, b)
	copy(s.phi, ret)
	if cfg.Baseline {
		s.v = forward(ag.Critic, s.v, &s.obsM, 1)
		for i := range s.phi {
			s.phi[i] -= s.v.Data[i]
		}
		st.ev = rl.ExplainedVariance(s.v.Data[:b], ret)
	}
	if cfg.NormalizeAdvantage {
		rl.Normalize(s.phi)
	}
	piOpt.ZeroGrad()
	st.pg, st.ent = s.policyBackward(ag, &s.obsM, &s.actM, s.phi, cfg.EntCoef)
	st.gradNorm = math.NaN()
	if cfg.MaxGradNorm > 0 {
		st.gradNorm = optim.ClipGradNorm(piParams, cfg.MaxGradNorm)
	}
	piOpt.Step()
	if cfg.Baseline {
		s.vGrad = grow(s.vGrad, b)
		for range cfg.ValueIters {
			s.v = forward(ag.Critic, s.v, &s.obsM, 1)
			st.v = valueLoss(s.vGrad, s.v.Data[:b], ret)
			vOpt.ZeroGrad()
			s.dV.Resize(b, 1)
			copy(s.dV.Data, s.vGrad)
			ag.Critic.BackwardParams(s.dV)
			vOpt.Step()
		}
	}
	s.n = 0
	s.bObs, s.bAct, s.bRet = s.bObs[:0], s.bAct[:0], s.bRet[:0]
	return st
}

// policyBackward accumulates into the policy's gradients the gradient of
// the REINFORCE loss
//
//	L = −(1/B) Σ_i Φ_i log π(a_i|s_i) − β (1/B) Σ_i H(π(·|s_i))
//
// (so that −∇L is the seed's ∇V = E[Φ ∇log π]) and returns the policy term
// and the mean entropy.
func (s *state) policyBackward(ag *Agent, obs, act *tensor.Mat, phi []float32, beta float64) (pg, ent float64) {
	b := obs.Rows
	s.logp, s.ent, s.dl, s.entDy = grow(s.logp, b), grow(s.ent, b), grow(s.dl, b), grow(s.entDy, b)
	s.out = forward(ag.Actor, s.out, obs, ag.outDim)
	s.dOut.Resize(b, ag.outDim)
	if ag.discrete {
		if cap(s.idx) < b {
			s.idx = make([]int, b)
		}
		s.idx = dist.ActionIndices(s.idx[:b], act)
		c := dist.NewCategorical(s.out)
		c.LogProb(s.logp, s.idx)
		c.Entropy(s.ent)
		pg, ent = policyTerms(s.dl, s.entDy, s.logp, s.ent, phi, beta)
		c.LogProbGrad(s.dOut, s.idx, s.dl, 0)
		if beta != 0 {
			c.EntropyGrad(s.dOut, s.entDy, 1)
		}
	} else {
		g := dist.NewDiagGaussian(s.out, ag.LogStd.Val)
		g.LogProb(s.logp, act)
		g.Entropy(s.ent)
		pg, ent = policyTerms(s.dl, s.entDy, s.logp, s.ent, phi, beta)
		s.dOut.Zero() // one beta for both outputs: accumulate into zeroed dOut and the caller-zeroed log σ grad
		g.LogProbGrad(s.dOut, ag.LogStd.Grad, act, s.dl, 1)
		if beta != 0 {
			g.EntropyGrad(ag.LogStd.Grad, s.entDy, 1)
		}
	}
	ag.Actor.BackwardParams(s.dOut)
	return pg, ent
}

// policyTerms returns −(1/B)Σ Φ_i logp_i and mean(H), and writes the
// coefficients ∂L/∂logp_i = −Φ_i/B into dl and ∂L/∂H_i = −β/B into entDy.
func policyTerms(dl, entDy, logp, ent, phi []float32, beta float64) (pg, meanH float64) {
	inv := 1 / float64(len(logp))
	for i, l := range logp {
		pg -= float64(phi[i]) * float64(l)
		meanH += float64(ent[i])
		dl[i] = float32(-float64(phi[i]) * inv)
		entDy[i] = float32(-beta * inv)
	}
	return pg * inv, meanH * inv
}

// valueLoss returns (1/B)Σ(v_i − G_i)² and writes its gradient 2(v_i − G_i)/B.
func valueLoss(grad, v, ret []float32) float64 {
	inv := 1 / float64(len(v))
	var l float64
	for i := range v {
		e := float64(v[i]) - float64(ret[i])
		l += e * e
		grad[i] = float32(2 * e * inv)
	}
	return l * inv
}
