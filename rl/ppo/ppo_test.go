package ppo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/classic"
	"github.com/vfe-go/vfe/env/wrap"
	"github.com/vfe-go/vfe/internal/gradcheck"
	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/tensor"
)

func TestClippedSurrogate(t *testing.T) {
	t.Run("hand values", func(t *testing.T) {
		// ε = 0.2. Row 0: r = 1, A = 2 → −2 (both terms equal), grad −2/3.
		// Row 1: r = e^0.5 ≈ 1.6487, A = 1 → max(−1.6487, −1.2) = −1.2, clipped, grad 0.
		// Row 2: r = e^0.5, A = −1 → max(1.6487, 1.2) = 1.6487, unclipped, grad +1.6487/3.
		lr := []float32{0, 0.5, 0.5}
		adv := []float32{2, 1, -1}
		g := make([]float32, 3)
		loss, cf := ClippedSurrogate(g, lr, adv, 0.2)
		e := math.Exp(0.5)
		want := (-2 - 1.2 + e) / 3
		if math.Abs(loss-want) > 1e-6 || math.Abs(cf-2.0/3) > 1e-12 {
			t.Errorf("loss, clipfrac = %v, %v; want %v, 2/3", loss, cf, want)
		}
		wg := []float64{-2.0 / 3, 0, e / 3}
		if err := gradcheck.Compare(gradcheck.F32(g), wg, 1e-6, 1e-6); err != nil {
			t.Error(err)
		}
	})
	t.Run("finite differences", func(t *testing.T) {
		rng := testrand.New(1)
		b := 16
		lr, adv := make([]float32, b), make([]float32, b)
		for i := range lr {
			lr[i] = float32(rng.NormFloat64() * 0.3)
			adv[i] = float32(rng.NormFloat64())
		}
		g := make([]float32, b)
		ClippedSurrogate(g, lr, adv, 0.2)
		// d/dlogπ = d/dlogRatio: FD over the log-ratios, evaluated in float64
		// (kinks at |r − 1| = ε are avoided by the random draw with
		// probability 1 at this step size).
		f := func(x []float64) float64 {
			var s float64
			for i, l := range x {
				r := math.Exp(l)
				a := float64(adv[i])
				s += max(-a*r, -a*min(max(r, 0.8), 1.2))
			}
			return s / float64(len(x))
		}
		num := gradcheck.Numeric(f, gradcheck.F32(lr), 1e-6)
		if err := gradcheck.Compare(gradcheck.F32(g), num, 1e-6, 1e-4); err != nil {
			t.Error(err)
		}
	})
}

func TestValueLoss(t *testing.T) {
	t.Run("hand values", func(t *testing.T) {
		v, old, ret := []float32{1, 3, 0}, []float32{1, 1, 0}, []float32{2, 2, 0.5}
		g := make([]float32, 3)
		// Unclipped: ((1−2)² + (3−2)² + (0−0.5)²)/3 = 2.25/3.
		if l := ValueLoss(g, v, old, ret, 0); math.Abs(l-0.75) > 1e-7 {
			t.Errorf("loss %v, want 0.75", l)
		}
		if err := gradcheck.Compare(gradcheck.F32(g), []float64{-2.0 / 3, 2.0 / 3, -1.0 / 3}, 1e-6, 0); err != nil {
			t.Error(err)
		}
		// clip 0.5: row 1 becomes 1 + 0.5 = 1.5 → (1.5−2)² = 0.25, grad 0.
		if l := ValueLoss(g, v, old, ret, 0.5); math.Abs(l-(1+0.25+0.25)/3) > 1e-7 {
			t.Errorf("clipped loss %v, want 0.5", l)
		}
		if g[1] != 0 {
			t.Errorf("clipped row gradient %v, want 0", g[1])
		}
	})
	t.Run("finite differences", func(t *testing.T) {
		rng := testrand.New(2)
		b := 12
		v, old, ret := make([]float32, b), make([]float32, b), make([]float32, b)
		for i := range v {
			v[i], old[i], ret[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		for _, c := range []float64{0, 0.3} {
			g := make([]float32, b)
			ValueLoss(g, v, old, ret, c)
			f := func(x []float64) float64 {
				var s float64
				for i, p := range x {
					o := float64(old[i])
					if c > 0 {
						p = o + min(max(p-o, -c), c)
					}
					s += (p - float64(ret[i])) * (p - float64(ret[i]))
				}
				return s / float64(len(x))
			}
			num := gradcheck.Numeric(f, gradcheck.F32(v), 1e-6)
			if err := gradcheck.Compare(gradcheck.F32(g), num, 1e-6, 1e-4); err != nil {
				t.Errorf("clip %v: %v", c, err)
			}
		}
	})
}

// testSpaces returns a 3-dimensional Box observation space and, for
// discrete, a Discrete(3) action space, else a 2-dimensional Box in [−2, 2].
func testSpaces(discrete bool) (env.Space, env.Space) {
	obs := env.UniformBox(-5, 5, 3)
	if discrete {
		return obs, env.Discrete{N: 3}
	}
	return obs, env.UniformBox(-2, 2, 2)
}

// TestScratch_actorBackward checks the policy-gradient loss L^CLIP − β·H
// against central differences over every actor parameter and log σ.
func TestScratch_actorBackward(t *testing.T) {
	for _, discrete := range []bool{true, false} {
		t.Run(fmt.Sprintf("discrete=%v", discrete), func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Hidden = []int{5}
			cfg.OrthoInit = false
			cfg.BatchSize = 8
			cfg.NumSteps = 8
			obsS, actS := testSpaces(discrete)
			rng := testrand.New(3)
			ag, err := newAgent(cfg, obsS, actS, rng)
			if err != nil {
				t.Fatal(err)
			}
			if !discrete {
				ag.LogStd.Val.Data[0], ag.LogStd.Val.Data[1] = -0.3, 0.2
			}
			s := newScratch(ag, 1, 3, cfg)
			m := 8
			mb := &rl.RolloutBatch{Obs: tensor.New(m, 3).RandN(rng, 1), LogProbs: make([]float32, m), Advantages: make([]float32, m)}
			if discrete {
				mb.Actions = tensor.New(m, 1)
				for i := range m {
					mb.Actions.Data[i] = float32(rng.IntN(3))
				}
			} else {
				mb.Actions = tensor.New(m, 2).RandN(rng, 1)
			}
			// Old log-probs near the current ones so that some ratios are
			// clipped and some are not.
			s.actorForward(ag, mb)
			for i := range m {
				mb.LogProbs[i] = s.newLogp[i] + float32(rng.NormFloat64()*0.3)
				mb.Advantages[i] = float32(rng.NormFloat64())
			}
			const clip, beta = 0.2, 0.05
			var ps []*nn.Param
			ps = append(ps, ag.Actor.Params()...)
			if !discrete {
				ps = append(ps, ag.LogStd)
			}
			nn.ZeroGrad(ps)
			s.actorForward(ag, mb)
			s.actorBackward(ag, mb, clip, beta)
			var analytic, x0 []float64
			for _, p := range ps {
				analytic = append(analytic, gradcheck.F32(p.Grad.Data)...)
				x0 = append(x0, gradcheck.F32(p.Val.Data)...)
			}
			set := func(x []float64) {
				o := 0
				for _, p := range ps {
					gradcheck.Set32(p.Val.Data, x[o:o+len(p.Val.Data)])
					o += len(p.Val.Data)
				}
			}
			f := func(x []float64) float64 {
				set(x)
				s.actorForward(ag, mb)
				g := make([]float32, m)
				pg, _ := ClippedSurrogate(g, s.logRatio[:m], mb.Advantages, clip)
				var h float64
				for _, e := range s.ent[:m] {
					h += float64(e)
				}
				return pg - beta*h/float64(m)
			}
			num := gradcheck.Numeric(f, x0, 1e-3)
			set(x0)
			if err := gradcheck.Compare(analytic, num, 2e-3, 2e-2); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestAgent_Act(t *testing.T) {
	t.Run("discrete mode and bounds", func(t *testing.T) {
		cfg := DefaultConfig()
		obsS, actS := testSpaces(true)
		ag, _ := NewAgent(cfg, obsS, actS)
		obs := tensor.New(4, 3).RandN(testrand.New(1), 1)
		a := ag.Act(nil, obs, true, nil)
		for i := range 4 {
			lg := tensor.New(1, 3)
			forward(ag.Actor, lg, obs.RowsView(i, i+1), 3)
			if int(a.Data[i]) != lg.ArgmaxRow(0) {
				t.Errorf("row %d: deterministic action %v, want argmax %d", i, a.Data[i], lg.ArgmaxRow(0))
			}
		}
	})
	t.Run("continuous clipped", func(t *testing.T) {
		cfg := DefaultConfig()
		cfg.LogStdInit = 3 // σ ≈ 20: most samples fall outside [−2, 2]
		obsS, actS := testSpaces(false)
		ag, _ := NewAgent(cfg, obsS, actS)
		a := ag.Act(nil, tensor.New(64, 3), false, testrand.New(2))
		for _, v := range a.Data {
			if v < -2 || v > 2 {
				t.Fatalf("action %v outside the Box [−2, 2]", v)
			}
		}
	})
}

func TestAgent_Load(t *testing.T) {
	cfg := DefaultConfig()
	cfg.NormalizeObs = true
	obsS, actS := testSpaces(false)
	a, _ := newAgent(cfg, obsS, actS, testrand.New(1))
	a.norm.update(tensor.New(5, 3).RandN(testrand.New(2), 3))
	b, _ := NewAgent(cfg, obsS, actS)
	if err := b.Load(a.Tensors()); err != nil {
		t.Fatal(err)
	}
	obs := tensor.New(3, 3).RandN(testrand.New(3), 2)
	ya, yb := a.Act(nil, obs, true, nil), b.Act(nil, obs, true, nil)
	// The statistics are stored as float32, so actions agree to float32
	// rounding of the normalised inputs.
	if err := gradcheck.Compare(gradcheck.F32(ya.Data), gradcheck.F32(yb.Data), 1e-6, 1e-4); err != nil {
		t.Errorf("loaded agent acts %v, original %v", yb.Data, ya.Data)
	}
	if err := b.Load(a.Tensors()[1:]); err == nil || !strings.Contains(err.Error(), "lacks tensor") {
		t.Errorf("missing tensor: error %v", err)
	}
}

func TestObsNorm(t *testing.T) {
	// Two batches merged with the parallel-variance formula equal the
	// moments of the concatenation (plus the 1e-4 prior count of mean 0,
	// variance 1, which shifts them by O(1e-4)).
	n := newObsNorm(1)
	n.update(tensor.FromSlice(2, 1, []float32{1, 3}))
	n.update(tensor.FromSlice(3, 1, []float32{5, 7, 9}))
	// Samples 1,3,5,7,9: mean 5, population variance 8.
	if math.Abs(n.mean[0]-5) > 1e-3 || math.Abs(n.vr[0]-8) > 2e-3 || math.Abs(n.count-5.0001) > 1e-9 {
		t.Errorf("mean %v var %v count %v, want 5, 8, 5.0001", n.mean[0], n.vr[0], n.count)
	}
	out := n.apply(nil, tensor.FromSlice(1, 1, []float32{5 + 2*float32(math.Sqrt(8))}))
	if math.Abs(float64(out.Data[0])-2) > 1e-3 {
		t.Errorf("normalised %v, want 2", out.Data[0])
	}
}

func TestConfig_Validate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("default: %v", err)
	}
	for _, id := range []string{"CartPole-v1", "Pendulum-v1", "Acrobot-v1", "MountainCar-v0"} {
		c, ok := ZooConfig(id)
		if !ok {
			t.Errorf("no zoo config for %s", id)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	// rl-baselines3-zoo hyperparams/ppo.yml, CartPole-v1.
	c, _ := ZooConfig("CartPole-v1")
	if c.NumEnvs != 8 || c.NumSteps != 32 || c.BatchSize != 256 || c.Epochs != 20 || c.Gamma != 0.98 || c.Lambda != 0.8 || !c.AnnealLR || !c.AnnealClip {
		t.Errorf("CartPole zoo config %+v", c)
	}
	if _, ok := ZooConfig("Nope-v0"); ok {
		t.Error("zoo config for an unknown env")
	}
	for _, mod := range []func(*Config){
		func(c *Config) { c.NumEnvs = 0 },
		func(c *Config) { c.BatchSize = 1 << 20 },
		func(c *Config) { c.ClipRange = 1 },
		func(c *Config) { c.Gamma = 1.5 },
		func(c *Config) { c.Hidden = []int{0} },
		func(c *Config) { c.TargetKL = -1 },
	} {
		c := DefaultConfig()
		mod(&c)
		if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), "ppo: ") {
			t.Errorf("invalid config accepted or badly prefixed: %v", err)
		}
	}
}

// constEnv is an infinite-horizon task: the observation is always [1] and
// every step pays reward 1, whatever the action. Under a time limit its
// value is 1/(1−γ) only if truncation bootstraps; treating the cut-off as
// terminal gives the smaller (1 − γ^k)/(1 − γ), k steps before the limit.
type constEnv struct {
	obs []float32
	box *env.Box
	act env.Space
}

func newConstEnv(discrete bool) *constEnv {
	e := &constEnv{obs: []float32{1}, box: env.UniformBox(-1, 1, 1)}
	if discrete {
		e.act = env.Discrete{N: 2}
	} else {
		e.act = env.UniformBox(-1, 1, 1)
	}
	return e
}

func (e *constEnv) ObservationSpace() env.Space { return e.box }
func (e *constEnv) ActionSpace() env.Space      { return e.act }
func (e *constEnv) Reset(*rand.Rand) []float32  { return e.obs }
func (e *constEnv) Step([]float32) env.Step     { return env.Step{Obs: e.obs, Reward: 1} }

type memLogger struct{ rows []string }

func (l *memLogger) Log(step int, ms ...rl.Metric) error {
	for _, m := range ms {
		if m.Key == "charts/sps" { // wall clock
			continue
		}
		l.rows = append(l.rows, fmt.Sprintf("%d %s %.17g", step, m.Key, m.Value))
	}
	return nil
}

func (l *memLogger) last(key string) float64 {
	for i := len(l.rows) - 1; i >= 0; i-- {
		var step int
		var k string
		var v float64
		fmt.Sscanf(l.rows[i], "%d %s %g", &step, &k, &v)
		if k == key {
			return v
		}
	}
	return math.NaN()
}

func TestTrain_truncationBootstrap(t *testing.T) {
	// γ = 0.9, time limit 10: the critic must converge to 1/(1−0.9) = 10.
	// Without bootstrapping at truncation the targets would average
	// Σ_k (1 − 0.9^k)/(1 − 0.9) / 10 over k = 1..10 ≈ 4.1.
	cfg := DefaultConfig()
	cfg.TotalTimesteps, cfg.NumEnvs, cfg.NumSteps, cfg.BatchSize, cfg.Epochs = 6000, 4, 50, 50, 4
	cfg.Gamma, cfg.Lambda = 0.9, 0.9
	cfg.LearningRate, cfg.VFCoef, cfg.MaxGradNorm = 3e-3, 1, 0
	cfg.Hidden = []int{16}
	for _, discrete := range []bool{true, false} {
		t.Run(fmt.Sprintf("discrete=%v", discrete), func(t *testing.T) {
			mk := func() (env.Env, error) { return wrap.NewTimeLimit(newConstEnv(discrete), 10), nil }
			ag, err := Train(cfg, 1, rl.TrainOptions{MakeEnv: mk})
			if err != nil {
				t.Fatal(err)
			}
			v := tensor.New(1, 1)
			forward(ag.Critic, v, tensor.FromSlice(1, 1, []float32{1}), 1)
			if math.Abs(float64(v.Data[0])-10) > 0.5 {
				t.Errorf("V = %v, want 1/(1−γ) = 10", v.Data[0])
			}
		})
	}
}

func TestTrain_deterministic(t *testing.T) {
	cfg, _ := ZooConfig("CartPole-v1")
	cfg.TotalTimesteps, cfg.Epochs = 2048, 4
	mk := func() (env.Env, error) { return classic.Make("CartPole-v1") }
	w := tensor.NewWorkers(2)
	defer w.Close()
	run := func(seed uint64, w *tensor.Workers) []string {
		l := &memLogger{}
		if _, err := Train(cfg, seed, rl.TrainOptions{MakeEnv: mk, Logger: l, EvalEvery: 1024, EvalEpisodes: 2, Workers: w}); err != nil {
			t.Fatal(err)
		}
		return l.rows
	}
	a, b, c := run(5, nil), run(5, nil), run(6, nil)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Error("same seed, different metrics")
	}
	// Two threads: the critic runs on a goroutine of its own (when the
	// runtime has two procs); the arithmetic, and so the metrics, must not
	// change. Nor with one proc, where that goroutine is not started.
	prev := runtime.GOMAXPROCS(2)
	d := run(5, w)
	runtime.GOMAXPROCS(1)
	e := run(5, w)
	runtime.GOMAXPROCS(prev)
	if strings.Join(a, "\n") != strings.Join(d, "\n") {
		t.Error("the critic's own goroutine changed the metrics")
	}
	if strings.Join(a, "\n") != strings.Join(e, "\n") {
		t.Error("GOMAXPROCS=1 changed the metrics")
	}
	if strings.Join(a, "\n") == strings.Join(c, "\n") {
		t.Error("different seeds, same metrics")
	}
}

// TestTrain_continuousBandit: a one-step task with reward −(a − 0.5)²; PPO's
// Gaussian mean must move to the optimum a = 0.5.
func TestTrain_continuousBandit(t *testing.T) {
	cfg := DefaultConfig()
	cfg.TotalTimesteps, cfg.NumEnvs, cfg.NumSteps, cfg.BatchSize, cfg.Epochs = 20000, 8, 64, 128, 5
	cfg.LearningRate, cfg.Hidden = 3e-3, []int{16}
	mk := func() (env.Env, error) { return wrap.NewTimeLimit(&banditEnv{obs: []float32{1}}, 1000), nil }
	ag, err := Train(cfg, 1, rl.TrainOptions{MakeEnv: mk})
	if err != nil {
		t.Fatal(err)
	}
	a := ag.Act(nil, tensor.FromSlice(1, 1, []float32{1}), true, nil)
	if math.Abs(float64(a.Data[0])-0.5) > 0.1 {
		t.Errorf("mean action %v, want 0.5", a.Data[0])
	}
}

type banditEnv struct{ obs []float32 }

func (e *banditEnv) ObservationSpace() env.Space { return env.UniformBox(-1, 1, 1) }
func (e *banditEnv) ActionSpace() env.Space      { return env.UniformBox(-2, 2, 1) }
func (e *banditEnv) Reset(*rand.Rand) []float32  { return e.obs }
func (e *banditEnv) Step(a []float32) env.Step {
	d := float64(a[0]) - 0.5
	return env.Step{Obs: e.obs, Reward: -d * d, Terminated: true}
}

func TestTrain_cartPole(t *testing.T) {
	if testing.Short() {
		t.Skip("learning smoke test")
	}
	// rl-baselines3-zoo's CartPole-v1 config, cut to 30k steps: PPO
	// balances the pole far longer than the ≈ 10 steps of the untrained
	// deterministic policy by then (typically 200–500 of the 500-step limit).
	cfg, _ := ZooConfig("CartPole-v1")
	cfg.TotalTimesteps = 30_000
	mk := func() (env.Env, error) { return classic.Make("CartPole-v1") }
	l := &memLogger{}
	if _, err := Train(cfg, 1, rl.TrainOptions{MakeEnv: mk, Logger: l}); err != nil {
		t.Fatal(err)
	}
	if r := l.last("eval/mean_return"); !(r >= 150) {
		t.Errorf("eval return %v after 30k steps, want ≥ 150", r)
	}
}

func TestTrain_allocs(t *testing.T) {
	cfg, _ := ZooConfig("CartPole-v1")
	cfg.NormalizeObs = true
	// Minibatches of 32 rows: gonum's pure-Go GEMM starts goroutines (and
	// allocates) for large products, OpenBLAS never does.
	cfg.BatchSize = 32
	envs := make([]env.Env, cfg.NumEnvs)
	for i := range envs {
		envs[i], _ = classic.Make("CartPole-v1")
	}
	vec := env.NewVecEnv(envs, env.VecConfig{Workers: 1})
	defer vec.Close()
	rng := testrand.New(1)
	ag, _ := newAgent(cfg, envs[0].ObservationSpace(), envs[0].ActionSpace(), rng)
	opt, _ := newAdamFor(ag, cfg)
	buf := rl.NewRolloutBuffer(cfg.NumSteps, cfg.NumEnvs, 4, 1)
	s := newScratch(ag, cfg.NumEnvs, 4, cfg)
	vec.Reset(rng)
	s.observe(ag, vec.Obs)
	step := func() {
		if buf.Full() {
			buf.Reset()
		}
		s.policyStep(ag, rng)
		vec.Step(s.envAct.Data)
		s.finalValues(ag, vec)
		buf.Add(s.obsN.Data, s.bufAct.Data, s.logp, s.value.Data, vec.Rewards, vec.Terminated, vec.Truncated, s.finV)
		s.observe(ag, vec.Obs)
	}
	step()
	if n := testing.AllocsPerRun(100, step); n != 0 {
		t.Errorf("rollout step: %v allocations, want 0", n)
	}
	for !buf.Full() {
		step()
	}
	s.values(ag, s.obsN, s.lastV)
	buf.ComputeAdvantages(cfg.AdvantageConfig, s.lastV)
	cfg.Epochs = 1
	params := ag.Params()
	upd := func() { s.update(ag, buf, opt, params, cfg, 0.2, rng) }
	upd()
	if n := testing.AllocsPerRun(10, upd); n != 0 {
		t.Errorf("update epoch: %v allocations, want 0", n)
	}
	s.startCritic(ag, cfg)
	defer s.stopCritic()
	upd()
	if n := testing.AllocsPerRun(10, upd); n != 0 {
		t.Errorf("update epoch with the critic worker: %v allocations, want 0", n)
	}
}

// TestTrain_truncatedGAE trains with the seed's bias-corrected truncated
// estimator Ã(λ,T) on the constant-reward task: at V = 1/(1−γ) every TD
// error is 0, so Ã = 0 and the value targets equal V whatever the weights;
// the critic must still converge to 10 (bootstrapping at the time limit).
func TestTrain_truncatedGAE(t *testing.T) {
	cfg := DefaultConfig()
	cfg.TotalTimesteps, cfg.NumEnvs, cfg.NumSteps, cfg.BatchSize, cfg.Epochs = 6000, 4, 50, 50, 4
	cfg.Gamma, cfg.Lambda, cfg.Horizon, cfg.BiasCorrected = 0.9, 0.9, 5, true
	cfg.LearningRate, cfg.VFCoef, cfg.MaxGradNorm = 3e-3, 1, 0
	cfg.Hidden = []int{16}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	mk := func() (env.Env, error) { return wrap.NewTimeLimit(newConstEnv(true), 10), nil }
	ag, err := Train(cfg, 2, rl.TrainOptions{MakeEnv: mk})
	if err != nil {
		t.Fatal(err)
	}
	v := forward(ag.Critic, nil, tensor.FromSlice(1, 1, []float32{1}), 1)
	if math.Abs(float64(v.Data[0])-10) > 0.5 {
		t.Errorf("V = %v, want 1/(1−γ) = 10", v.Data[0])
	}
}
