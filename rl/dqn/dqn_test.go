package dqn

import (
	"github.com/vfe-go/vfe/rl/internal/offpolicy"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/classic"
	"github.com/vfe-go/vfe/env/wrap"
	"github.com/vfe-go/vfe/internal/gradcheck"
	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/optim"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/tensor"
)

// constEnv is an infinite-horizon task with one constant observation and
// reward 1 per step whatever the action: V = Q = 1/(1−γ) exactly.
type constEnv struct{ obs []float32 }

func (e *constEnv) ObservationSpace() env.Space { return env.UniformBox(-1, 1, 1) }
func (e *constEnv) ActionSpace() env.Space      { return env.Discrete{N: 2} }
func (e *constEnv) Reset(*rand.Rand) []float32  { e.obs = []float32{1}; return e.obs }
func (e *constEnv) Step(a []float32) env.Step   { return env.Step{Obs: e.obs, Reward: 1} }
func makeConst(limit int) rl.EnvMaker {
	return func() (env.Env, error) { return wrap.NewTimeLimit(&constEnv{}, limit), nil }
}

// memLogger keeps every metric in order.
type memLogger struct {
	steps []int
	ms    []rl.Metric
}

func (m *memLogger) Log(step int, ms ...rl.Metric) error {
	for _, x := range ms {
		m.steps = append(m.steps, step)
		m.ms = append(m.ms, x)
	}
	return nil
}

// without returns the metrics whose key is not key (wall-clock ones vary).
func (m *memLogger) without(key string) []rl.Metric {
	var out []rl.Metric
	for _, x := range m.ms {
		if x.Key != key {
			out = append(out, x)
		}
	}
	return out
}

func (m *memLogger) last(key string) float64 {
	v := math.NaN()
	for _, x := range m.ms {
		if x.Key == key {
			v = x.Value
		}
	}
	return v
}

func TestConfig_Validate(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		if err := DefaultConfig().Validate(); err != nil {
			t.Fatal(err)
		}
		c, ok := ZooConfig("CartPole-v1")
		if !ok || c.Validate() != nil || c.TotalTimesteps != 50_000 {
			t.Fatalf("zoo CartPole-v1: %+v %v", c, ok)
		}
		if _, ok := ZooConfig("Pendulum-v1"); ok {
			t.Fatal("zoo has no DQN config for Pendulum-v1")
		}
	})
	for name, mut := range map[string]func(*Config){
		"gamma":   func(c *Config) { c.Gamma = 1.5 },
		"tau":     func(c *Config) { c.Tau = 0 },
		"batch":   func(c *Config) { c.BatchSize = 0 },
		"eps":     func(c *Config) { c.ExplorationFinalEps = -0.1 },
		"hidden":  func(c *Config) { c.Hidden = []int{0} },
		"huber":   func(c *Config) { c.HuberDelta = math.NaN() },
		"lr":      func(c *Config) { c.LearningRate = 0 },
		"buffer":  func(c *Config) { c.NumEnvs, c.BufferSize = 4, 2 },
		"grad":    func(c *Config) { c.MaxGradNorm = 0 },
		"steps":   func(c *Config) { c.TotalTimesteps = 0 },
		"fracion": func(c *Config) { c.ExplorationFraction = 0 },
	} {
		t.Run(name, func(t *testing.T) {
			c := DefaultConfig()
			mut(&c)
			if c.Validate() == nil {
				t.Fatalf("Validate accepted %+v", c)
			}
		})
	}
}

func TestConfig_Epsilon(t *testing.T) {
	c := DefaultConfig()
	c.TotalTimesteps, c.ExplorationFraction, c.ExplorationInitialEps, c.ExplorationFinalEps = 1000, 0.1, 1, 0.04
	// Hand calculation: linear from 1 at step 0 to 0.04 at step 100.
	for _, tc := range []struct {
		step int
		want float64
	}{{0, 1}, {50, 0.52}, {100, 0.04}, {999, 0.04}} {
		if got := c.Epsilon(tc.step); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Epsilon(%d) = %v, want %v", tc.step, got, tc.want)
		}
	}
}

func TestTDLoss(t *testing.T) {
	t.Run("hand", func(t *testing.T) {
		// q(0,1) − y = 0.5 (quadratic: ½·0.25), q(1,0) − y = −3 (linear:
		// 1·(3 − ½)), mean over B = 2: (0.125 + 2.5)/2.
		q := tensor.FromSlice(2, 2, []float32{9, 1.5, -2, 4})
		g := tensor.New(2, 2)
		got := TDLoss(g, q, []int{1, 0}, []float32{1, 1}, 1)
		if math.Abs(got-1.3125) > 1e-7 {
			t.Fatalf("loss %v, want 1.3125", got)
		}
		want := []float32{0, 0.25, -0.5, 0} // clip(x, ±1)/B
		if !slices.Equal(g.Data, want) {
			t.Fatalf("grad %v, want %v", g.Data, want)
		}
		// δ = 0 is ½x²: (0.125 + 4.5)/2.
		if got := TDLoss(nil, q, []int{1, 0}, []float32{1, 1}, 0); math.Abs(got-2.3125) > 1e-7 {
			t.Fatalf("squared loss %v, want 2.3125", got)
		}
	})
	for _, delta := range []float64{0, 1, 0.3} {
		t.Run("fd", func(t *testing.T) {
			rng := testrand.New(3)
			q := tensor.New(5, 3).RandN(rng, 2)
			acts := []int{0, 2, 1, 1, 0}
			y := []float32{0.5, -1, 2, 0.1, 3}
			g := tensor.New(5, 3)
			TDLoss(g, q, acts, y, delta)
			num := gradcheck.Numeric(func(x []float64) float64 {
				qq := tensor.New(5, 3)
				gradcheck.Set32(qq.Data, x)
				return TDLoss(nil, qq, acts, y, delta)
			}, gradcheck.F32(q.Data), 1e-3)
			if err := gradcheck.Compare(gradcheck.F32(g.Data), num, 1e-4, 1e-3); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestTDTargets(t *testing.T) {
	qNext := tensor.FromSlice(3, 2, []float32{1, 3, 5, 2, 4, 4})
	qOn := tensor.FromSlice(3, 2, []float32{0, 1, 0, 1, 1, 0})
	r := []float32{1, 1, 1}
	term := []bool{false, false, true}
	y := make([]float32, 3)
	// Hand calculation, γ = 0.5: max rows 3 and 5, terminal row has no bootstrap.
	TDTargets(y, r, term, qNext, nil, 0.5)
	if want := []float32{2.5, 3.5, 1}; !slices.Equal(y, want) {
		t.Fatalf("DQN targets %v, want %v", y, want)
	}
	// Double DQN picks the online argmax: columns 1 and 1 → 3 and 2.
	TDTargets(y, r, term, qNext, qOn, 0.5)
	if want := []float32{2.5, 2, 1}; !slices.Equal(y, want) {
		t.Fatalf("double DQN targets %v, want %v", y, want)
	}
}

func tinyConfig() Config {
	c := DefaultConfig()
	c.TotalTimesteps, c.Hidden, c.LearningRate = 3000, []int{16}, 3e-3
	c.LearningStarts, c.BatchSize, c.TrainFreq, c.GradientSteps = 100, 32, 4, 4
	c.TargetUpdateInterval, c.BufferSize = 50, 5000
	return c
}

func TestTrain_TruncationBootstraps(t *testing.T) {
	// Under a 5-step time limit with γ = 0.9 the only fixed point of the TD
	// targets that bootstrap at truncations is Q = 1/(1−γ) = 10; treating
	// truncation as terminal would give 1/(1 − 0.8γ) ≈ 3.6 (one step in
	// five would not bootstrap).
	for _, double := range []bool{false, true} {
		c := tinyConfig()
		c.Gamma, c.DoubleDQN, c.TotalTimesteps, c.HuberDelta = 0.9, double, 4000, 0
		a, err := Train(c, 1, rl.TrainOptions{MakeEnv: makeConst(5)})
		if err != nil {
			t.Fatal(err)
		}
		q := a.Q.Forward(nil, tensor.FromSlice(1, 1, []float32{1}))
		for _, v := range q.Data {
			if math.Abs(float64(v)-10) > 1 {
				t.Fatalf("double=%v: Q = %v, want ≈ 10 = 1/(1−γ)", double, q.Data)
			}
		}
	}
}

func TestTrain_Deterministic(t *testing.T) {
	c := tinyConfig()
	c.TotalTimesteps, c.NumEnvs = 1500, 2
	mk := func() (env.Env, error) { return classic.Make("CartPole-v1") }
	var runs [2]*memLogger
	for k := range runs {
		runs[k] = &memLogger{}
		if _, err := Train(c, 7, rl.TrainOptions{MakeEnv: mk, Logger: runs[k], EvalEvery: 500, EvalEpisodes: 2, Workers: twoWorkers(t, k)}); err != nil {
			t.Fatal(err)
		}
	}
	a, b := runs[0].without("charts/sps"), runs[1].without("charts/sps")
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Fatalf("runs with one seed, one worker and two, differ (%d vs %d metrics)", len(a), len(b))
	}
	for _, key := range []string{"charts/episodic_return", "losses/td_loss", "eval/mean_return", "charts/epsilon"} {
		if math.IsNaN(runs[0].last(key)) {
			t.Errorf("metric %s never logged", key)
		}
	}
}

func TestLearner_UpdateAllocs(t *testing.T) {
	c := tinyConfig()
	c.DoubleDQN = true
	a, err := newAgent(c, env.UniformBox(-1, 1, 4), env.Discrete{N: 2}, testrand.New(1))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := newLearner(c, a)
	if err != nil {
		t.Fatal(err)
	}
	rng := testrand.New(2)
	buf := rl.NewReplayBuffer(100, 1, 4, 1)
	for i := 0; i < 50; i++ {
		o := []float32{rng.Float32(), rng.Float32(), rng.Float32(), rng.Float32()}
		buf.Add(o, []float32{float32(i % 2)}, o, []float64{1}, []bool{i%7 == 0}, []bool{false}, nil)
	}
	noop := func(float64, float64) {}
	if err := ln.train(buf, rng, noop); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(20, func() { ln.train(buf, rng, noop) }); n != 0 {
		t.Fatalf("a training phase allocates %v times", n)
	}
	obs := tensor.New(1, 4)
	act := tensor.New(1, 1)
	a.Act(act, obs, false, rng)
	if n := testing.AllocsPerRun(20, func() { a.Act(act, obs, false, rng) }); n != 0 {
		t.Fatalf("Act allocates %v times", n)
	}
}

func TestAgent_Load(t *testing.T) {
	c := tinyConfig()
	obsS, actS := env.UniformBox(-1, 1, 4), env.Discrete{N: 3}
	a, _ := newAgent(c, obsS, actS, testrand.New(1))
	b, err := NewAgent(c, obsS, actS)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Load(a.Tensors()); err != nil {
		t.Fatal(err)
	}
	obs := tensor.New(6, 4).RandN(testrand.New(5), 1)
	qa, qb := a.Q.Forward(nil, obs), b.Q.Forward(nil, obs)
	if !slices.Equal(qa.Data, qb.Data) {
		t.Fatal("loaded agent computes different Q-values")
	}
	c2 := c
	c2.Hidden = []int{8}
	d, _ := NewAgent(c2, obsS, actS)
	if err := d.Load(a.Tensors()); err == nil {
		t.Fatal("Load accepted tensors of another network shape")
	}
	if _, err := NewAgent(c, obsS, env.UniformBox(-1, 1, 1)); err == nil {
		t.Fatal("NewAgent accepted a Box action space")
	}
}

func TestTrain_CartPole(t *testing.T) {
	if testing.Short() {
		t.Skip("learning smoke test")
	}
	// The zoo configuration reaches the 500-step cap on CartPole-v1 within
	// its 50k-step budget; the smoke test asks for a clear rise in 40k
	// steps with a smaller network.
	c, _ := ZooConfig("CartPole-v1")
	c.TotalTimesteps, c.Hidden = 40_000, []int{64, 64}
	mk := func() (env.Env, error) { return classic.Make("CartPole-v1") }
	log := &memLogger{}
	if _, err := Train(c, 1, rl.TrainOptions{MakeEnv: mk, Logger: log}); err != nil {
		t.Fatal(err)
	}
	if got := log.last("eval/mean_return"); !(got >= 300) {
		t.Fatalf("eval return %v after 40k steps, want ≥ 300 (random play gives ≈ 22)", got)
	}
}

func TestLoop_Evaluate(t *testing.T) {
	// constEnv pays 1 per step, so every episode under a 7-step limit
	// returns exactly 7: mean 7, population standard deviation 0.
	a, err := NewAgent(tinyConfig(), env.UniformBox(-1, 1, 1), env.Discrete{N: 2})
	if err != nil {
		t.Fatal(err)
	}
	mean, std, err := offpolicy.Evaluate(a, makeConst(7), 4, testrand.New(1))
	if err != nil || mean != 7 || std != 0 {
		t.Fatalf("evaluate = %v ± %v (%v), want 7 ± 0", mean, std, err)
	}
}

func TestTrain_StepAllocs(t *testing.T) {
	// One iteration of Train's collection: ε-greedy actions, the vector
	// env step and the replay insert.
	c := tinyConfig()
	e, _ := classic.Make("CartPole-v1")
	vec := env.NewVecEnv([]env.Env{e}, env.VecConfig{Workers: 1})
	defer vec.Close()
	rng := testrand.New(1)
	a, _ := newAgent(c, e.ObservationSpace(), e.ActionSpace(), rng)
	buf := rl.NewReplayBuffer(1000, 1, 4, 1)
	obs, qs, act := tensor.New(1, 4), tensor.New(1, 2), make([]float32, 1)
	vec.Reset(rng)
	step := func() {
		copy(obs.Data, vec.Obs)
		a.Q.Forward(qs, obs)
		greedy(act, qs, 0.1, rng)
		vec.Step(act)
		buf.Add(obs.Data, act, vec.Obs, vec.Rewards, vec.Terminated, vec.Truncated, vec.FinalObs)
	}
	step()
	if n := testing.AllocsPerRun(200, step); n != 0 {
		t.Fatalf("a collection step allocates %v times", n)
	}
}

// twoWorkers returns nil (one worker) for run 0 and a pool of two that
// splits every product for run 1, closed when the test ends: the runs must
// agree bit for bit.
func twoWorkers(t *testing.T, run int) *tensor.Workers {
	if run == 0 {
		return nil
	}
	w := tensor.NewWorkers(2)
	w.SetMinFLOPs(0)
	t.Cleanup(w.Close)
	return w
}

// TestLearner_trainMatchesStepwise checks the hoisted target pass: a
// training phase that samples its steps' batches up front and evaluates
// the target network once per distinct transition must leave the online
// network exactly as steps that each sample a batch and evaluate the
// target on all of it (the same random draws; rows independent in the
// products), for phases in one stacked batch and in several with a
// shorter last one, with and without double DQN, and from a buffer of two
// transitions (fewer distinct rows than a product takes).
func TestLearner_trainMatchesStepwise(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rows   int
		double bool
		stored int
	}{{"one stack", hoistRows, false, 300}, {"stacks of 3 steps", 3 * 32, false, 300},
		{"double, stacks of 3", 3 * 32, true, 300}, {"two transitions", hoistRows, false, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			c := tinyConfig()
			c.Hidden, c.GradientSteps, c.DoubleDQN = []int{64, 64}, 7, tc.double
			mk := func() *learner {
				a, err := newAgent(c, env.UniformBox(-1, 1, 4), env.Discrete{N: 3}, testrand.New(1))
				if err != nil {
					t.Fatal(err)
				}
				ln, err := newLearnerRows(c, a, tc.rows)
				if err != nil {
					t.Fatal(err)
				}
				ln.setWorkers(nil)
				return ln
			}
			hoisted, ref := mk(), mk()
			fill := testrand.New(3)
			buf := rl.NewReplayBuffer(500, 1, 4, 1)
			for i := 0; i < tc.stored; i++ {
				o := []float32{fill.Float32(), fill.Float32(), fill.Float32(), fill.Float32()}
				n := []float32{fill.Float32(), fill.Float32(), fill.Float32(), fill.Float32()}
				// Small rewards, so that the targets keep the last bits of
				// the target network's values.
				buf.Add(o, []float32{float32(i % 3)}, n, []float64{1e-3 * fill.Float64()}, []bool{i%11 == 0}, []bool{false}, nil)
			}
			// The reference: each step samples its batch and evaluates the
			// target network on all of it.
			bt := rl.NewBatch(c.BatchSize, 4, 1)
			qNext, y := tensor.New(c.BatchSize, 3), make([]float32, c.BatchSize)
			var lh, ls []float64
			r1, r2 := testrand.New(4), testrand.New(4)
			for range 2 {
				if err := hoisted.train(buf, r1, func(l, _ float64) { lh = append(lh, l) }); err != nil {
					t.Fatal(err)
				}
				for range c.GradientSteps {
					buf.Sample(bt, r2)
					ref.target.Forward(qNext, bt.NextObs)
					if !c.DoubleDQN {
						TDTargets(y, bt.Rewards, bt.Terminated, qNext, nil, c.Gamma)
					}
					l, _ := ref.update(bt, qNext, y)
					ls = append(ls, l)
				}
				optim.Polyak(hoisted.targetPs, hoisted.params, 1)
				optim.Polyak(ref.targetPs, ref.params, 1)
			}
			if len(lh) != 2*c.GradientSteps {
				t.Fatalf("%d steps, want %d", len(lh), 2*c.GradientSteps)
			}
			for i := range lh {
				if lh[i] != ls[i] {
					t.Fatalf("step %d: loss %v hoisted, %v stepwise", i, lh[i], ls[i])
				}
			}
			for i, p := range hoisted.params {
				for j, v := range p.Val.Data {
					if w := ref.params[i].Val.Data[j]; v != w {
						t.Fatalf("parameter %d[%d]: %v hoisted, %v stepwise", i, j, v, w)
					}
				}
			}
		})
	}
}
