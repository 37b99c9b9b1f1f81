package reinforce

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vfe-go/vfe/dist"
	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/classic"
	"github.com/vfe-go/vfe/env/wrap"
	"github.com/vfe-go/vfe/internal/gradcheck"
	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/optim"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/tensor"
)

func smallConfig() Config {
	c := DefaultConfig()
	c.Hidden = []int{5}
	return c
}

// TestState_policyBackward checks the REINFORCE loss gradient against
// central differences over every policy parameter and log σ.
func TestState_policyBackward(t *testing.T) {
	for _, discrete := range []bool{true, false} {
		t.Run(fmt.Sprintf("discrete=%v", discrete), func(t *testing.T) {
			rng := testrand.New(1)
			var act env.Space = env.Discrete{N: 3}
			if !discrete {
				act = env.UniformBox(-2, 2, 2)
			}
			ag, err := newAgent(smallConfig(), env.UniformBox(-5, 5, 3), act, rng)
			if err != nil {
				t.Fatal(err)
			}
			s := newState(ag, 1, 3, smallConfig())
			b := 7
			obs := tensor.New(b, 3).RandN(rng, 1)
			var a *tensor.Mat
			if discrete {
				a = tensor.New(b, 1)
				for i := range b {
					a.Data[i] = float32(rng.IntN(3))
				}
			} else {
				a = tensor.New(b, 2).RandN(rng, 1)
				ag.LogStd.Val.Data[0] = 0.3
			}
			phi := make([]float32, b)
			for i := range phi {
				phi[i] = float32(rng.NormFloat64())
			}
			const beta = 0.1
			ps := ag.PolicyParams()
			nn.ZeroGrad(ps)
			s.policyBackward(ag, obs, a, phi, beta)
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
			// The loss from its definition, in float64 from the float32
			// log-probs and entropies of the dist package.
			f := func(x []float64) float64 {
				set(x)
				out := forward(ag.Actor, nil, obs, ag.outDim)
				logp, ent := make([]float32, b), make([]float32, b)
				if discrete {
					c := dist.NewCategorical(out)
					c.LogProb(logp, dist.ActionIndices(nil, a))
					c.Entropy(ent)
				} else {
					g := dist.NewDiagGaussian(out, ag.LogStd.Val)
					g.LogProb(logp, a)
					g.Entropy(ent)
				}
				var l float64
				for i := range logp {
					l += -float64(phi[i])*float64(logp[i]) - beta*float64(ent[i])
				}
				return l / float64(b)
			}
			num := gradcheck.Numeric(f, x0, 1e-3)
			set(x0)
			if err := gradcheck.Compare(analytic, num, 2e-3, 2e-2); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestValueLoss(t *testing.T) {
	// ((1−2)² + (3−1)²)/2 = 2.5; gradient 2(v − G)/2 = (−1, 2).
	g := make([]float32, 2)
	if l := valueLoss(g, []float32{1, 3}, []float32{2, 1}); l != 2.5 || g[0] != -1 || g[1] != 2 {
		t.Errorf("loss %v grad %v, want 2.5, [-1 2]", l, g)
	}
	rng := testrand.New(2)
	v, r := make([]float32, 9), make([]float32, 9)
	for i := range v {
		v[i], r[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	g = make([]float32, 9)
	valueLoss(g, v, r)
	num := gradcheck.Numeric(func(x []float64) float64 {
		var l float64
		for i := range x {
			l += (x[i] - float64(r[i])) * (x[i] - float64(r[i]))
		}
		return l / float64(len(x))
	}, gradcheck.F32(v), 1e-6)
	if err := gradcheck.Compare(gradcheck.F32(g), num, 1e-6, 1e-4); err != nil {
		t.Error(err)
	}
}

func TestState_closeEpisode(t *testing.T) {
	// Rewards 1, 2, 3 with γ = 0.5 and boot 8: G_2 = 3 + 0.5·8 = 7,
	// G_1 = 2 + 3.5 = 5.5, G_0 = 1 + 2.75 = 3.75.
	ag, _ := NewAgent(smallConfig(), env.UniformBox(-1, 1, 1), env.Discrete{N: 2})
	s := newState(ag, 1, 1, smallConfig())
	s.pending[0] = episode{obs: []float32{0, 0, 0}, act: []float32{0, 1, 0}, rew: []float32{1, 2, 3}}
	s.closeEpisode(0, 8, 0.5)
	want := []float32{3.75, 5.5, 7}
	for i, w := range want {
		if s.bRet[i] != w {
			t.Fatalf("returns %v, want %v", s.bRet, want)
		}
	}
	if s.n != 3 || len(s.pending[0].rew) != 0 {
		t.Errorf("batch size %d and open episode %d, want 3 and 0", s.n, len(s.pending[0].rew))
	}
}

// constEnv: observation [1] and reward 1 forever; under a time limit of 10
// with γ = 0.9 the baseline must learn 1/(1−γ) = 10, which only holds when
// the truncated tail is bootstrapped from V̂(final observation).
type constEnv struct{ obs []float32 }

func (e *constEnv) ObservationSpace() env.Space { return env.UniformBox(-1, 1, 1) }
func (e *constEnv) ActionSpace() env.Space      { return env.Discrete{N: 2} }
func (e *constEnv) Reset(*rand.Rand) []float32  { return e.obs }
func (e *constEnv) Step([]float32) env.Step     { return env.Step{Obs: e.obs, Reward: 1} }

func TestTrain_truncationBootstrap(t *testing.T) {
	cfg := smallConfig()
	cfg.Hidden = []int{16}
	cfg.TotalTimesteps, cfg.NumEnvs, cfg.BatchSteps, cfg.Gamma = 30000, 4, 200, 0.9
	cfg.ValueLR, cfg.ValueIters = 1e-2, 5
	mk := func() (env.Env, error) { return wrap.NewTimeLimit(&constEnv{obs: []float32{1}}, 10), nil }
	ag, err := Train(cfg, 1, rl.TrainOptions{MakeEnv: mk})
	if err != nil {
		t.Fatal(err)
	}
	v := forward(ag.Critic, nil, tensor.FromSlice(1, 1, []float32{1}), 1)
	// Without bootstrapping the targets would average to ≈ 4.1
	// (Σ_k (1 − 0.9^k)/(1 − 0.9) / 10, k = 1..10).
	if math.Abs(float64(v.Data[0])-10) > 0.5 {
		t.Errorf("V̂ = %v, want 1/(1−γ) = 10", v.Data[0])
	}
}

type memLogger struct{ rows []string }

func (l *memLogger) Log(step int, ms ...rl.Metric) error {
	for _, m := range ms {
		if m.Key != "charts/sps" {
			l.rows = append(l.rows, fmt.Sprintf("%d %s %.17g", step, m.Key, m.Value))
		}
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

func cartPole() (env.Env, error) { return classic.Make("CartPole-v1") }

func TestTrain_deterministic(t *testing.T) {
	cfg, _ := ZooConfig("CartPole-v1")
	cfg.TotalTimesteps, cfg.BatchSteps, cfg.ValueIters = 3000, 500, 2
	two := tensor.NewWorkers(2)
	two.SetMinFLOPs(0)
	defer two.Close()
	var w *tensor.Workers
	run := func(seed uint64) string {
		l := &memLogger{}
		if _, err := Train(cfg, seed, rl.TrainOptions{MakeEnv: cartPole, Logger: l, EvalEvery: 1500, EvalEpisodes: 2, Workers: w}); err != nil {
			t.Fatal(err)
		}
		return strings.Join(l.rows, "\n")
	}
	a := run(3)
	w = two // the same run with the products' rows split between two workers
	if b := run(3); a != b {
		t.Error("same seed, different metrics (one worker and two)")
	}
	if run(3) == run(4) {
		t.Error("different seeds, same metrics")
	}
}

func TestTrain_noBaselineContinuous(t *testing.T) {
	// Φ choice (2) on a one-step bandit with reward −(a − 0.5)²: the
	// Gaussian mean must move to 0.5.
	cfg := smallConfig()
	cfg.Baseline = false
	cfg.TotalTimesteps, cfg.NumEnvs, cfg.BatchSteps, cfg.LearningRate = 40000, 8, 256, 1e-2
	mk := func() (env.Env, error) { return &banditEnv{obs: []float32{1}}, nil }
	ag, err := Train(cfg, 1, rl.TrainOptions{MakeEnv: mk})
	if err != nil {
		t.Fatal(err)
	}
	if ag.Critic != nil {
		t.Error("a critic without a baseline")
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
	// The CartPole-v1 settings at 60k steps: the policy passes 200 by then.
	cfg, _ := ZooConfig("CartPole-v1")
	cfg.TotalTimesteps = 60_000
	l := &memLogger{}
	if _, err := Train(cfg, 1, rl.TrainOptions{MakeEnv: cartPole, Logger: l}); err != nil {
		t.Fatal(err)
	}
	if r := l.last("eval/mean_return"); !(r >= 200) {
		t.Errorf("eval return %v after 60k steps, want ≥ 200", r)
	}
}

func TestTrain_allocs(t *testing.T) {
	cfg, _ := ZooConfig("CartPole-v1")
	cfg.ValueIters = 1
	envs := make([]env.Env, cfg.NumEnvs)
	for i := range envs {
		envs[i], _ = cartPole()
	}
	vec := env.NewVecEnv(envs, env.VecConfig{Workers: 1})
	defer vec.Close()
	rng := testrand.New(1)
	ag, _ := newAgent(cfg, envs[0].ObservationSpace(), envs[0].ActionSpace(), rng)
	s := newState(ag, cfg.NumEnvs, 4, cfg)
	vec.Reset(rng)
	step := func() {
		s.obs = tensor.Mat{Rows: cfg.NumEnvs, Cols: 4, Data: vec.Obs}
		s.sample(ag, rng)
		s.record(vec.Obs, s.raw.Data)
		vec.Step(s.act.Data)
		for i := range cfg.NumEnvs {
			s.pending[i].rew = append(s.pending[i].rew, float32(vec.Rewards[i]))
			if vec.Terminated[i] || vec.Truncated[i] {
				s.closeEpisode(i, s.value(ag, vec.FinalObs[i*4:(i+1)*4]), cfg.Gamma)
			}
		}
	}
	// Warm up: the episode and batch slices grow to their working sizes.
	for range 2000 {
		step()
	}
	s.n, s.bObs, s.bAct, s.bRet = 0, s.bObs[:0], s.bAct[:0], s.bRet[:0]
	if n := testing.AllocsPerRun(200, step); n != 0 {
		t.Errorf("env step: %v allocations, want 0", n)
	}
	// A 32-transition batch: gonum's pure-Go GEMM allocates goroutines for
	// large products; OpenBLAS never does.
	piOpt, _ := optim.NewAdam(ag.PolicyParams(), optim.DefaultAdamConfig())
	vOpt, _ := optim.NewAdam(ag.Critic.Params(), optim.DefaultAdamConfig())
	fill := func() {
		for s.n < 32 {
			step()
		}
		s.n = 32
	}
	fill()
	s.update(ag, piOpt, vOpt, ag.PolicyParams(), cfg)
	ps := ag.PolicyParams()
	if n := testing.AllocsPerRun(20, func() {
		s.n = 32
		s.bObs, s.bAct, s.bRet = s.bObs[:32*4], s.bAct[:32], s.bRet[:32]
		s.update(ag, piOpt, vOpt, ps, cfg)
	}); n != 0 {
		t.Errorf("update: %v allocations, want 0", n)
	}
}

func TestAgent_Load(t *testing.T) {
	a, _ := newAgent(DefaultConfig(), env.UniformBox(-1, 1, 3), env.UniformBox(-1, 1, 2), testrand.New(5))
	b, _ := NewAgent(DefaultConfig(), env.UniformBox(-1, 1, 3), env.UniformBox(-1, 1, 2))
	if err := b.Load(a.Tensors()); err != nil {
		t.Fatal(err)
	}
	obs := tensor.New(2, 3).RandN(testrand.New(6), 1)
	ya, yb := a.Act(nil, obs, true, nil), b.Act(nil, obs, true, nil)
	for i := range ya.Data {
		if ya.Data[i] != yb.Data[i] {
			t.Fatalf("loaded agent acts %v, original %v", yb.Data, ya.Data)
		}
	}
	if err := b.Load(nil); err == nil {
		t.Error("loading nothing succeeded")
	}
}

func TestConfig_Validate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Error(err)
	}
	for _, mod := range []func(*Config){
		func(c *Config) { c.BatchSteps = 0 },
		func(c *Config) { c.Gamma = -0.1 },
		func(c *Config) { c.ValueIters = 0 },
		func(c *Config) { c.LearningRate = 0 },
	} {
		c := DefaultConfig()
		mod(&c)
		if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), "reinforce: ") {
			t.Errorf("invalid config: error %v", err)
		}
	}
	c := DefaultConfig()
	c.Baseline, c.ValueIters = false, 0
	if err := c.Validate(); err != nil {
		t.Errorf("value_iters is ignored without a baseline: %v", err)
	}
}
