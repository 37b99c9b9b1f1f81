package sac

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

func tinyConfig(seedForm bool) Config {
	c := DefaultConfig()
	if seedForm {
		c = SeedConfig()
	}
	c.TotalTimesteps, c.Hidden, c.BatchSize, c.LearningStarts, c.BufferSize = 2000, []int{16}, 32, 100, 5000
	c.Tau, c.LearningRate = 0.05, 3e-3
	return c
}

// filledLearner returns a learner for obs width 3 and action width 2 with
// a buffer of random transitions.
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
	for _, c := range []Config{DefaultConfig(), SeedConfig()} {
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	if c, ok := ZooConfig("Pendulum-v1"); !ok || c.LearningRate != 1e-3 || c.TotalTimesteps != 20_000 {
		t.Fatalf("zoo Pendulum-v1: %+v %v", c, ok)
	}
	if _, ok := ZooConfig("CartPole-v1"); ok {
		t.Fatal("zoo has no SAC config for CartPole-v1")
	}
	if got := DefaultConfig().Entropy(3); got != -3 {
		t.Fatalf("default target entropy %v, want −dim(A) = −3", got)
	}
	for name, mut := range map[string]func(*Config){
		"critics": func(c *Config) { c.Critics = 3 },
		"alpha":   func(c *Config) { c.Alpha = 0 }, // auto-tuning needs α > 0
		"alpha<0": func(c *Config) { c.Alpha, c.AutoAlpha = -1, false },
		"logstd":  func(c *Config) { c.LogStdMin, c.LogStdMax = 2, -2 },
		"tau":     func(c *Config) { c.Tau = 0 },
		"entropy": func(c *Config) { c.TargetEntropy = math.Inf(-1) },
		"target":  func(c *Config) { c.TargetUpdateInterval = 0 },
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

func TestLearner_Gradients(t *testing.T) {
	for _, tc := range []struct {
		name     string
		seedForm bool
		critics  int
		tanh     bool
	}{{"twin", false, 2, false}, {"twin-tanh-bound", false, 2, true}, {"seed", true, 1, false}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tinyConfig(tc.seedForm)
			cfg.Hidden, cfg.BatchSize, cfg.Activation, cfg.Critics, cfg.LogStdTanh = []int{6, 5}, 8, tensor.Tanh, tc.critics, tc.tanh
			if tc.tanh {
				// CleanRL's [−5, 2]: with SB3's [−20, 2] the tanh bound puts
				// σ near e^−9, where u − μ cancels in float32 and finite
				// differences of log π drown in rounding.
				cfg.LogStdMin = -5
			}
			ln, buf := filledLearner(t, cfg)
			rng := testrand.New(4)
			bt := buf.Sample(ln.batch, rng)
			ln.tdTargets(bt, 0.7, rng)
			loss := func() float64 { l, _ := ln.criticLossGrad(bt); return l }
			if err := rltest.ParamGradCheck(ln.criticPs, loss, func() { ln.criticLossGrad(bt) }, 1e-3, 1e-2); err != nil {
				t.Fatalf("critic: %v", err)
			}
			// The actor loss with ε held fixed: α log π − min_k Q̂_k.
			ln.pi.Forward(bt.Obs)
			ln.pi.sample(rng)
			aLoss := func() float64 {
				ln.pi.Forward(bt.Obs)
				ln.pi.transform()
				return ln.actorLossGrad(bt.Obs, 0.7)
			}
			for _, p := range ln.criticPs {
				p.Grad.Zero()
			}
			if err := rltest.ParamGradCheck(ln.actorPs, aLoss, func() { aLoss() }, 1e-3, 1e-2); err != nil {
				t.Fatalf("actor: %v", err)
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
	t.Run("twin", func(t *testing.T) {
		ln, buf := filledLearner(t, tinyConfig(false))
		rng := testrand.New(4)
		bt := buf.Sample(ln.batch, rng)
		ln.tdTargets(bt, 0.5, rng)
		// Recompute r + γ(1 − d)(min(Q'1, Q'2) − α log π) from the stored
		// next-state sample.
		q1 := slices.Clone(ln.targets[0].Forward(bt.NextObs, ln.next.a).Data)
		q2 := ln.targets[1].Forward(bt.NextObs, ln.next.a).Data
		for i := range ln.y {
			want := float64(bt.Rewards[i])
			if !bt.Terminated[i] {
				want += ln.cfg.Gamma * (math.Min(float64(q1[i]), float64(q2[i])) - 0.5*float64(ln.next.logp[i]))
			}
			if math.Abs(float64(ln.y[i])-want) > 1e-5 {
				t.Fatalf("y[%d] = %v, want %v", i, ln.y[i], want)
			}
		}
	})
	t.Run("seed", func(t *testing.T) {
		ln, buf := filledLearner(t, tinyConfig(true))
		rng := testrand.New(4)
		bt := buf.Sample(ln.batch, rng)
		ln.tdTargets(bt, 0.5, rng)
		v := ln.vTarget.Forward(nil, bt.NextObs)
		for i := range ln.y {
			want := float64(bt.Rewards[i]) // r + γ(1 − d)V̂'(s'), no entropy term
			if !bt.Terminated[i] {
				want += ln.cfg.Gamma * float64(v.Data[i])
			}
			if math.Abs(float64(ln.y[i])-want) > 1e-5 {
				t.Fatalf("y[%d] = %v, want %v", i, ln.y[i], want)
			}
		}
	})
}

func TestLearner_SVG0Target(t *testing.T) {
	// With a fixed α = 0 and one critic the target is the seed's SVG(0)
	// SARSA-like r + γ(1 − d)Q̂'(s', a'), a' ~ π(·|s'): no entropy term.
	cfg := tinyConfig(false)
	cfg.Alpha, cfg.AutoAlpha, cfg.Critics = 0, false, 1
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ln, buf := filledLearner(t, cfg)
	rng := testrand.New(4)
	bt := buf.Sample(ln.batch, rng)
	ln.tdTargets(bt, ln.alpha(), rng)
	q := ln.targets[0].Forward(bt.NextObs, ln.next.a).Data
	for i := range ln.y {
		want := float64(bt.Rewards[i])
		if !bt.Terminated[i] {
			want += ln.cfg.Gamma * float64(q[i])
		}
		if math.Abs(float64(ln.y[i])-want) > 1e-5 {
			t.Fatalf("y[%d] = %v, want %v", i, ln.y[i], want)
		}
	}
	st := ln.update(buf, rng)
	if st.alpha != 0 {
		t.Fatalf("α = %v, want 0", st.alpha)
	}
}

func TestLearner_Alpha(t *testing.T) {
	// Adam's first step moves log α by −η·sign(g) with
	// g = −(mean log π + H̄) (Kingma & Ba: the first update has magnitude η).
	cfg := tinyConfig(false)
	ln, buf := filledLearner(t, cfg)
	st := ln.update(buf, testrand.New(3))
	g := -(st.logp + cfg.Entropy(2))
	want := math.Log(cfg.Alpha) - cfg.LearningRate*math.Copysign(1, g)
	if got := float64(ln.logAlpha.Val.Data[0]); math.Abs(got-want) > 1e-6 {
		t.Fatalf("log α = %v after one step, want %v", got, want)
	}
	if st.alpha != cfg.Alpha {
		t.Fatalf("update used α = %v, want the pre-step %v", st.alpha, cfg.Alpha)
	}
	cfg.AutoAlpha = false
	ln, buf = filledLearner(t, cfg)
	ln.update(buf, testrand.New(3))
	if got := ln.alpha(); math.Abs(got-cfg.Alpha) > 1e-6 {
		t.Fatalf("fixed α changed to %v", got)
	}
}

func TestTrain_TruncationBootstraps(t *testing.T) {
	// Under a 5-step time limit with γ = 0.9 and α = 0,
	// targets that bootstrap at truncations have the fixed point
	// Q = V = 1/(1−γ) = 10; treating truncation as terminal gives
	// 1/(1 − 0.8γ) ≈ 3.6.
	for _, seedForm := range []bool{false, true} {
		c := tinyConfig(seedForm)
		c.Gamma, c.Alpha, c.AutoAlpha = 0.9, 0, false
		_, ln, err := train(c, 1, rl.TrainOptions{MakeEnv: rltest.MakeConst(5)})
		if err != nil {
			t.Fatal(err)
		}
		obs := tensor.FromSlice(3, 1, []float32{1, 1, 1})
		act := tensor.FromSlice(3, 1, []float32{-0.5, 0, 0.5})
		for k, c := range ln.critics {
			for _, q := range c.Forward(obs, act).Data {
				if math.Abs(float64(q)-10) > 1 {
					t.Fatalf("seed form %v, critic %d: Q = %v, want ≈ 10 = 1/(1−γ)", seedForm, k, q)
				}
			}
		}
		if seedForm {
			if v := ln.vNet.Forward(nil, obs.RowsView(0, 1)).Data[0]; math.Abs(float64(v)-10) > 1 {
				t.Fatalf("V = %v, want ≈ 10", v)
			}
		}
	}
}

func TestTrain_Deterministic(t *testing.T) {
	for _, seedForm := range []bool{false, true} {
		c := tinyConfig(seedForm)
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
		keys := []string{"charts/episodic_return", "losses/qf_loss", "losses/actor_loss", "losses/alpha", "eval/mean_return"}
		if seedForm {
			keys = append(keys, "losses/vf_loss")
		}
		for _, key := range keys {
			if math.IsNaN(runs[0].Last(key)) {
				t.Errorf("metric %s never logged", key)
			}
		}
	}
}

func TestLearner_UpdateAllocs(t *testing.T) {
	for _, seedForm := range []bool{false, true} {
		ln, buf := filledLearner(t, tinyConfig(seedForm))
		rng := testrand.New(2)
		ln.update(buf, rng)
		if n := testing.AllocsPerRun(20, func() { ln.update(buf, rng) }); n != 0 {
			t.Fatalf("seed form %v: update allocates %v times", seedForm, n)
		}
	}
}

func TestAgent_Act(t *testing.T) {
	c := tinyConfig(false)
	obsS, actS := env.UniformBox(-1, 1, 3), env.NewBox([]float32{-2, 0}, []float32{2, 1})
	a, _ := newAgent(c, obsS, actS, testrand.New(1))
	obs := tensor.New(5, 3).RandN(testrand.New(2), 1)
	got := a.Act(nil, obs, true, nil)
	out := a.Actor.Forward(nil, obs)
	for i := 0; i < 5; i++ {
		// Hand mapping of tanh(μ) ∈ [−1, 1] onto [−2, 2] and [0, 1].
		m0, m1 := math.Tanh(float64(out.At(i, 0))), math.Tanh(float64(out.At(i, 1)))
		if math.Abs(float64(got.At(i, 0))-2*m0) > 1e-5 || math.Abs(float64(got.At(i, 1))-(0.5+0.5*m1)) > 1e-5 {
			t.Fatalf("row %d: action %v, want [%v %v]", i, got.Row(i), 2*m0, 0.5+0.5*m1)
		}
	}
	rng := testrand.New(3)
	dst := tensor.New(5, 2)
	for k := 0; k < 20; k++ {
		a.Act(dst, obs, false, rng)
		for i := 0; i < 5; i++ {
			if !actS.Contains(dst.Row(i)) {
				t.Fatalf("sampled action %v leaves the box", dst.Row(i))
			}
		}
	}
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
}

func TestTrain_Pendulum(t *testing.T) {
	if testing.Short() {
		t.Skip("learning smoke test")
	}
	mk := func() (env.Env, error) { return classic.Make("Pendulum-v1") }
	for _, seedForm := range []bool{false, true} {
		c := tinyConfig(seedForm)
		c.Gamma, c.LearningRate, c.Tau = 0.99, 1e-3, 0.005
		c.TotalTimesteps, c.LearningStarts, c.Hidden, c.BatchSize = 6000, 500, []int{64, 64}, 128
		log := &rltest.MemLogger{}
		if _, err := Train(c, 1, rl.TrainOptions{MakeEnv: mk, Logger: log}); err != nil {
			t.Fatal(err)
		}
		// A random policy scores about −1200 on Pendulum-v1.
		if got := log.Last("eval/mean_return"); !(got > -600) {
			t.Fatalf("seed form %v: eval return %v after 6000 steps, want > −600", seedForm, got)
		}
	}
}

func TestTrain_StepAllocs(t *testing.T) {
	// One iteration of Train's collection: a ~ π(·|s), the mapping onto
	// the action box, the vector env step and the replay insert.
	c := tinyConfig(false)
	e, _ := classic.Make("Pendulum-v1")
	vec := env.NewVecEnv([]env.Env{e}, env.VecConfig{Workers: 1})
	defer vec.Close()
	rng := testrand.New(1)
	a, _ := newAgent(c, e.ObservationSpace(), e.ActionSpace(), rng)
	act := newPolicy(a.Actor, c.bound(), 1)
	buf := rl.NewReplayBuffer(1000, 1, 3, 1)
	obs, envAct := tensor.New(1, 3), tensor.New(1, 1)
	vec.Reset(rng)
	step := func() {
		copy(obs.Data, vec.Obs)
		act.Forward(obs)
		act.sample(rng)
		a.box.ToEnv(envAct, act.a)
		vec.Step(envAct.Data)
		buf.Add(obs.Data, act.a.Data, vec.Obs, vec.Rewards, vec.Terminated, vec.Truncated, vec.FinalObs)
	}
	step()
	if n := testing.AllocsPerRun(200, step); n != 0 {
		t.Fatalf("a collection step allocates %v times", n)
	}
}
