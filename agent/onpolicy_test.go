package agent

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/classic"
	"github.com/vfe-go/vfe/tensor"
)

// TestPGPolicyLoss_FiniteDifference checks ∂L/∂logits of the policy loss
// β·L^CLIP + w_d·drift − w_f·H against central differences of L itself,
// with ratios on both sides of the clip interval and advantages of both
// signs (away from the clip's kinks, where L is differentiable).
func TestPGPolicyLoss_FiniteDifference(t *testing.T) {
	const m, K = 6, 3
	rng := rand.New(rand.NewPCG(3, 4))
	logits := tensor.New(m, K)
	for i := range logits.Data {
		logits.Data[i] = float32(rng.NormFloat64())
	}
	idx := []int{0, 2, 1, 1, 0, 2}
	adv := []float32{1.3, -0.7, 0.4, -1.1, 0.9, -0.2}
	// Old log-probabilities: the current ones shifted so that the ratios
	// r = π/π_old are 1.5, 0.6, 1.05, 0.95, 0.5, 1.4 — outside [0.8, 1.2]
	// on both sides and inside.
	shift := []float64{1.5, 0.6, 1.05, 0.95, 0.5, 1.4}
	logp := make([]float32, m)
	lp := func(l *tensor.Mat, i int) float64 {
		row := l.Row(i)
		var mx float64 = math.Inf(-1)
		for _, v := range row {
			mx = max(mx, float64(v))
		}
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v) - mx)
		}
		return float64(row[idx[i]]) - mx - math.Log(s)
	}
	oldLogp := make([]float32, m)
	for i := range oldLogp {
		oldLogp[i] = float32(lp(logits, i) - math.Log(shift[i]))
	}
	const eps, beta, wd, wf = 0.2, 1.5, 0.3, 0.05
	buf := func() pgBuffers {
		return pgBuffers{logp, make([]float32, m), make([]float32, m), make([]float32, m), make([]float32, m)}
	}
	// L computed independently in float64 from its definition.
	loss := func(l *tensor.Mat) float64 {
		var clip, drift, negEnt float64
		for i := 0; i < m; i++ {
			lpi := lp(l, i)
			r := math.Exp(lpi - float64(oldLogp[i]))
			a := float64(adv[i])
			clip += max(-a*r, -a*min(max(r, 1-eps), 1+eps))
			drift -= lpi
			row := l.Row(i)
			for k := range row {
				var s float64
				for _, v := range row {
					s += math.Exp(float64(v - row[k]))
				}
				p := 1 / s
				negEnt += p * math.Log(p)
			}
		}
		return (beta*clip + wd*drift + wf*negEnt) / m
	}
	dOut := tensor.New(m, K)
	got := pgPolicyLoss(dOut, logits, idx, oldLogp, adv, eps, beta, wd, wf, buf())
	if want := loss(logits); math.Abs(got.loss-want) > 1e-5*math.Max(1, math.Abs(want)) {
		t.Fatalf("loss %v, want %v (float64 from the definition)", got.loss, want)
	}
	const h = 1e-3
	for i := range logits.Data {
		orig := logits.Data[i]
		logits.Data[i] = orig + h
		up := loss(logits)
		logits.Data[i] = orig - h
		down := loss(logits)
		logits.Data[i] = orig
		fd := (up - down) / (2 * h)
		if g := float64(dOut.Data[i]); math.Abs(g-fd) > 1e-3*math.Max(1, math.Abs(fd)) {
			t.Errorf("∂L/∂logit[%d] = %v, finite difference %v", i, g, fd)
		}
	}
	if got.clipFrac != 4.0/6 {
		t.Errorf("clip fraction %v, want 4/6 (ratios 1.5, 0.6, 0.5, 1.4 lie outside [0.8, 1.2])", got.clipFrac)
	}
}

// TestAgent_BootstrapMatchesNextAct checks that the bootstrap value's
// latents are the ones the next Act infers from the same observation and
// memory, and that bootstrapping leaves the acting memory alone.
func TestAgent_BootstrapMatchesNextAct(t *testing.T) {
	cfg := smallConfig()
	cfg.ValueGrad = ValueGradPolicy
	a := newCartPoleAgent(t, cfg)
	rng := rand.New(rand.NewPCG(5, 6))
	obs := tensor.FromSlice(2, 4, []float32{0.01, 0.2, -0.03, 0.1, -0.02, 0, 0.04, -0.3})
	a.Act(nil, obs, false, rng)
	st := a.act
	next := []float32{0.02, 0.4, -0.01, -0.2, -0.03, 0.2, 0.03, -0.5}
	s := newPGScratch(a, 2, 4)
	before := st.prevS.Clone()
	a.bootstrap(s, st, next)
	if !sameBits(before, st.prevS) {
		t.Fatal("bootstrap changed the acting memory")
	}
	want := s.finS.Clone()
	a.Act(nil, tensor.FromSlice(2, 4, next), false, rng)
	if !sameBits(want, st.s) {
		t.Fatalf("bootstrap latents %v, Act inferred %v", want.Data, st.s.Data)
	}
	v := tensor.New(2, 1)
	a.V.Forward(v, st.pin)
	if !sameBits(v, s.finV) {
		t.Fatalf("bootstrap values %v, V̂ at the next policy input %v", s.finV.Data, v.Data)
	}
}

func TestNewAgent_PolicyGradientNeedsDiscrete(t *testing.T) {
	e, err := classic.Make("Pendulum-v1")
	if err != nil {
		t.Fatal(err)
	}
	cfg := smallConfig()
	cfg.ValueGrad = ValueGradPolicy
	_, err = NewAgent(cfg, e.ObservationSpace(), e.ActionSpace())
	if err == nil || !strings.Contains(err.Error(), "Discrete") {
		t.Fatalf("error %v, want one saying the estimator needs Discrete actions", err)
	}
	cfg.ValueGrad = ""
	cfg.ImagineHorizon = 2
	obsSp, actSp := classicSpaces(t, "CartPole-v1")
	if _, err := NewAgent(cfg, obsSp, actSp); err == nil || !strings.Contains(err.Error(), "imagine_horizon") {
		t.Fatalf("imagined rollouts with the policy-gradient default: error %v", err)
	}
	cfg.ImagineHorizon = 0
	cfg.ValueGrad = "reinforce"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "value_grad") {
		t.Fatalf("error %v, want one naming value_grad", err)
	}
}

// sameBits reports whether a and b have the same shape and bit-identical
// elements.
func sameBits(a, b *tensor.Mat) bool {
	if !tensor.SameShape(a, b) {
		return false
	}
	for i, v := range a.Data {
		if math.Float32bits(v) != math.Float32bits(b.Data[i]) {
			return false
		}
	}
	return true
}

// TestAgent_InfoRewardClosedForm checks i(s) = E_π[−H[p(s'|s,a)]] against
// the Gaussian entropy in closed form: with a fixed log-precision c on every
// latent dimension, −H = ½·d·(c − log 2πe) for d latent dimensions,
// whatever the state and the policy.
func TestAgent_InfoRewardClosedForm(t *testing.T) {
	for _, c := range []float32{0, 1.5} {
		cfg := smallConfig()
		cfg.World.LogPrecInit = c
		a := newCartPoleAgent(t, cfg)
		const B = 3
		S := tensor.New(B, a.sDim)
		rng := rand.New(rand.NewPCG(7, 8))
		for i := range S.Data {
			S.Data[i] = float32(rng.NormFloat64())
		}
		logits := tensor.FromSlice(B, 2, []float32{0.3, -1, 2, 0, -0.5, -0.5})
		f := a.World.NewFilter(B)
		f.NoObs = true
		negH := make([]float32, B)
		a.infoReward(negH, f, S, logits, tensor.New(B, 2), nil, nil, nil, rng)
		want := 0.5 * float64(a.sDim) * (float64(c) - math.Log(2*math.Pi*math.E))
		for b, v := range negH {
			if math.Abs(float64(v)-want) > 1e-5*math.Abs(want) {
				t.Errorf("log-precision %v, row %d: i(s) = %v, want %v", c, b, v, want)
			}
		}
	}
}

func TestAgent_PolicyNormUpdatesWhileTrainingAndIsSaved(t *testing.T) {
	cfg := smallConfig()
	cfg.PolicyNorm = true
	a := newCartPoleAgent(t, cfg)
	rng := rand.New(rand.NewPCG(1, 1))
	obs := tensor.FromSlice(2, 4, []float32{0.01, 0.2, -0.03, 0.1, -0.02, 0, 0.04, -0.3})
	c0 := a.pnorm.Count
	a.Act(nil, obs, false, rng)
	if a.pnorm.Count != c0 {
		t.Fatal("acting outside training updated the statistics")
	}
	a.training = true
	a.Act(nil, obs, false, rng)
	a.Act(nil, obs, false, rng)
	a.training = false
	if got := a.pnorm.Count - c0; math.Abs(got-4) > 1e-9 {
		t.Fatalf("statistics merged %v rows, want 4", got)
	}
	// The observation columns saw each row twice: mean of rows 1 and 2.
	if m := a.pnorm.Mean[0]; math.Abs(m-(0.01-0.02)/2) > 1e-4 {
		t.Errorf("running mean of x[0] = %v, want ≈ %v", m, (0.01-0.02)/2)
	}
	// Normalised inputs are what the policy reads.
	p := tensor.New(2, a.polIn)
	a.policyInput(p, obs, a.act.s)
	for b := 0; b < 2; b++ {
		if v, raw := p.At(b, 0), obs.At(b, 0); math.Abs(float64(v)-(float64(raw)-a.pnorm.Mean[0])/math.Sqrt(a.pnorm.Var[0]+1e-8)) > 1e-4 {
			t.Errorf("row %d: normalised x[0] = %v", b, v)
		}
	}
	b2 := newCartPoleAgent(t, cfg)
	if err := b2.Load(a.Tensors()); err != nil {
		t.Fatal(err)
	}
	for i := range a.pnorm.Mean {
		if math.Abs(b2.pnorm.Mean[i]-a.pnorm.Mean[i]) > 1e-6 || math.Abs(b2.pnorm.Var[i]-a.pnorm.Var[i]) > 1e-6*math.Max(1, a.pnorm.Var[i]) {
			t.Fatalf("dimension %d: loaded statistics differ", i)
		}
	}
	noStats := smallConfig()
	plain := newCartPoleAgent(t, noStats)
	if err := b2.Load(plain.Tensors()); err == nil || !strings.Contains(err.Error(), "policy_norm") {
		t.Fatalf("loading a checkpoint without statistics: error %v", err)
	}
}

func classicSpaces(t *testing.T, id string) (env.Space, env.Space) {
	t.Helper()
	e, err := classic.Make(id)
	if err != nil {
		t.Fatal(err)
	}
	return e.ObservationSpace(), e.ActionSpace()
}

// TestAgent_PolicyNormWindow checks the exponentially weighted statistics:
// after a step change of the input from 0 to c, the mean after k rows is
// c·(1 − (1 − α)^k) with α = 1/W (closed form of μ ← μ + α(c − μ)).
func TestAgent_PolicyNormWindow(t *testing.T) {
	cfg := smallConfig()
	cfg.PolicyNorm = true
	cfg.PolicyNormWindow = 10
	a := newCartPoleAgent(t, cfg)
	x := make([]float32, a.polIn)
	for range 500 {
		a.updateNorm(x) // zeros: μ → 0, σ² → 0
	}
	const c = 2.0
	for i := range x {
		x[i] = c
	}
	const k = 7
	for range k {
		a.updateNorm(x)
	}
	want := c * (1 - math.Pow(0.9, k))
	if got := a.pnorm.Mean[0]; math.Abs(got-want) > 1e-9 {
		t.Fatalf("mean after %d rows = %v, want %v", k, got, want)
	}
	if v := a.pnorm.Var[0]; !(v > 0) {
		t.Fatalf("variance %v after a step change, want > 0", v)
	}
	cfg.PolicyNormWindow = -1
	if err := cfg.Validate(); err == nil {
		t.Error("a negative window was accepted")
	}
}
