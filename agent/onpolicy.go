package agent

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/vfe-go/vfe/dist"
	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/optim"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/rl/ppo"
	"github.com/vfe-go/vfe/tensor"
)

// pgScratch holds the buffers of the policy-gradient loop, so that neither
// the rollout nor the update allocates once warm.
type pgScratch struct {
	fin             *Filter // perception of final (truncation) and bootstrap observations
	fI              *Filter // transition predictions for the information reward
	negH            []float32
	rew             []float64
	probM           *tensor.Mat
	finS, finP      *tensor.Mat // its latents and policy inputs
	vOut, finV      *tensor.Mat
	logp, vals      []float32
	finVals, lastV  []float32
	perm            []int
	mb              rl.RolloutBatch
	mbOut, dOut, mV *tensor.Mat
	dV              *tensor.Mat
	newLogp, ratio  []float32
	dLogp, ent, cw  []float32
	gV              []float32
	idx             []int
}

// newPGScratch sizes the buffers for N acting rows and minibatches of at
// most M transitions (perm is left for the caller).
func newPGScratch(a *Agent, N, M int) *pgScratch {
	s := &pgScratch{
		fin: a.World.NewFilter(N), finS: tensor.New(N, a.sDim), finP: tensor.New(N, a.polIn),
		vOut: tensor.New(N, 1), finV: tensor.New(N, 1),
		logp: make([]float32, N), vals: make([]float32, N), finVals: make([]float32, N), lastV: make([]float32, N),
		mbOut: tensor.New(M, a.nAct), dOut: tensor.New(M, a.nAct), mV: tensor.New(M, 1), dV: tensor.New(M, 1),
		newLogp: make([]float32, M), ratio: make([]float32, M), dLogp: make([]float32, M), ent: make([]float32, M),
		cw: make([]float32, M), gV: make([]float32, M), idx: make([]int, max(M, N)),
		fI: a.World.NewFilter(N), negH: make([]float32, N), rew: make([]float64, N), probM: tensor.New(N, a.nAct),
	}
	s.fI.NoObs = true
	return s
}

// trainPG is Train with the policy-gradient estimator of the value term:
// alternate on-policy rollouts — perceive z_t (E-step), sample
// a_t ~ π_φ(·|x_t, z_t), store the policy input, action, log π_old and
// V̂ — with updates: GAE advantages (or the seed's truncated Ã(λ,T)),
// epochs of minibatch steps on
//
//	L(φ) = β·L^CLIP(φ) + w_d·mean(−log π_φ(a_τ|z_τ)) − w_f·mean(H[π_φ(·|z_τ)])
//
// for the policy (terms (c), (d), (f)) and mean((V̂(z_τ) − R_τ)²)/2 for the
// critic, then world-model M-steps on replayed transitions (terms (a), (b)).
// The reward is R = r + α·i(z_t) with i computed when acting.
// The rollout's latents were inferred by the world model of that rollout,
// so the critic and policy never mix inputs from different world models.
func trainPG(a *Agent, l *learner, seed uint64, opts rl.TrainOptions, envs []env.Env, logger rl.Logger, ctx context.Context) (*Agent, error) {
	cfg := a.Cfg
	pc := cfg.PG
	rng := l.rng
	N, od, T := cfg.NumEnvs, a.obsDim, pc.NumSteps
	rollout := T * N
	iters := (cfg.Steps + rollout - 1) / rollout
	buf := rl.NewRolloutBuffer(T, N, a.polIn, 1)
	m := newMemory(a, cfg.BufferSize, N, 1)
	mem, held := m.main, m.held
	l.mem = mem
	a.training = true
	defer func() { a.training = false }()
	adv := rl.AdvantageConfig{Gamma: cfg.Gamma, Lambda: pc.Lambda, Horizon: pc.Horizon, BiasCorrected: pc.BiasCorrected}
	s := newPGScratch(a, N, min(pc.BatchSize, rollout))
	s.perm = make([]int, rollout)
	vec := env.NewVecEnv(envs, env.VecConfig{Workers: 1})
	defer vec.Close()
	vec.Reset(rng)
	st := a.ensureAct(N)
	x := tensor.New(N, od)
	ctxS, ctxA := tensor.New(N, a.sDim), tensor.New(N, a.actIn)
	actions := tensor.New(N, 1)
	evalEvery := opts.EvalEvery
	episodes := opts.EvalEpisodes
	if episodes <= 0 {
		episodes = 10
	}
	start := time.Now()
	var valueSum, infoSum float64
	var perc perception
	nextLog, nextEval := cfg.LogEvery, evalEvery
	step := 0
	for it := 0; it < iters; it++ {
		frac := 1.0
		if pc.Anneal {
			frac = 1 - float64(it)/float64(iters)
		}
		l.piOpt.(*optim.Adam).SetLR(cfg.LR * frac)
		l.qOpt.(*optim.Adam).SetLR(cfg.CriticLR * frac)
		// The world model settles with the policy (or by world_lr_steps): a
		// policy whose step size has decayed cannot follow latents that keep
		// moving.
		wfrac := cfg.worldFrac(step, frac)
		l.setWorldRate(wfrac)
		clip := pc.Clip * frac
		buf.Reset()
		for range T {
			if err := ctx.Err(); err != nil {
				return a, fmt.Errorf("agent: interrupted at step %d: %w", step, err)
			}
			copy(x.Data, vec.Obs)
			if err := perc.act(a, st, actions, x, ctxS, ctxA, rng, step); err != nil {
				return a, err
			}
			for i := range N {
				s.idx[i] = int(actions.Data[i])
			}
			dist.NewCategorical(st.logits).LogProb(s.logp, s.idx[:N])
			a.V.Forward(s.vOut, st.pin)
			copy(s.vals, s.vOut.Data)
			for _, v := range s.vals {
				valueSum += float64(v)
			}
			if cfg.Alpha != 0 {
				// i(z_t) under the acting policy, for R = r + α·i(z_t).
				a.infoReward(s.negH, s.fI, st.s, st.logits, s.probM, nil, nil, nil, rng)
			}
			vec.Step(actions.Data)
			step += N
			copy(s.rew, vec.Rewards)
			if cfg.Alpha != 0 {
				for i, h := range s.negH {
					s.rew[i] += cfg.Alpha * float64(h)
					infoSum += float64(h)
				}
			}
			// V̂ at the true final observation of truncated episodes: perceive
			// it from the row's (z_t, a_t), as the next step would have.
			truncated := false
			for i := range N {
				s.finVals[i] = 0
				truncated = truncated || (vec.Truncated[i] && !vec.Terminated[i])
			}
			if truncated {
				a.bootstrap(s, st, vec.FinalObs)
				for i := range N {
					if vec.Truncated[i] && !vec.Terminated[i] {
						s.finVals[i] = s.finV.Data[i]
					}
				}
			}
			buf.Add(st.pin.Data, actions.Data, s.logp, s.vals, s.rew, vec.Terminated, vec.Truncated, s.finVals)
			if err := m.record(a, vec, ctxS, ctxA, x, actions, logger, step); err != nil {
				return a, err
			}
			if opts.Progress != nil {
				opts.Progress(step, meanOrNaN(m.recent))
			}
		}
		// Bootstrap values of the observations after the rollout.
		a.bootstrap(s, st, vec.Obs)
		copy(s.lastV, s.finV.Data)
		buf.ComputeAdvantages(adv, s.lastV)
		ev := rl.ExplainedVariance(buf.Values, buf.Returns)
		l.pgUpdate(buf, s, clip)
		// World-model M-steps on replayed transitions: one per TrainFreq
		// env steps, WorldSteps each, as in the amortised loop.
		if step >= cfg.LearningStarts && mem.n >= cfg.BatchSize && cfg.WorldSteps > 0 && wfrac > 0 {
			for range rollout / cfg.TrainFreq * cfg.WorldSteps {
				mem.sample(l.bt, cfg.BurnIn, rng)
				if err := l.perceiveBatch(true); err != nil {
					return a, fmt.Errorf("%w (update at step %d)", err, step)
				}
			}
		}
		l.note("losses/explained_variance", ev)
		if step >= nextLog {
			for nextLog <= step {
				nextLog += cfg.LogEvery
			}
			pm, n := perc.metrics()
			ms := append([]rl.Metric{{Key: "charts/sps", Value: float64(step) / time.Since(start).Seconds()}}, pm...)
			ms = append(ms, []rl.Metric{
				{Key: "value", Value: -cfg.Beta * valueSum / (n * float64(N))},
				{Key: "perception_entropy", Value: 0},
				{Key: "charts/learning_rate", Value: cfg.LR * frac},
			}...)
			f := (perc.trans+perc.obs)/n - cfg.Beta*valueSum/(n*float64(N))
			for _, k := range []string{"drift", "policy_entropy"} {
				v := l.avg(k)
				ms = append(ms, rl.Metric{Key: k, Value: v})
				if !math.IsNaN(v) {
					f += v
				}
			}
			ms = append(ms, rl.Metric{Key: "F", Value: f})
			if cfg.Alpha != 0 {
				ms = append(ms, rl.Metric{Key: "charts/info", Value: infoSum / (n * float64(N))})
			}
			for _, k := range []string{"losses/critic", "losses/policy", "losses/clipfrac", "losses/approx_kl", "losses/explained_variance", "losses/world", "losses/recognition"} {
				if l.count[k] > 0 {
					ms = append(ms, rl.Metric{Key: k, Value: l.avg(k)})
				}
			}
			if held.n > 0 {
				ms = append(ms, rl.Metric{Key: "wm/obs_error", Value: a.predictionError(held)})
			}
			if err := logger.Log(step, ms...); err != nil {
				return a, err
			}
			clear(l.stats)
			clear(l.count)
			valueSum, infoSum, perc = 0, 0, perception{}
		}
		if evalEvery > 0 && step >= nextEval {
			for nextEval <= step {
				nextEval += evalEvery
			}
			if err := a.logEval(logger, opts.MakeEnv, episodes, seed, step); err != nil {
				return a, err
			}
		}
	}
	if evalEvery <= 0 || step%evalEvery != 0 {
		if err := a.logEval(logger, opts.MakeEnv, episodes, seed, step); err != nil {
			return a, err
		}
	}
	return a, nil
}

// bootstrap writes V̂([x, z]) into s.finV for every acting row, where z is
// perceived from obs (N×obsDim, flat) given the row's remembered
// (z_t, a_t) — the state the next Act would infer — without changing the
// acting memory.
func (a *Agent) bootstrap(s *pgScratch, st *actState, obs []float32) {
	f := s.fin
	copy(f.X.Data, obs)
	f.SetPrev(st.prevS)
	f.A.CopyFrom(st.prevA)
	keep := false
	if a.Recog != nil {
		a.recognise(st.recIn, st.recOut, f, f.X, st.prevS, st.prevA)
		keep = true
	}
	f.Init(keep)
	if _, err := f.Infer(actT(a.Cfg), a.Cfg.World.Eta); err != nil {
		s.finS.CopyFrom(st.prevS) // as Act does: keep the last finite state
	} else {
		f.State(s.finS)
	}
	a.policyInput(s.finP, f.X, s.finS)
	a.V.Forward(s.finV, s.finP)
}

// pgUpdate runs the epochs of minibatch steps on the rollout in buf: the
// policy on β·L^CLIP + drift − entropy, the critic on the squared error to
// the returns.
func (l *learner) pgUpdate(buf *rl.RolloutBuffer, s *pgScratch, clip float64) {
	a, cfg, pc := l.a, l.cfg, l.cfg.PG
	n := buf.Len()
	perm := s.perm[:n]
	beta, wd, wf := float32(cfg.Beta), float32(cfg.DriftWeight), float32(cfg.EntropyWeight)
	for range pc.Epochs {
		rl.Perm(perm, l.rng)
		for lo := 0; lo < n; lo += pc.BatchSize {
			hi := min(lo+pc.BatchSize, n)
			m := hi - lo
			mb := buf.Gather(&s.mb, perm[lo:hi])
			if pc.NormalizeAdvantage && m > 1 {
				rl.Normalize(mb.Advantages)
			}
			out := s.mbOut.RowsView(0, m)
			dOut := s.dOut.RowsView(0, m)
			idx, newLogp, logRatio := s.idx[:m], s.newLogp[:m], s.ratio[:m]
			dLogp, ent, cw := s.dLogp[:m], s.ent[:m], s.cw[:m]
			for i := range idx {
				idx[i] = int(mb.Actions.Data[i])
			}
			// Policy: (c) β·L^CLIP, (d) −w_d log π(a_τ|z_τ), (f) −w_f H.
			nn.ZeroGrad(l.piP)
			a.Actor.Forward(out, mb.Obs)
			t := pgPolicyLoss(dOut, out, idx, mb.LogProbs, mb.Advantages, clip, beta, wd, wf, pgBuffers{newLogp, logRatio, dLogp, ent, cw})
			a.Actor.BackwardParams(dOut)
			if pc.MaxGradNorm > 0 {
				optim.ClipGradNorm(l.piP, pc.MaxGradNorm)
			}
			l.piOpt.Step()
			// Critic: ½·mean((V̂ − R)²).
			nn.ZeroGrad(l.qP)
			v := s.mV.RowsView(0, m)
			a.V.Forward(v, mb.Obs)
			vl := ppo.ValueLoss(s.gV[:m], v.Data, mb.Values, mb.Returns, 0)
			dv := s.dV.RowsView(0, m)
			for i := range dv.Data {
				dv.Data[i] = 0.5 * s.gV[i]
			}
			a.V.BackwardParams(dv)
			if pc.MaxGradNorm > 0 {
				optim.ClipGradNorm(l.qP, pc.MaxGradNorm)
			}
			l.qOpt.Step()
			l.note("losses/policy", t.clip)
			l.note("losses/clipfrac", t.clipFrac)
			l.note("losses/approx_kl", t.kl)
			l.note("losses/critic", 0.5*vl)
			l.note("drift", t.drift)
			l.note("policy_entropy", t.negEnt)
		}
	}
}

// pgTerms are the minibatch means of the policy loss's parts.
type pgTerms struct {
	loss     float64 // β·L^CLIP + w_d·drift + w_f·negEnt
	clip     float64 // L^CLIP
	drift    float64 // mean −log π(a_τ|z_τ), term (d) before its weight
	negEnt   float64 // mean −H[π(·|z_τ)], term (f) before its weight
	clipFrac float64
	kl       float64 // mean k3 estimate of KL(π_old‖π)
}

// pgBuffers are pgPolicyLoss's scratch slices, each of the minibatch length.
type pgBuffers struct{ logp, logRatio, dLogp, ent, cw []float32 }

// pgPolicyLoss evaluates the policy's minibatch loss on the logits (m×K)
// of the actions idx taken with log-probabilities oldLogp under the acting
// policy and advantages adv,
//
//	L = β·L^CLIP + w_d·(1/m)Σ_τ −log π(a_τ|z_τ) − w_f·(1/m)Σ_τ H[π(·|z_τ)],
//
// and writes ∂L/∂logits into dOut. L^CLIP is PPO's clipped surrogate with
// ratio clip eps (ppo.ClippedSurrogate). In expectation over a ~ π_old the
// drift term is H[π_old] + KL(π_old‖π_φ): the seed's (d) acts as the trust
// region that PPO's clipping approximates.
func pgPolicyLoss(dOut, logits *tensor.Mat, idx []int, oldLogp, adv []float32, eps float64, beta, wd, wf float32, b pgBuffers) pgTerms {
	m := len(idx)
	cat := dist.NewCategorical(logits)
	cat.LogProb(b.logp, idx)
	var t pgTerms
	for i := range b.logRatio {
		b.logRatio[i] = b.logp[i] - oldLogp[i]
		r := float64(b.logRatio[i])
		t.kl += math.Expm1(r) - r // the k3 estimator of KL(π_old‖π)
	}
	t.clip, t.clipFrac = ppo.ClippedSurrogate(b.dLogp, b.logRatio, adv, eps)
	for i := range b.dLogp {
		b.dLogp[i] = beta*b.dLogp[i] - wd/float32(m)
		t.drift -= float64(b.logp[i])
		b.cw[i] = -wf / float32(m)
	}
	cat.Entropy(b.ent)
	for _, e := range b.ent {
		t.negEnt -= float64(e)
	}
	fm := float64(m)
	t.kl /= fm
	t.drift /= fm
	t.negEnt /= fm
	t.loss = float64(beta)*t.clip + float64(wd)*t.drift + float64(wf)*t.negEnt
	cat.LogProbGrad(dOut, idx, b.dLogp, 0)
	cat.EntropyGrad(dOut, b.cw, 1)
	return t
}
