package agent

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

// learner holds the optimisers and every per-update buffer.
type learner struct {
	a                            *Agent
	cfg                          Config
	mem                          *replay // the replay the batches come from (for burn-in)
	dream                        *dreamer
	fBurn                        *Filter
	burnS, burnPrev              *tensor.Mat
	rng                          *rand.Rand
	bt                           *batch
	fA, fB, fI                   *Filter
	S, S2                        *tensor.Mat
	P, P2                        *tensor.Mat // policy inputs at t and t+1
	wOpt, qOpt, piOpt, rOpt      optim.Optimizer
	wP, qP, piP, rP              []*nn.Param
	out, out2, q1, q2, t1, t2    *tensor.Mat
	dq1, dq2, dout, probs        *tensor.Mat
	qin, qin2, din1, din2        *tensor.Mat
	mean, logStd, raw, u, eps    *tensor.Mat
	aNew, a2, u2, dMean, dLogStd *tensor.Mat
	dRaw, uTaken, recIn, recOut  *tensor.Mat
	R, negH, drift, ent, cw, dw  []float32
	idx                          []int
	// running statistics for the log
	stats map[string]float64
	count map[string]int
}

func (l *learner) note(key string, v float64) {
	l.stats[key] += v
	l.count[key]++
}

func newLearner(a *Agent, rng *rand.Rand) (*learner, error) {
	cfg := a.Cfg
	B := cfg.BatchSize
	w := a.World
	l := &learner{a: a, cfg: cfg, rng: rng, stats: map[string]float64{}, count: map[string]int{}}
	cols := 1
	if !a.discrete {
		cols = a.nAct
	}
	l.bt = &batch{idx: make([]int, B), ctxS: tensor.New(B, a.sDim), ctxA: tensor.New(B, a.actIn),
		x: tensor.New(B, a.obsDim), xn: tensor.New(B, a.obsDim), act: tensor.New(B, cols),
		actEnc: tensor.New(B, a.actIn), rew: make([]float64, B), term: make([]bool, B)}
	l.fA, l.fB, l.fI = w.NewFilter(B), w.NewFilter(B), w.NewFilter(B)
	l.fI.NoObs = true
	if cfg.BurnIn > 0 {
		l.fBurn = w.NewFilter(B)
		l.burnS, l.burnPrev = tensor.New(B, a.sDim), tensor.New(B, a.sDim)
	}
	l.S, l.S2 = tensor.New(B, a.sDim), tensor.New(B, a.sDim)
	l.P, l.P2 = tensor.New(B, a.polIn), tensor.New(B, a.polIn)
	for _, np := range w.Params() {
		l.wP = append(l.wP, np.Param)
	}
	if a.Q1 != nil {
		l.qP = append(a.Q1.Params(), a.Q2.Params()...)
	} else {
		l.qP = a.V.Params()
	}
	l.piP = a.Actor.Params()
	mk := func(ps []*nn.Param, lr float64) optim.Optimizer {
		ac := optim.DefaultAdamConfig()
		ac.LR = lr
		o, err := optim.NewAdam(ps, ac)
		if err != nil {
			panic(err) // the configs above are valid by construction
		}
		return o
	}
	l.wOpt = mk(l.wP, cfg.WorldLR)
	if a.pg {
		// PPO's Adam ε (SB3, CleanRL).
		ac := optim.DefaultAdamConfig()
		ac.Eps = 1e-5
		ac.LR = cfg.CriticLR
		l.qOpt, _ = optim.NewAdam(l.qP, ac)
		ac.LR = cfg.LR
		l.piOpt, _ = optim.NewAdam(l.piP, ac)
	} else {
		l.qOpt, l.piOpt = mk(l.qP, cfg.CriticLR), mk(l.piP, cfg.LR)
	}
	if a.Recog != nil {
		l.rP = a.Recog.Params()
		l.rOpt = mk(l.rP, cfg.WorldLR)
		l.recIn = tensor.New(B, a.obsDim+a.sDim+a.actIn)
		l.recOut = tensor.New(B, a.sDim)
	}
	ao := a.Actor.OutDim()
	l.out, l.out2, l.dout = tensor.New(B, ao), tensor.New(B, ao), tensor.New(B, ao)
	qo := a.nAct
	if !a.discrete {
		qo = 1
		d := a.nAct
		l.qin, l.qin2 = tensor.New(B, a.polIn+d), tensor.New(B, a.polIn+d)
		l.din1, l.din2 = tensor.New(B, a.polIn+d), tensor.New(B, a.polIn+d)
		for _, p := range []**tensor.Mat{&l.mean, &l.logStd, &l.raw, &l.u, &l.eps, &l.aNew, &l.a2, &l.u2, &l.dMean, &l.dLogStd, &l.dRaw, &l.uTaken} {
			*p = tensor.New(B, d)
		}
	}
	l.q1, l.q2, l.t1, l.t2 = tensor.New(B, qo), tensor.New(B, qo), tensor.New(B, qo), tensor.New(B, qo)
	l.dq1, l.dq2, l.probs = tensor.New(B, qo), tensor.New(B, qo), tensor.New(B, ao)
	l.R, l.negH, l.drift, l.ent = make([]float32, B), make([]float32, B), make([]float32, B), make([]float32, B)
	l.cw, l.dw = make([]float32, B), make([]float32, B)
	l.idx = make([]int, B)
	if a.RewardNet != nil {
		l.dream = newDreamer(l)
	}
	return l, nil
}

// perceiveBatch infers z_t and z_{t+1} for the replayed batch with the
// current world model (two batched E-steps) and, when learn is set, takes
// one M-step on the local terms (a)+(b) of both time steps.
func (l *learner) perceiveBatch(learn bool) error {
	a, bt := l.a, l.bt
	T, eta := l.cfg.World.T, l.cfg.World.Eta
	if l.cfg.BurnIn > 0 {
		if err := l.burnIn(); err != nil {
			return err
		}
	}
	if learn {
		nn.ZeroGrad(l.wP)
	}
	step := func(f *Filter, prevS, prevA, x, out *tensor.Mat) error {
		f.SetPrev(prevS)
		f.A.CopyFrom(prevA)
		f.X.CopyFrom(x)
		keep := false
		if a.Recog != nil {
			a.recognise(l.recIn, l.recOut, f, x, prevS, prevA)
			keep = true
		}
		f.Init(keep)
		if _, err := f.Infer(T, eta); err != nil {
			return err
		}
		f.State(out)
		if learn {
			f.Learn()
		}
		return nil
	}
	if err := step(l.fA, bt.ctxS, bt.ctxA, bt.x, l.S); err != nil {
		return err
	}
	if err := step(l.fB, l.S, bt.actEnc, bt.xn, l.S2); err != nil {
		return err
	}
	if !learn {
		return nil
	}
	obs, trans := l.fA.Energy()
	l.note("losses/world", obs+trans)
	if lam := float32(l.cfg.WorldPrior); lam > 0 {
		// ∂/∂θ of the prior term λ/2·‖θ‖².
		for _, p := range l.wP {
			tensor.AddScaled(p.Grad, lam, p.Val)
		}
	}
	if l.cfg.GradClip > 0 {
		optim.ClipGradNorm(l.wP, l.cfg.GradClip)
	}
	l.wOpt.Step()
	if a.Recog != nil {
		// Regress the recognition network onto the converged latents.
		nn.ZeroGrad(l.rP)
		for _, c := range []struct{ x, prevS, prevA, target *tensor.Mat }{{bt.x, bt.ctxS, bt.ctxA, l.S}, {bt.xn, l.S, bt.actEnc, l.S2}} {
			od, sd := a.obsDim, a.sDim
			for b := 0; b < c.x.Rows; b++ {
				row := l.recIn.Row(b)
				copy(row[:od], c.x.Row(b))
				copy(row[od:od+sd], c.prevS.Row(b))
				copy(row[od+sd:], c.prevA.Row(b))
			}
			a.Recog.Forward(l.recOut, l.recIn)
			tensor.Sub(l.recOut, l.recOut, c.target)
			l.note("losses/recognition", 0.5*tensor.SumSq(l.recOut.Data)/float64(c.x.Rows))
			tensor.Scale(l.recOut, 1/float32(c.x.Rows), l.recOut)
			a.Recog.BackwardParams(l.recOut)
		}
		l.rOpt.Step()
	}
	return nil
}

// burnIn refreshes the batch's contexts: each row's stored z_{t−1} was
// inferred when acting, by an older world model. Re-filter the row's
// replayed predecessors (up to BurnIn of them, from the oldest one's stored
// context, or from the exact zero context at an episode start) with the
// current model, and replace the stored z_{t−1} with the result. Rows start
// filtering when their chain does (chains are right-aligned).
func (l *learner) burnIn() error {
	a, bt, mem, f := l.a, l.bt, l.mem, l.fBurn
	K := l.cfg.BurnIn
	longest := 0
	for _, n := range bt.chainLen {
		longest = max(longest, n)
	}
	if longest == 0 {
		return nil
	}
	sd, ad, od := mem.sd, mem.ad, mem.od
	for j := K - longest; j < K; j++ {
		for k := range bt.idx {
			first := K - bt.chainLen[k]
			prev, act, x := l.burnPrev.Row(k), f.A.Row(k), f.X.Row(k)
			switch {
			case j < first: // not started: any finite input, overwritten later
				clear(prev)
				clear(act)
				copy(x, bt.x.Row(k))
			case j == first:
				c := bt.chain[k*K+j]
				copy(prev, mem.ctxS[c*sd:(c+1)*sd])
				copy(act, mem.ctxA[c*ad:(c+1)*ad])
				copy(x, mem.x[c*od:(c+1)*od])
			default:
				c, p := bt.chain[k*K+j], bt.chain[k*K+j-1]
				copy(prev, l.burnS.Row(k))
				copy(act, mem.actEnc[p*ad:(p+1)*ad])
				copy(x, mem.x[c*od:(c+1)*od])
			}
		}
		f.SetPrev(l.burnPrev)
		keep := false
		if a.Recog != nil {
			a.recognise(l.recIn, l.recOut, f, f.X, l.burnPrev, f.A)
			keep = true
		}
		f.Init(keep)
		if _, err := f.Infer(l.cfg.World.T, l.cfg.World.Eta); err != nil {
			return fmt.Errorf("%w (burn-in)", err)
		}
		f.State(l.burnS)
	}
	for k, n := range bt.chainLen {
		if n > 0 {
			copy(bt.ctxS.Row(k), l.burnS.Row(k))
		}
	}
	return nil
}

// info writes i(s) = E_{π(a|s)}[−H[p(s'|s,a)]] for the rows of S into
// negH (see Agent.infoReward), with the policy read at l.P.
func (l *learner) info(S *tensor.Mat) {
	l.a.Actor.Forward(l.out, l.P)
	l.a.infoReward(l.negH, l.fI, S, l.out, l.probs, l.u2, l.mean, l.logStd, l.rng)
}

// infoReward writes i(s) = E_{π(a|s)}[−H[p(s'|s,a)]] for the rows of S
// (B×StateDim) into negH (length B): the entropy of the Gaussian transition
// of every latent node, ½ Σ_i (log 2πe − log π_i), evaluated at the
// predicted parents (the point-mass approximation), exactly averaged over a
// Discrete policy and with one sample a ~ π for a Box policy. out holds the
// actor's outputs for the rows (logits, or [mean | raw log-std]); f is a
// Filter of B rows with NoObs set; probs (B×K) is scratch for Discrete
// actions, u, mean and logStd (B×D) for Box ones.
func (a *Agent) infoReward(negH []float32, f *Filter, S, out, probs, u, mean, logStd *tensor.Mat, rng *rand.Rand) {
	B := S.Rows
	clear(negH)
	log2pie := math.Log(2 * math.Pi * math.E)
	accumulate := func(weight func(b int) float32) {
		f.SetPrev(S)
		f.Init(false)
		for n := 1; n <= a.World.N(); n++ {
			d := a.World.dims[n]
			for b := 0; b < B; b++ {
				var s float64
				for _, lp := range f.lp[n].Data[b*d : (b+1)*d] {
					s += 0.5 * (float64(lp) - log2pie)
				}
				negH[b] += weight(b) * float32(s)
			}
		}
	}
	if a.discrete {
		tensor.SoftmaxRows(probs, out)
		for k := 0; k < a.nAct; k++ {
			f.A.Zero()
			for b := 0; b < B; b++ {
				f.A.Set(b, k, 1)
			}
			accumulate(func(b int) float32 { return probs.At(b, k) })
		}
		return
	}
	mean, logStd = a.split(out, mean, logStd)
	tg := dist.NewTanhGaussian(mean, logStd, a.scale, a.bias)
	tg.Sample(f.A, u, rng)
	accumulate(func(int) float32 { return 1 })
}

// update runs one critic and one policy step on the policy inputs P, P2
// (built from S, S2).
func (l *learner) update() {
	a, bt, cfg := l.a, l.bt, l.cfg
	B := float32(bt.x.Rows)
	for b := range l.R {
		l.R[b] = float32(bt.rew[b])
	}
	if cfg.Alpha != 0 {
		l.info(l.S)
		var s float64
		for b := range l.R {
			l.R[b] += float32(cfg.Alpha) * l.negH[b]
			s += float64(l.negH[b])
		}
		l.note("charts/info", s/float64(len(l.R)))
	}
	gamma := float32(cfg.Gamma)
	// Critic: Q̂(z, a) → R + γ(1 − terminated) E_{a'∼π}[min_j Q̂_targ,j(z', a')].
	nn.ZeroGrad(l.qP)
	var qloss float64
	if a.discrete {
		a.Actor.Forward(l.out2, l.P2)
		tensor.SoftmaxRows(l.probs, l.out2)
		a.Q1t.Forward(l.t1, l.P2)
		a.Q2t.Forward(l.t2, l.P2)
		a.Q1.Forward(l.q1, l.P)
		a.Q2.Forward(l.q2, l.P)
		l.dq1.Zero()
		l.dq2.Zero()
		for b := 0; b < bt.x.Rows; b++ {
			var v float32
			for k := 0; k < a.nAct; k++ {
				v += l.probs.At(b, k) * min(l.t1.At(b, k), l.t2.At(b, k))
			}
			y := l.R[b]
			if !bt.term[b] {
				y += gamma * v
			}
			k := int(bt.act.At(b, 0))
			e1, e2 := l.q1.At(b, k)-y, l.q2.At(b, k)-y
			qloss += 0.5 * float64(e1*e1+e2*e2) / float64(B)
			l.dq1.Set(b, k, e1/B)
			l.dq2.Set(b, k, e2/B)
		}
		a.Q1.BackwardParams(l.dq1)
		a.Q2.BackwardParams(l.dq2)
	} else {
		d := a.nAct
		a.Actor.Forward(l.out2, l.P2)
		mean, logStd := a.split(l.out2, l.mean, l.logStd)
		tg := dist.NewTanhGaussian(mean, logStd, a.scale, a.bias)
		tg.Sample(l.a2, l.u2, l.rng)
		l.concat(l.qin2, l.P2, l.a2)
		a.Q1t.Forward(l.t1, l.qin2)
		a.Q2t.Forward(l.t2, l.qin2)
		l.concat(l.qin, l.P, bt.act)
		a.Q1.Forward(l.q1, l.qin)
		a.Q2.Forward(l.q2, l.qin)
		for b := 0; b < bt.x.Rows; b++ {
			y := l.R[b]
			if !bt.term[b] {
				y += gamma * min(l.t1.Data[b], l.t2.Data[b])
			}
			e1, e2 := l.q1.Data[b]-y, l.q2.Data[b]-y
			qloss += 0.5 * float64(e1*e1+e2*e2) / float64(B)
			l.dq1.Data[b], l.dq2.Data[b] = e1/B, e2/B
		}
		a.Q1.BackwardParams(l.dq1)
		a.Q2.BackwardParams(l.dq2)
		_ = d
	}
	if cfg.GradClip > 0 {
		optim.ClipGradNorm(l.qP, cfg.GradClip)
	}
	l.qOpt.Step()
	l.note("losses/critic", qloss)

	// Policy: minimise β·(−E_π[Q̂]) + w_d·(−log π(a_τ|z_τ)) − w_f·H[π].
	nn.ZeroGrad(l.piP)
	beta, wd, wf := float32(cfg.Beta), float32(cfg.DriftWeight), float32(cfg.EntropyWeight)
	for b := range l.cw {
		l.dw[b] = -wd / B
		l.cw[b] = -wf / B
	}
	var value, drift, negEnt float64
	if a.discrete {
		a.Actor.Forward(l.out, l.P)
		tensor.SoftmaxRows(l.probs, l.out)
		a.Q1.Forward(l.q1, l.P)
		a.Q2.Forward(l.q2, l.P)
		cat := dist.NewCategorical(l.out)
		for b := 0; b < bt.x.Rows; b++ {
			l.idx[b] = int(bt.act.At(b, 0))
			var eq float32
			for k := 0; k < a.nAct; k++ {
				eq += l.probs.At(b, k) * min(l.q1.At(b, k), l.q2.At(b, k))
			}
			value -= float64(beta * eq)
			for k := 0; k < a.nAct; k++ {
				p := l.probs.At(b, k)
				l.dout.Set(b, k, -beta/B*p*(min(l.q1.At(b, k), l.q2.At(b, k))-eq))
			}
		}
		cat.LogProb(l.drift, l.idx)
		cat.Entropy(l.ent)
		for b := range l.drift {
			drift -= float64(l.drift[b])
			negEnt -= float64(l.ent[b])
		}
		cat.LogProbGrad(l.dout, l.idx, l.dw, 1)
		cat.EntropyGrad(l.dout, l.cw, 1)
	} else {
		d := a.nAct
		a.Actor.Forward(l.out, l.P)
		for b := 0; b < bt.x.Rows; b++ {
			r := l.out.Row(b)
			copy(l.mean.Row(b), r[:d])
			copy(l.raw.Row(b), r[d:])
		}
		a.bound.Apply(l.logStd, l.raw)
		tg := dist.NewTanhGaussian(l.mean, l.logStd, a.scale, a.bias)
		tg.Rsample(l.aNew, l.u, l.eps, l.rng)
		l.concat(l.qin, l.P, l.aNew)
		a.Q1.Forward(l.q1, l.qin)
		a.Q2.Forward(l.q2, l.qin)
		for b := 0; b < bt.x.Rows; b++ {
			q1, q2 := l.q1.Data[b], l.q2.Data[b]
			value -= float64(beta * min(q1, q2))
			if q1 <= q2 {
				l.dq1.Data[b], l.dq2.Data[b] = -beta/B, 0
			} else {
				l.dq1.Data[b], l.dq2.Data[b] = 0, -beta/B
			}
		}
		a.Q1.BackwardInput(l.din1, l.dq1)
		a.Q2.BackwardInput(l.din2, l.dq2)
		dA := l.a2 // reuse as ∂L/∂a buffer
		for b := 0; b < bt.x.Rows; b++ {
			r1, r2 := l.din1.Row(b)[a.polIn:], l.din2.Row(b)[a.polIn:]
			for j := range dA.Row(b) {
				dA.Row(b)[j] = r1[j] + r2[j]
			}
		}
		tg.LogProb(l.ent, l.u) // log π(a_new): the single-sample −H estimate
		for b := range l.cw {
			l.cw[b] = wf / B
			negEnt += float64(l.ent[b])
		}
		tg.RsampleGrad(l.dMean, l.dLogStd, l.u, l.eps, dA, l.cw, 0)
		// Drift on the replayed actions: u_τ = atanh((a_τ − bias)/scale).
		for b := 0; b < bt.x.Rows; b++ {
			for j := 0; j < d; j++ {
				v := (bt.act.At(b, j) - a.bias[j]) / a.scale[j]
				v = min(max(v, -0.999999), 0.999999)
				l.uTaken.Set(b, j, float32(math.Atanh(float64(v))))
			}
		}
		tg.LogProb(l.drift, l.uTaken)
		for b := range l.drift {
			drift -= float64(l.drift[b])
		}
		tg.LogProbGrad(l.dMean, l.dLogStd, l.uTaken, l.dw, 1)
		a.bound.Grad(l.dRaw, l.dLogStd, l.raw, 0)
		for b := 0; b < bt.x.Rows; b++ {
			r := l.dout.Row(b)
			copy(r[:d], l.dMean.Row(b))
			copy(r[d:], l.dRaw.Row(b))
		}
	}
	a.Actor.BackwardParams(l.dout)
	if cfg.GradClip > 0 {
		optim.ClipGradNorm(l.piP, cfg.GradClip)
	}
	l.piOpt.Step()
	n := float64(B)
	l.note("value", value/n)
	l.note("drift", drift/n)
	l.note("policy_entropy", negEnt/n)
	optim.Polyak(a.Q1t.Params(), a.Q1.Params(), cfg.Tau)
	optim.Polyak(a.Q2t.Params(), a.Q2.Params(), cfg.Tau)
}

// concat writes [s, act] row-wise into dst.
func (l *learner) concat(dst, s, act *tensor.Mat) {
	sd := s.Cols
	for b := 0; b < s.Rows; b++ {
		r := dst.Row(b)
		copy(r[:sd], s.Row(b))
		copy(r[sd:], act.Row(b))
	}
}

// Train trains the agent on the environments opts.MakeEnv builds: act by
// perceiving (E-step) and sampling from π_φ, store transitions, and every
// TrainFreq steps take world-model, critic and policy steps on a replayed
// batch. It logs the F_t decomposition — transition (a), observation (b),
// value (c), drift (d), perception_entropy (e), policy_entropy (f) and their
// sum F — with charts/episodic_return, charts/sps, wm/obs_error (one-step
// observation prediction error on held-out transitions) and
// charts/infer_iters, and evaluates deterministically every opts.EvalEvery
// steps.
func Train(cfg Config, seed uint64, opts rl.TrainOptions) (*Agent, error) {
	if opts.MakeEnv == nil {
		return nil, errNoEnv
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ctx := opts.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	logger := opts.Logger
	if logger == nil {
		logger = rl.NopLogger{}
	}
	rng := rand.New(rand.NewPCG(seed, 0xa9e7))
	envs := make([]env.Env, cfg.NumEnvs)
	for i := range envs {
		e, err := opts.MakeEnv()
		if err != nil {
			return nil, err
		}
		envs[i] = e
	}
	a, err := newAgent(cfg, envs[0].ObservationSpace(), envs[0].ActionSpace(), rng)
	if err != nil {
		return nil, err
	}
	l, err := newLearner(a, rng)
	if err != nil {
		return nil, err
	}
	if a.pg {
		return trainPG(a, l, seed, opts, envs, logger, ctx)
	}
	vec := env.NewVecEnv(envs, env.VecConfig{Workers: 1})
	defer vec.Close()
	N, od := cfg.NumEnvs, a.obsDim
	cols := 1
	if !a.discrete {
		cols = a.nAct
	}
	m := newMemory(a, cfg.BufferSize, N, cols)
	buf, held := m.main, m.held
	l.mem = buf
	a.training = true
	defer func() { a.training = false }()
	vec.Reset(rng)
	st := a.ensureAct(N)
	x := tensor.New(N, od)
	ctxS, ctxA := tensor.New(N, a.sDim), tensor.New(N, a.actIn)
	actions := tensor.New(N, cols)
	evalEvery := opts.EvalEvery
	episodes := opts.EvalEpisodes
	if episodes <= 0 {
		episodes = 10
	}
	logEvery := cfg.LogEvery
	start := time.Now()
	var perc perception
	nextLog, nextEval := logEvery, evalEvery
	for step := 0; step < cfg.Steps; step += N {
		if err := ctx.Err(); err != nil {
			return a, fmt.Errorf("agent: interrupted at step %d: %w", step, err)
		}
		copy(x.Data, vec.Obs)
		if err := perc.act(a, st, actions, x, ctxS, ctxA, rng, step); err != nil {
			return a, err
		}
		vec.Step(actions.Data)
		if err := m.record(a, vec, ctxS, ctxA, x, actions, logger, step+N); err != nil {
			return a, err
		}
		if step+N >= cfg.LearningStarts && buf.n >= cfg.BatchSize && (step/N)%cfg.TrainFreq == 0 {
			learn := cfg.WorldSteps > 0
			if cfg.WorldLRSteps > 0 {
				wfrac := cfg.worldFrac(step, 1)
				learn = learn && wfrac > 0
				l.setWorldRate(wfrac)
			}
			for range max(cfg.WorldSteps, 1) {
				buf.sample(l.bt, cfg.BurnIn, rng)
				if err := l.perceiveBatch(learn); err != nil {
					return a, fmt.Errorf("%w (update at step %d)", err, step)
				}
			}
			a.policyInput(l.P, l.bt.x, l.S)
			a.policyInput(l.P2, l.bt.xn, l.S2)
			for range cfg.PolicySteps {
				l.update()
			}
			if l.dream != nil {
				l.fitHeads()
				l.imagine()
			}
		}
		if opts.Progress != nil {
			opts.Progress(step+N, meanOrNaN(m.recent))
		}
		if step+N >= nextLog {
			nextLog += logEvery
			pm, n := perc.metrics()
			ms := append([]rl.Metric{{Key: "charts/sps", Value: float64(step+N) / time.Since(start).Seconds()}}, pm...)
			f := perc.trans/n + perc.obs/n
			for _, k := range []string{"value", "drift", "policy_entropy"} {
				v := l.avg(k)
				ms = append(ms, rl.Metric{Key: k, Value: v})
				if !math.IsNaN(v) {
					f += v
				}
			}
			ms = append(ms, rl.Metric{Key: "perception_entropy", Value: 0}, rl.Metric{Key: "F", Value: f})
			for _, k := range []string{"losses/critic", "losses/world", "losses/recognition", "charts/info", "losses/critic_imagined", "losses/reward_model", "losses/termination_model"} {
				if l.count[k] > 0 {
					ms = append(ms, rl.Metric{Key: k, Value: l.avg(k)})
				}
			}
			if held.n > 0 {
				ms = append(ms, rl.Metric{Key: "wm/obs_error", Value: a.predictionError(held)})
			}
			if err := logger.Log(step+N, ms...); err != nil {
				return a, err
			}
			clear(l.stats)
			clear(l.count)
			perc = perception{}
		}
		if evalEvery > 0 && step+N >= nextEval {
			nextEval += evalEvery
			if err := a.logEval(logger, opts.MakeEnv, episodes, seed, step+N); err != nil {
				return a, err
			}
		}
	}
	if evalEvery <= 0 || cfg.Steps%evalEvery != 0 {
		if err := a.logEval(logger, opts.MakeEnv, episodes, seed, cfg.Steps); err != nil {
			return a, err
		}
	}
	return a, nil
}

func (l *learner) avg(k string) float64 {
	if l.count[k] == 0 {
		return math.NaN()
	}
	return l.stats[k] / float64(l.count[k])
}

func meanOrNaN(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	var s float64
	for _, v := range xs {
		s += v
	}
	return s / float64(len(xs))
}

// predictionError is the mean squared one-step observation prediction
// error on the held-out transitions: x_{t+1} against g(ẑ_{t+1}) where ẑ_{t+1}
// is the transition prediction from (z_t, a_t) and z_t is inferred from the
// stored context and x_t.
func (a *Agent) predictionError(h *replay) float64 {
	n := h.n
	f := a.World.NewFilter(n)
	f.SetPrev(tensor.FromSlice(n, a.sDim, h.ctxS[:n*a.sDim]))
	f.A.CopyFrom(tensor.FromSlice(n, a.actIn, h.ctxA[:n*a.actIn]))
	f.X.CopyFrom(tensor.FromSlice(n, a.obsDim, h.x[:n*a.obsDim]))
	f.Init(false)
	if _, err := f.Infer(a.Cfg.World.T, a.Cfg.World.Eta); err != nil {
		return math.NaN()
	}
	s := f.State(nil)
	g := a.World.NewFilter(n)
	g.SetPrev(s)
	g.A.CopyFrom(tensor.FromSlice(n, a.actIn, h.actEnc[:n*a.actIn]))
	g.X.CopyFrom(tensor.FromSlice(n, a.obsDim, h.xn[:n*a.obsDim]))
	g.Init(false)
	return tensor.SumSq(g.eps[0].Data) / float64(n*a.obsDim)
}

// Evaluate runs episodes with the deterministic policy (mode actions) in
// fresh environments from makeEnv, resets drawn from seed, and returns the
// undiscounted returns. The training memory is left untouched.
func (a *Agent) Evaluate(makeEnv rl.EnvMaker, episodes int, seed uint64) ([]float64, error) {
	saved, training := a.act, a.training
	a.act, a.training = nil, false
	defer func() { a.act, a.training = saved, training }()
	e, err := makeEnv()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0xe7a1))
	out := make([]float64, episodes)
	obs := tensor.New(1, a.obsDim)
	var act *tensor.Mat
	for i := range out {
		copy(obs.Data, e.Reset(rng))
		a.Reset(0)
		for {
			act = a.Act(act, obs, true, rng)
			st := e.Step(act.Data)
			out[i] += st.Reward
			if st.Terminated || st.Truncated {
				break
			}
			copy(obs.Data, st.Obs)
		}
	}
	return out, nil
}

func (a *Agent) logEval(logger rl.Logger, makeEnv rl.EnvMaker, episodes int, seed uint64, step int) error {
	rets, err := a.Evaluate(makeEnv, episodes, seed+uint64(step))
	if err != nil {
		return err
	}
	var m, v float64
	for _, r := range rets {
		m += r
	}
	m /= float64(len(rets))
	for _, r := range rets {
		v += (r - m) * (r - m)
	}
	return logger.Log(step, rl.Metric{Key: "eval/mean_return", Value: m}, rl.Metric{Key: "eval/std_return", Value: math.Sqrt(v / float64(len(rets)))})
}

// actT is the number of inference iterations used when acting.
func actT(c Config) int {
	if c.ActT < 0 {
		return c.World.T
	}
	return c.ActT
}

// setWorldRate sets the learning rate of the world model (and of the
// recognition network, which learns with it) to frac·WorldLR.
func (l *learner) setWorldRate(frac float64) {
	l.wOpt.(*optim.Adam).SetLR(l.cfg.WorldLR * frac)
	if l.rOpt != nil {
		l.rOpt.(*optim.Adam).SetLR(l.cfg.WorldLR * frac)
	}
}

// perception accumulates the acting-time perception statistics of the
// training loops between log rows: the energies of terms (a) and (b), the
// inference iterations and the latents' mean square.
type perception struct {
	obs, trans, iters, zSq float64
	n                      int
}

// act remembers each row's context (z_{t−1}, a_{t−1}) in ctxS, ctxA, acts on
// the observations x (Agent.Act, sampling) and accumulates the statistics;
// it reports a non-finite energy as divergence at step.
func (p *perception) act(a *Agent, st *actState, actions, x, ctxS, ctxA *tensor.Mat, rng *rand.Rand, step int) error {
	ctxS.CopyFrom(st.prevS)
	ctxA.CopyFrom(st.prevA)
	a.Act(actions, x, false, rng)
	if math.IsNaN(st.f.lastF) || math.IsInf(st.f.lastF, 0) {
		return fmt.Errorf("agent: world-model energy diverged to %v while acting at step %d", st.f.lastF, step)
	}
	eo, et := st.f.Energy()
	p.obs += eo
	p.trans += et
	p.iters += float64(actT(a.Cfg))
	p.zSq += tensor.SumSq(st.s.Data) / float64(len(st.s.Data))
	p.n++
	return nil
}

// metrics returns charts/infer_iters, wm/z_rms, transition and observation
// averaged since the last reset, and the divisor used.
func (p *perception) metrics() ([]rl.Metric, float64) {
	n := float64(max(p.n, 1))
	return []rl.Metric{
		{Key: "charts/infer_iters", Value: p.iters / n},
		{Key: "wm/z_rms", Value: math.Sqrt(p.zSq / n)},
		{Key: "transition", Value: p.trans / n},
		{Key: "observation", Value: p.obs / n},
	}, n
}
