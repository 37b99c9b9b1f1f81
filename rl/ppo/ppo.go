package ppo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/vfe-go/vfe/dist"
	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/optim"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/tensor"
)

// Train runs PPO with cfg on opts.MakeEnv's environment and returns the
// trained agent. It reads top to bottom as the algorithm does:
//
//	for each iteration: anneal α and ε → collect T steps of N envs →
//	GAE (or the seed's truncated Ã(λ,T)) → K epochs of shuffled minibatches:
//	L = L^CLIP − β·H + c_v·L^V, clip ‖∇‖, Adam; stop early on KL → log
//
// Every random draw comes from generators seeded by seed, so one seed gives
// one result. Metrics (at the global env step): charts/episodic_return,
// charts/episodic_length, charts/sps, charts/learning_rate, charts/clip_range,
// losses/policy, losses/value, losses/entropy, losses/approx_kl,
// losses/old_approx_kl, losses/clipfrac, losses/explained_variance,
// losses/grad_norm, charts/action_std (Box actions), eval/mean_return,
// eval/std_return.
func Train(cfg Config, seed uint64, opts rl.TrainOptions) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.MakeEnv == nil {
		return nil, fmt.Errorf("ppo: TrainOptions.MakeEnv is nil; pass a function that builds the env")
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

	// Independent random streams, all from seed.
	master := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	stream := func() *rand.Rand { return rand.New(rand.NewPCG(master.Uint64(), master.Uint64())) }
	initRng, envRng, actRng, shuffleRng, evalRng := stream(), stream(), stream(), stream(), stream()

	// Environments.
	N, T := cfg.NumEnvs, cfg.NumSteps
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

	// Agent and optimiser.
	ag, err := newAgent(cfg, envs[0].ObservationSpace(), envs[0].ActionSpace(), initRng)
	if err != nil {
		return nil, err
	}
	params := ag.Params()
	opt, err := newAdamFor(ag, cfg)
	if err != nil {
		return nil, err
	}

	// Buffers, allocated once.
	obsDim := vec.ObsDim()
	bufAct := 1
	if !ag.discrete {
		bufAct = ag.outDim
	}
	buf := rl.NewRolloutBuffer(T, N, obsDim, bufAct)
	s := newScratch(ag, N, obsDim, cfg)
	// The critic's passes run beside the actor's only when the caller gave
	// more than one thread (opts.Workers); on one core the hand-offs cost
	// more than they save.
	if opts.Workers != nil && runtime.GOMAXPROCS(0) > 1 {
		s.startCritic(ag, cfg)
		defer s.stopCritic()
	}

	vec.Reset(envRng)
	s.observe(ag, vec.Obs)

	iters := cfg.Iterations()
	global := 0
	nextEval := opts.EvalEvery
	recent := newRecent(20)
	start := time.Now()
	for it := 1; it <= iters; it++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// Annealing (CleanRL: frac computed before collecting).
		frac := 1.0
		if cfg.AnnealLR || cfg.AnnealClip {
			frac = 1 - float64(it-1)/float64(iters)
		}
		lr, clip := cfg.LearningRate, cfg.ClipRange
		if cfg.AnnealLR {
			lr *= frac
		}
		if cfg.AnnealClip {
			clip *= frac
		}
		opt.SetLR(lr)

		// Collect T steps of N envs.
		buf.Reset()
		for range T {
			s.policyStep(ag, actRng)
			vec.Step(s.envAct.Data)
			s.finalValues(ag, vec)
			buf.Add(s.obsN.Data, s.bufAct.Data, s.logp, s.value.Data, vec.Rewards, vec.Terminated, vec.Truncated, s.finV)
			s.observe(ag, vec.Obs)
			global += N
			for i := range N {
				if vec.Terminated[i] || vec.Truncated[i] {
					recent.add(vec.EpisodeReturn[i])
					if err := log.Log(global, rl.Metric{Key: "charts/episodic_return", Value: vec.EpisodeReturn[i]},
						rl.Metric{Key: "charts/episodic_length", Value: float64(vec.EpisodeLength[i])}); err != nil {
						return nil, err
					}
				}
			}
			if opts.Progress != nil {
				opts.Progress(global, recent.mean())
			}
		}

		// Advantages: bootstrap from V(s_T).
		s.values(ag, s.obsN, s.lastV)
		buf.ComputeAdvantages(cfg.AdvantageConfig, s.lastV)
		ev := rl.ExplainedVariance(buf.Values, buf.Returns)

		// Update: K epochs of shuffled minibatches.
		st := s.update(ag, buf, opt, params, cfg, clip, shuffleRng)

		metrics := []rl.Metric{
			{Key: "charts/learning_rate", Value: lr},
			{Key: "charts/clip_range", Value: clip},
			{Key: "losses/policy", Value: st.pg},
			{Key: "losses/value", Value: st.v},
			{Key: "losses/entropy", Value: st.ent},
			{Key: "losses/old_approx_kl", Value: st.oldKL},
			{Key: "losses/approx_kl", Value: st.kl},
			{Key: "losses/clipfrac", Value: st.clipFrac},
			{Key: "losses/explained_variance", Value: ev},
			{Key: "losses/grad_norm", Value: st.gradNorm},
			{Key: "charts/sps", Value: float64(global) / time.Since(start).Seconds()},
		}
		if !ag.discrete {
			var m float64
			for _, l := range ag.LogStd.Val.Data {
				m += math.Exp(float64(l))
			}
			metrics = append(metrics, rl.Metric{Key: "charts/action_std", Value: m / float64(ag.outDim)})
		}
		if err := log.Log(global, metrics...); err != nil {
			return nil, err
		}

		// Deterministic evaluation.
		if (opts.EvalEvery > 0 && global >= nextEval) || it == iters {
			mean, std := Evaluate(ag, evalEnv, evalEpisodes, evalRng)
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

// Evaluate runs episodes episodes of p in e, acting deterministically, with
// resets drawn from rng, and returns the mean and (population) standard
// deviation of the undiscounted returns, as SB3's evaluate_policy.
func Evaluate(p rl.Policy, e env.Env, episodes int, rng *rand.Rand) (mean, std float64) {
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

// recentReturns is a ring of the last episode returns, for progress.
type recentReturns struct {
	r    []float64
	n, i int
}

func newRecent(k int) *recentReturns { return &recentReturns{r: make([]float64, k)} }

func (r *recentReturns) add(v float64) {
	r.r[r.i] = v
	r.i = (r.i + 1) % len(r.r)
	r.n = min(r.n+1, len(r.r))
}

func (r *recentReturns) mean() float64 {
	if r.n == 0 {
		return math.NaN()
	}
	var s float64
	for _, v := range r.r[:r.n] {
		s += v
	}
	return s / float64(r.n)
}

// scratch holds every buffer of the rollout and update loops, so that
// neither allocates once warm.
type scratch struct {
	obsN           *tensor.Mat // N×obsDim current (normalised) observations
	raw            tensor.Mat  // header over the env's raw observations
	out, value     *tensor.Mat // actor and critic outputs
	bufAct, envAct *tensor.Mat // actions as stored (indices / raw samples) and as sent to the env
	idx            []int
	logp           []float32
	finObs, finOut *tensor.Mat
	finRows        []int
	finV, lastV    []float32

	// Update.
	perm                  []int
	mb                    rl.RolloutBatch
	mbOut, mbV            *tensor.Mat
	dOut, dV              *tensor.Mat
	newLogp, logRatio     []float32
	ent, dLogp, entDy, gV []float32
	mbIdx                 []int
	vBuf                  []float32
	cat                   catRows       // the minibatch's categorical policies
	critic                *criticWorker // nil: the critic runs on the caller's goroutine
}

type updateStats struct {
	pg, v, ent, kl, oldKL, clipFrac, gradNorm float64
}

func newScratch(ag *Agent, n, obsDim int, cfg Config) *scratch {
	m := cfg.BatchSize
	s := &scratch{
		obsN: tensor.New(n, obsDim), out: tensor.New(n, ag.outDim), value: tensor.New(n, 1),
		idx: make([]int, n), logp: make([]float32, n),
		finObs: tensor.New(n, obsDim), finOut: tensor.New(n, 1), finRows: make([]int, 0, n),
		finV: make([]float32, n), lastV: make([]float32, n),
		perm:  make([]int, cfg.BatchTransitions()),
		mbOut: tensor.New(m, ag.outDim), mbV: tensor.New(m, 1), dOut: tensor.New(m, ag.outDim), dV: tensor.New(m, 1),
		newLogp: make([]float32, m), logRatio: make([]float32, m), ent: make([]float32, m),
		dLogp: make([]float32, m), entDy: make([]float32, m), gV: make([]float32, m), mbIdx: make([]int, m), vBuf: make([]float32, m),
	}
	if ag.discrete {
		s.bufAct, s.envAct = tensor.New(n, 1), tensor.New(n, 1)
	} else {
		s.bufAct, s.envAct = tensor.New(n, ag.outDim), tensor.New(n, ag.outDim)
	}
	return s
}

// observe updates the observation statistics with the raw batch obs and
// stores the (normalised) observations in s.obsN.
func (s *scratch) observe(ag *Agent, obs []float32) {
	if ag.norm == nil {
		copy(s.obsN.Data, obs)
		return
	}
	s.raw = tensor.Mat{Rows: s.obsN.Rows, Cols: s.obsN.Cols, Data: obs}
	ag.norm.update(&s.raw)
	ag.norm.apply(s.obsN, &s.raw)
}

// policyStep samples actions for s.obsN, with their log-probabilities and
// the critic's values.
func (s *scratch) policyStep(ag *Agent, rng *rand.Rand) {
	s.out = forward(ag.Actor, s.out, s.obsN, ag.outDim)
	if ag.discrete {
		c := dist.NewCategorical(s.out)
		c.Sample(s.idx, rng)
		c.LogProb(s.logp, s.idx)
		for i, k := range s.idx {
			s.bufAct.Data[i] = float32(k)
		}
		copy(s.envAct.Data, s.bufAct.Data)
	} else {
		g := dist.NewDiagGaussian(s.out, ag.LogStd.Val)
		g.Sample(s.bufAct, rng)
		g.LogProb(s.logp, s.bufAct)
		copy(s.envAct.Data, s.bufAct.Data)
		ag.clip(s.envAct)
	}
	s.value = forward(ag.Critic, s.value, s.obsN, 1)
}

// values writes V(obs) into dst.
func (s *scratch) values(ag *Agent, obs *tensor.Mat, dst []float32) {
	s.finOut = forward(ag.Critic, s.finOut, obs, 1)
	copy(dst, s.finOut.Data)
}

// finalValues fills s.finV with V(final observation) for the envs that
// were truncated (not terminated) in the last step: the bootstrap value at
// a time limit.
func (s *scratch) finalValues(ag *Agent, vec *env.VecEnv) {
	s.finRows = s.finRows[:0]
	d := s.obsN.Cols
	for i := range vec.NumEnvs() {
		s.finV[i] = 0
		if vec.Truncated[i] && !vec.Terminated[i] {
			k := len(s.finRows)
			copy(s.finObs.Data[k*d:(k+1)*d], vec.FinalObs[i*d:(i+1)*d])
			s.finRows = append(s.finRows, i)
		}
	}
	k := len(s.finRows)
	if k == 0 {
		return
	}
	x := s.finObs.RowsView(0, k)
	if ag.norm != nil {
		ag.norm.apply(x, x)
	}
	s.finOut = forward(ag.Critic, s.finOut, x, 1)
	for j, i := range s.finRows {
		s.finV[i] = s.finOut.Data[j]
	}
}

// update runs the K epochs of minibatch updates on buf and returns the mean
// losses over the minibatches applied.
func (s *scratch) update(ag *Agent, buf *rl.RolloutBuffer, opt *optim.Adam, params []*nn.Param, cfg Config, clip float64, rng *rand.Rand) updateStats {
	var st updateStats
	B, M := buf.Len(), cfg.BatchSize
	nmb := 0
	perm := s.perm[:B]
outer:
	for range cfg.Epochs {
		rl.Perm(perm, rng)
		for lo := 0; lo < B; lo += M {
			hi := min(lo+M, B)
			mb := buf.Gather(&s.mb, perm[lo:hi])
			m := hi - lo
			if cfg.NormalizeAdvantage && m > 1 {
				rl.Normalize(mb.Advantages)
			}
			// The actor and the critic are separate networks: with a
			// worker, the critic's forward and backward pass runs on a
			// second goroutine meanwhile (same arithmetic, same result).
			opt.ZeroGrad()
			if s.critic != nil {
				s.critic.start <- mb
			}
			oldKL, kl := s.actorForward(ag, mb)
			if cfg.TargetKL > 0 && kl > 1.5*cfg.TargetKL {
				if s.critic != nil {
					<-s.critic.done
				}
				break outer
			}
			pg, cf, entMean := s.actorBackward(ag, mb, clip, cfg.EntCoef)
			var vl float64
			if s.critic != nil {
				vl = <-s.critic.done
			} else {
				vl = s.criticStep(ag, mb, cfg)
			}
			gn := math.NaN()
			if cfg.MaxGradNorm > 0 {
				gn = optim.ClipGradNorm(params, cfg.MaxGradNorm)
			}
			opt.Step()

			st.pg += pg
			st.v += vl
			st.ent += entMean
			st.kl += kl
			st.oldKL += oldKL
			st.clipFrac += cf
			st.gradNorm += gn
			nmb++
		}
	}
	if nmb > 0 {
		f := 1 / float64(nmb)
		st.pg, st.v, st.ent, st.kl, st.oldKL, st.clipFrac, st.gradNorm =
			st.pg*f, st.v*f, st.ent*f, st.kl*f, st.oldKL*f, st.clipFrac*f, st.gradNorm*f
	}
	return st
}

// actorForward runs the actor on the minibatch and fills the new
// log-probabilities, entropies and log-ratios; it returns the two
// approximate KL estimates.
func (s *scratch) actorForward(ag *Agent, mb *rl.RolloutBatch) (oldKL, kl float64) {
	m := mb.Obs.Rows
	logp, logRatio, ent := s.newLogp[:m], s.logRatio[:m], s.ent[:m]
	s.mbOut = forward(ag.Actor, s.mbOut, mb.Obs, ag.outDim)
	if ag.discrete {
		s.mbIdx = dist.ActionIndices(s.mbIdx[:m], mb.Actions)
		s.cat.compute(s.mbOut)
		s.cat.logProbEntropy(logp, ent, s.mbIdx)
	} else {
		g := dist.NewDiagGaussian(s.mbOut, ag.LogStd.Val)
		g.LogProb(logp, mb.Actions)
		g.Entropy(ent)
	}
	for i := range logRatio {
		logRatio[i] = logp[i] - mb.LogProbs[i]
	}
	return dist.ApproxKL(logRatio)
}

// actorBackward, after actorForward, computes the actor part of the loss,
// L^CLIP − β·mean(H), and accumulates its gradient into the actor's
// parameters and log σ (whose gradients the caller zeroed). It returns
// L^CLIP, the clip fraction and mean(H).
func (s *scratch) actorBackward(ag *Agent, mb *rl.RolloutBatch, clip, entCoef float64) (pg, clipFrac, entMean float64) {
	m := mb.Obs.Rows
	dLogp, entDy, ent := s.dLogp[:m], s.entDy[:m], s.ent[:m]
	pg, clipFrac = ClippedSurrogate(dLogp, s.logRatio[:m], mb.Advantages, clip)
	for i, h := range ent {
		entMean += float64(h)
		entDy[i] = float32(-entCoef / float64(m))
	}
	entMean /= float64(m)
	s.dOut.Resize(m, ag.outDim)
	if ag.discrete {
		s.cat.grad(s.dOut, s.mbIdx, dLogp, entDy, entCoef != 0)
	} else {
		// One beta serves both outputs: zero dOut so that the mean gradient
		// is overwritten while log σ's accumulates.
		s.dOut.Zero()
		g := dist.NewDiagGaussian(s.mbOut, ag.LogStd.Val)
		g.LogProbGrad(s.dOut, ag.LogStd.Grad, mb.Actions, dLogp, 1)
		if entCoef != 0 {
			g.EntropyGrad(ag.LogStd.Grad, entDy, 1)
		}
	}
	ag.Actor.BackwardParams(s.dOut)
	return pg, clipFrac, entMean
}

// newAdamFor returns Adam over every parameter of ag (β = 0.9, 0.999; ε =
// cfg.AdamEps; no weight decay): one optimiser for the joint loss, as SB3.
func newAdamFor(ag *Agent, cfg Config) (*optim.Adam, error) {
	opt, err := optim.NewAdam(ag.Params(), optim.AdamConfig{LR: cfg.LearningRate, Beta1: 0.9, Beta2: 0.999, Eps: cfg.AdamEps})
	if err != nil {
		return nil, fmt.Errorf("ppo: %w", err)
	}
	return opt, nil
}

// criticStep runs the critic on the minibatch and accumulates c_v·∇L^V into
// its gradients; it returns L^V.
func (s *scratch) criticStep(ag *Agent, mb *rl.RolloutBatch, cfg Config) float64 {
	m := mb.Obs.Rows
	s.mbV = forward(ag.Critic, s.mbV, mb.Obs, 1)
	gV := s.gV[:m]
	vl := ValueLoss(gV, s.mbV.Data[:m], mb.Values, mb.Returns, cfg.ClipRangeVF)
	s.dV.Resize(m, 1)
	for i, g := range gV {
		s.dV.Data[i] = float32(cfg.VFCoef) * g
	}
	ag.Critic.BackwardParams(s.dV)
	return vl
}

// criticWorker is a goroutine that runs criticStep for each minibatch sent
// on start and answers on done; close(start) ends it.
type criticWorker struct {
	start chan *rl.RolloutBatch
	done  chan float64
}

func (s *scratch) startCritic(ag *Agent, cfg Config) {
	w := &criticWorker{start: make(chan *rl.RolloutBatch), done: make(chan float64)}
	s.critic = w
	go func() {
		for mb := range w.start {
			w.done <- s.criticStep(ag, mb, cfg)
		}
	}()
}

func (s *scratch) stopCritic() {
	if s.critic != nil {
		close(s.critic.start)
		s.critic = nil
	}
}
