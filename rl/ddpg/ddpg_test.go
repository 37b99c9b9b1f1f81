package ddpg

import (
	"github.com/vfe-go/vfe/rl/internal/rltest"
	"math"
	"slices"
	"testing"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/classic"
	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/tensor"
)

func tinyConfig(td3 bool) Config {
	c := DefaultConfig()
	c.TD3 = td3
	c.TotalTimesteps, c.Hidden, c.BatchSize, c.LearningStarts, c.BufferSize = 2000, []int{16}, 32, 100, 5000
	c.Tau, c.LearningRate = 0.05, 3e-3
	return c
}

// filledLearner returns a learner on constEnv-shaped data (obs 3, action 2)
// with a buffer of random transitions.
func filledLearner(t *testing.T, cfg Config) (*learner, *rl.ReplayBuffer) {
	t.Helper()
	rng := testrand.New(1)
	ag, err := newAgent(cfg, env.UniformBox(-1, 1, 3), env.UniformBox(-2, 2, 2), rng)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := newLearner(cfg, ag, rng)
	if err != nil {
		t.Fatal(err)
	}
	buf := rl.NewReplayBuffer(200, 1, 3, 2)
	for i := 0; i < 100; i++ {
		o := []float32{rng.Float32(), rng.Float32(), rng.Float32()}
		a := []float32{2*rng.Float32() - 1, 2*rng.Float32() - 1}
		buf.Add(o, a, o, []float64{rng.NormFloat64()}, []bool{i%9 == 0}, []bool{i%11 == 0}, nil)
	}
	return ln, buf
}

func TestConfig_Validate(t *testing.T) {
	for _, c := range []Config{DefaultConfig(), DefaultTD3Config()} {
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	c, ok := ZooTD3Config("Pendulum-v1")
	if !ok || !c.TD3 || c.Gamma != 0.98 || c.LearningStarts != 10_000 || c.Validate() != nil {
		t.Fatalf("zoo TD3 Pendulum-v1: %+v %v", c, ok)
	}
	if _, ok := ZooConfig("CartPole-v1"); ok {
		t.Fatal("zoo has no DDPG config for CartPole-v1")
	}
	for name, mut := range map[string]func(*Config){
		"tau":   func(c *Config) { c.Tau = 2 },
		"noise": func(c *Config) { c.ActionNoise = -1 },
		"delay": func(c *Config) { c.PolicyDelay = 0 },
		"clip":  func(c *Config) { c.TargetNoiseClip = math.Inf(1) },
		"gamma": func(c *Config) { c.Gamma = -0.1 },
		"batch": func(c *Config) { c.BatchSize = 0 },
	} {
		t.Run(name, func(t *testing.T) {
			c := DefaultTD3Config()
			mut(&c)
			if c.Validate() == nil {
				t.Fatalf("Validate accepted %+v", c)
			}
		})
	}
	if DefaultConfig().Critics() != 1 || DefaultTD3Config().Critics() != 2 || DefaultConfig().Delay() != 1 || DefaultTD3Config().Delay() != 2 {
		t.Fatal("DDPG has one critic and no delay; TD3 two critics and delay 2")
	}
}

func TestLearner_Gradients(t *testing.T) {
	for _, td3 := range []bool{false, true} {
		cfg := tinyConfig(td3)
		cfg.Hidden, cfg.BatchSize, cfg.Activation = []int{6, 5}, 8, tensor.Tanh
		ln, buf := filledLearner(t, cfg)
		bt := buf.Sample(ln.batch, testrand.New(4))
		ln.tdTargets(bt, testrand.New(5))
		t.Run("critic", func(t *testing.T) {
			loss := func() float64 { l, _ := ln.criticLossGrad(bt); return l }
			if err := rltest.ParamGradCheck(ln.criticPs, loss, func() { ln.criticLossGrad(bt) }, 1e-3, 1e-2); err != nil {
				t.Fatalf("td3=%v: %v", td3, err)
			}
		})
		t.Run("actor", func(t *testing.T) {
			// The actor loss −mean Q̂(s, μ_φ(s)) must leave the critic's
			// gradients alone.
			for _, p := range ln.criticPs {
				p.Grad.Zero()
			}
			loss := func() float64 { return ln.actorLossGrad(bt.Obs) }
			if err := rltest.ParamGradCheck(ln.actorPs, loss, func() { ln.actorLossGrad(bt.Obs) }, 1e-3, 1e-2); err != nil {
				t.Fatalf("td3=%v: %v", td3, err)
			}
			for _, p := range ln.criticPs {
				if tensor.SumSq(p.Grad.Data) != 0 {
					t.Fatal("actor loss touched a critic gradient")
				}
			}
		})
	}
}

func TestLearner_TDTargets(t *testing.T) {
	cfg := tinyConfig(true)
	cfg.TargetPolicyNoise = 0 // the target action is then μ'(s') exactly
	ln, buf := filledLearner(t, cfg)
	bt := buf.Sample(ln.batch, testrand.New(4))
	ln.tdTargets(bt, testrand.New(5))
	a := ln.actorTarget.Forward(nil, bt.NextObs)
	q1 := slices.Clone(ln.targets[0].Forward(bt.NextObs, a).Data)
	q2 := ln.targets[1].Forward(bt.NextObs, a).Data
	for i := range ln.y {
		want := float64(bt.Rewards[i]) // TD3's target: r + γ(1 − d)·min(Q'1, Q'2)
		if !bt.Terminated[i] {
			want += cfg.Gamma * math.Min(float64(q1[i]), float64(q2[i]))
		}
		if math.Abs(float64(ln.y[i])-want) > 1e-5 {
			t.Fatalf("y[%d] = %v, want %v (terminated %v)", i, ln.y[i], want, bt.Terminated[i])
		}
	}
	// With smoothing noise, ã stays in [−1, 1] and within c of μ'(s').
	cfg.TargetPolicyNoise, cfg.TargetNoiseClip = 5, 0.3
	ln.cfg = cfg
	ln.tdTargets(bt, testrand.New(6))
	for i, v := range ln.nextA.Data {
		if v < -1 || v > 1 || math.Abs(float64(v-a.Data[i])) > 0.3+1e-6 {
			t.Fatalf("smoothed target action %v from %v breaks the clip", v, a.Data[i])
		}
	}
}

func TestTrain_TruncationBootstraps(t *testing.T) {
	// Under a 5-step time limit with γ = 0.9, TD targets that bootstrap at
	// truncations have the fixed point Q = 1/(1−γ) = 10; treating the
	// truncation as terminal would give 1/(1 − 0.8γ) ≈ 3.6.
	for _, td3 := range []bool{false, true} {
		c := tinyConfig(td3)
		c.Gamma = 0.9
		_, ln, err := train(c, 1, rl.TrainOptions{MakeEnv: rltest.MakeConst(5)})
		if err != nil {
			t.Fatal(err)
		}
		obs := tensor.FromSlice(3, 1, []float32{1, 1, 1})
		act := tensor.FromSlice(3, 1, []float32{-1, 0, 1})
		for k, c := range ln.critics {
			for _, q := range c.Forward(obs, act).Data {
				if math.Abs(float64(q)-10) > 1 {
					t.Fatalf("td3=%v critic %d: Q = %v, want ≈ 10 = 1/(1−γ)", td3, k, q)
				}
			}
		}
	}
}

func TestTrain_Deterministic(t *testing.T) {
	c := tinyConfig(true)
	c.TotalTimesteps, c.NumEnvs = 600, 2
	mk := func() (env.Env, error) { return classic.Make("Pendulum-v1") }
	var runs [2]*rltest.MemLogger
	for k := range runs {
		runs[k] = &rltest.MemLogger{}
		if _, err := Train(c, 3, rl.TrainOptions{MakeEnv: mk, Logger: runs[k], EvalEvery: 400, EvalEpisodes: 1}); err != nil {
			t.Fatal(err)
		}
	}
	a, b := runs[0].Without("charts/sps"), runs[1].Without("charts/sps")
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Fatalf("runs with one seed differ (%d vs %d metrics)", len(a), len(b))
	}
	for _, key := range []string{"charts/episodic_return", "losses/qf_loss", "losses/actor_loss", "eval/mean_return"} {
		if math.IsNaN(runs[0].Last(key)) {
			t.Errorf("metric %s never logged", key)
		}
	}
}

func TestLearner_UpdateAllocs(t *testing.T) {
	for _, td3 := range []bool{false, true} {
		ln, buf := filledLearner(t, tinyConfig(td3))
		rng := testrand.New(2)
		ln.update(buf, rng)
		ln.update(buf, rng)
		if n := testing.AllocsPerRun(20, func() { ln.update(buf, rng) }); n != 0 {
			t.Fatalf("td3=%v: update allocates %v times", td3, n)
		}
	}
}

func TestAgent_Act(t *testing.T) {
	c := tinyConfig(false)
	obsS, actS := env.UniformBox(-1, 1, 3), env.NewBox([]float32{-2, 0}, []float32{2, 1})
	a, _ := newAgent(c, obsS, actS, testrand.New(1))
	obs := tensor.New(5, 3).RandN(testrand.New(2), 1)
	got := a.Act(nil, obs, true, nil)
	mu := a.Actor.Forward(nil, obs)
	for i, v := range got.Data {
		// Hand mapping of [−1, 1] onto [−2, 2] and [0, 1].
		want := 2 * mu.Data[i]
		if i%2 == 1 {
			want = 0.5 + 0.5*mu.Data[i]
		}
		if math.Abs(float64(v-want)) > 1e-6 {
			t.Fatalf("action %v, want %v", v, want)
		}
	}
	rng := testrand.New(3)
	noisy := a.Act(nil, obs, false, rng)
	for i, v := range noisy.Data {
		if !actS.Contains(noisy.Row(i / 2)) {
			t.Fatalf("noisy action %v leaves the box", v)
		}
	}
	dst := tensor.New(5, 2)
	if n := testing.AllocsPerRun(10, func() { a.Act(dst, obs, false, rng) }); n != 0 {
		t.Fatalf("Act allocates %v times", n)
	}
	b, _ := NewAgent(c, obsS, actS)
	if err := b.Load(a.Tensors()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b.Act(nil, obs, true, nil).Data, got.Data) {
		t.Fatal("loaded agent acts differently")
	}
	if _, err := NewAgent(c, obsS, env.Discrete{N: 2}); err == nil {
		t.Fatal("NewAgent accepted a Discrete action space")
	}
	if _, err := NewAgent(c, obsS, env.UniformBox(float32(math.Inf(-1)), 0, 1)); err == nil {
		t.Fatal("NewAgent accepted an unbounded action space")
	}
}

func TestTrain_Pendulum(t *testing.T) {
	if testing.Short() {
		t.Skip("learning smoke test")
	}
	mk := func() (env.Env, error) { return classic.Make("Pendulum-v1") }
	for _, td3 := range []bool{false, true} {
		c, _ := ZooConfig("Pendulum-v1")
		c.TD3 = td3
		c.TotalTimesteps, c.LearningStarts, c.Hidden, c.BatchSize = 6000, 1000, []int{64, 64}, 128
		log := &rltest.MemLogger{}
		if _, err := Train(c, 1, rl.TrainOptions{MakeEnv: mk, Logger: log}); err != nil {
			t.Fatal(err)
		}
		// A random policy scores about −1200 on Pendulum-v1.
		if got := log.Last("eval/mean_return"); !(got > -600) {
			t.Fatalf("td3=%v: eval return %v after 6000 steps, want > −600", td3, got)
		}
	}
}

func TestTrain_StepAllocs(t *testing.T) {
	// One iteration of Train's collection: μ(s) plus clipped noise, the
	// mapping onto the action box, the vector env step and the replay insert.
	c := tinyConfig(true)
	e, _ := classic.Make("Pendulum-v1")
	vec := env.NewVecEnv([]env.Env{e}, env.VecConfig{Workers: 1})
	defer vec.Close()
	rng := testrand.New(1)
	a, _ := newAgent(c, e.ObservationSpace(), e.ActionSpace(), rng)
	buf := rl.NewReplayBuffer(1000, 1, 3, 1)
	obs, act, envAct := tensor.New(1, 3), tensor.New(1, 1), tensor.New(1, 1)
	vec.Reset(rng)
	step := func() {
		copy(obs.Data, vec.Obs)
		a.Actor.Forward(act, obs)
		addNoise(act, c.ActionNoise, rng)
		a.box.ToEnv(envAct, act)
		vec.Step(envAct.Data)
		buf.Add(obs.Data, act.Data, vec.Obs, vec.Rewards, vec.Terminated, vec.Truncated, vec.FinalObs)
	}
	step()
	if n := testing.AllocsPerRun(200, step); n != 0 {
		t.Fatalf("a collection step allocates %v times", n)
	}
}
