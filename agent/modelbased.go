package agent

import (
	"math"

	"github.com/vfe-go/vfe/dist"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/optim"
	"github.com/vfe-go/vfe/tensor"
)

// dreamer holds the model-based option (Config.ImagineHorizon > 0, the
// amortised estimator): reward and termination heads on [policy input,
// encoded action], trained on replayed transitions, and the buffers of
// imagined rollouts in the learned world model.
type dreamer struct {
	opt           optim.Optimizer
	params        []*nn.Param
	in, out, dOut *tensor.Mat // B×(polIn+actIn), B×1, B×1
	f             *Filter     // transition predictions (and g of them)
	S, S2, X2     *tensor.Mat // imagined z_h, z_{h+1}, g(z_{h+1})
	P, P2         *tensor.Mat // their policy inputs
	act, enc      *tensor.Mat // sampled actions as taken (index or value) and as the world model reads them
	rhat, pterm   []float32
}

func newDreamer(l *learner) *dreamer {
	a, B := l.a, l.cfg.BatchSize
	d := &dreamer{
		in: tensor.New(B, a.polIn+a.actIn), out: tensor.New(B, 1), dOut: tensor.New(B, 1),
		f: a.World.NewFilter(B), S: tensor.New(B, a.sDim), S2: tensor.New(B, a.sDim), X2: tensor.New(B, a.obsDim),
		P: tensor.New(B, a.polIn), P2: tensor.New(B, a.polIn), enc: tensor.New(B, a.actIn),
		rhat: make([]float32, B), pterm: make([]float32, B),
	}
	cols := 1
	if !a.discrete {
		cols = a.nAct
	}
	d.act = tensor.New(B, cols)
	d.params = append(a.RewardNet.Params(), a.TermNet.Params()...)
	ac := optim.DefaultAdamConfig()
	ac.LR = l.cfg.CriticLR
	d.opt, _ = optim.NewAdam(d.params, ac)
	return d
}

// headInput writes [P, enc] row-wise into d.in.
func (d *dreamer) headInput(P, enc *tensor.Mat) {
	pc := P.Cols
	for b := 0; b < P.Rows; b++ {
		r := d.in.Row(b)
		copy(r[:pc], P.Row(b))
		copy(r[pc:], enc.Row(b))
	}
}

// fitHeads takes one step of the reward head (squared error to r) and the
// termination head (cross-entropy to terminated) on the replayed batch.
func (l *learner) fitHeads() {
	a, d, bt := l.a, l.dream, l.bt
	B := float32(bt.x.Rows)
	nn.ZeroGrad(d.params)
	d.headInput(l.P, bt.actEnc)
	a.RewardNet.Forward(d.out, d.in)
	var rl, tl float64
	for b := range bt.rew {
		e := d.out.Data[b] - float32(bt.rew[b])
		rl += 0.5 * float64(e*e)
		d.dOut.Data[b] = e / B
	}
	a.RewardNet.BackwardParams(d.dOut)
	a.TermNet.Forward(d.out, d.in)
	tl = binaryCrossEntropy(d.dOut.Data, d.out.Data, bt.term) * float64(B)
	a.TermNet.BackwardParams(d.dOut)
	if l.cfg.GradClip > 0 {
		optim.ClipGradNorm(d.params, l.cfg.GradClip)
	}
	d.opt.Step()
	l.note("losses/reward_model", rl/float64(B))
	l.note("losses/termination_model", tl/float64(B))
}

// imagine trains the critics on imagined transitions: from the replayed
// latents z_t and observations x_t, roll the world model forward
// ImagineHorizon steps under π — z_{h+1} = the transition means given
// (z_h, a_h), x̂_{h+1} = g(z_{h+1}) — with rewards r̂ and termination
// probabilities p̂ from the learned heads (plus α·i(z_h)), and take one
// critic step per imagined step toward
//
//	r̂ + γ(1 − p̂)·E_{a'∼π}[min_j Q̂'_j(z_{h+1}, a')].
func (l *learner) imagine() {
	a, d, cfg := l.a, l.dream, l.cfg
	B := float32(l.bt.x.Rows)
	gamma := float32(cfg.Gamma)
	d.S.CopyFrom(l.S)
	d.P.CopyFrom(l.P)
	f := d.f
	for range cfg.ImagineHorizon {
		// a_h ~ π(·|z_h).
		a.Actor.Forward(l.out, d.P)
		if a.discrete {
			cat := dist.NewCategorical(l.out)
			cat.Sample(l.idx, l.rng)
			for b, k := range l.idx {
				d.act.Data[b] = float32(k)
			}
		} else {
			mean, logStd := a.split(l.out, l.mean, l.logStd)
			dist.NewTanhGaussian(mean, logStd, a.scale, a.bias).Sample(d.act, l.u2, l.rng)
		}
		for b := 0; b < d.act.Rows; b++ {
			a.encodeAction(d.enc.Row(b), d.act.Row(b))
		}
		if cfg.Alpha != 0 {
			a.infoReward(l.negH, l.fI, d.S, l.out, l.probs, l.u2, l.mean, l.logStd, l.rng)
		}
		// z_{h+1} and x̂_{h+1} from the transition and observation means.
		f.SetPrev(d.S)
		f.A.CopyFrom(d.enc)
		f.X.Zero()
		f.Init(false)
		f.State(d.S2)
		d.X2.CopyFrom(f.mu[0])
		a.policyInput(d.P2, d.X2, d.S2)
		// r̂ and p̂ at (z_h, a_h).
		d.headInput(d.P, d.enc)
		a.RewardNet.Forward(d.out, d.in)
		copy(d.rhat, d.out.Data)
		a.TermNet.Forward(d.out, d.in)
		for b, z := range d.out.Data {
			d.pterm[b] = float32(1 / (1 + math.Exp(-float64(z))))
		}
		// One critic step on the imagined transitions.
		nn.ZeroGrad(l.qP)
		var qloss float64
		a.Actor.Forward(l.out2, d.P2)
		if a.discrete {
			tensor.SoftmaxRows(l.probs, l.out2)
			a.Q1t.Forward(l.t1, d.P2)
			a.Q2t.Forward(l.t2, d.P2)
			a.Q1.Forward(l.q1, d.P)
			a.Q2.Forward(l.q2, d.P)
			l.dq1.Zero()
			l.dq2.Zero()
		} else {
			mean, logStd := a.split(l.out2, l.mean, l.logStd)
			dist.NewTanhGaussian(mean, logStd, a.scale, a.bias).Sample(l.a2, l.u2, l.rng)
			l.concat(l.qin2, d.P2, l.a2)
			a.Q1t.Forward(l.t1, l.qin2)
			a.Q2t.Forward(l.t2, l.qin2)
			l.concat(l.qin, d.P, d.act)
			a.Q1.Forward(l.q1, l.qin)
			a.Q2.Forward(l.q2, l.qin)
		}
		for b := 0; b < d.act.Rows; b++ {
			var v float32
			if a.discrete {
				for k := 0; k < a.nAct; k++ {
					v += l.probs.At(b, k) * min(l.t1.At(b, k), l.t2.At(b, k))
				}
			} else {
				v = min(l.t1.Data[b], l.t2.Data[b])
			}
			y := d.rhat[b] + gamma*(1-d.pterm[b])*v
			if cfg.Alpha != 0 {
				y += float32(cfg.Alpha) * l.negH[b]
			}
			k := 0
			if a.discrete {
				k = int(d.act.Data[b])
			}
			e1, e2 := l.q1.At(b, k)-y, l.q2.At(b, k)-y
			qloss += 0.5 * float64(e1*e1+e2*e2) / float64(B)
			l.dq1.Set(b, k, e1/B)
			l.dq2.Set(b, k, e2/B)
		}
		a.Q1.BackwardParams(l.dq1)
		a.Q2.BackwardParams(l.dq2)
		if cfg.GradClip > 0 {
			optim.ClipGradNorm(l.qP, cfg.GradClip)
		}
		l.qOpt.Step()
		l.note("losses/critic_imagined", qloss)
		d.S.CopyFrom(d.S2)
		d.P.CopyFrom(d.P2)
	}
}

// binaryCrossEntropy returns the mean over rows of −[y log p + (1−y) log(1−p)]
// with p = σ(z) for logits z and labels y, computed stably as
// softplus(z) − y·z, and writes its gradient (σ(z_b) − y_b)/B into grad.
func binaryCrossEntropy(grad, logits []float32, y []bool) float64 {
	B := float64(len(logits))
	var l float64
	for b, zf := range logits {
		z, t := float64(zf), 0.0
		if y[b] {
			t = 1
		}
		l += math.Max(z, 0) + math.Log1p(math.Exp(-math.Abs(z))) - t*z
		grad[b] = float32((1/(1+math.Exp(-z)) - t) / B)
	}
	return l / B
}
