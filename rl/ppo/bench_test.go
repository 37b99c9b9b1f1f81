package ppo

import (
	"math/rand/v2"
	"testing"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/env/classic"
	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/tensor"
)

// mlpFLOPs returns the GEMM floating-point operations of one forward pass
// and one parameter backward pass (weight gradients for every layer, input
// gradients for all but the first) of an MLP with the given widths on m rows.
func mlpFLOPs(m int, sizes []int) float64 {
	var all, rest float64
	for i := 0; i+1 < len(sizes); i++ {
		p := float64(sizes[i] * sizes[i+1])
		all += p
		if i > 0 {
			rest += p
		}
	}
	return 2 * float64(m) * (2*all + rest)
}

// BenchmarkUpdate measures one epoch of PPO minibatch updates at the
// CartPole-v1 zoo size (one 256-transition minibatch, 4→64→64→2 actor and
// 4→64→64→1 critic), reporting the GEMM rate.
func BenchmarkUpdate(b *testing.B) {
	for _, worker := range []bool{false, true} {
		name := "sequential"
		if worker {
			name = "critic-worker"
		}
		b.Run(name+"/"+tensor.BLAS(), func(b *testing.B) {
			cfg, _ := ZooConfig("CartPole-v1")
			cfg.Epochs = 1
			s, ag, buf, _, rng := benchSetup(b, cfg)
			if worker {
				s.startCritic(ag, cfg)
				defer s.stopCritic()
			}
			opt, _ := newAdamFor(ag, cfg)
			params := ag.Params()
			s.update(ag, buf, opt, params, cfg, 0.2, rng)
			b.ResetTimer()
			for range b.N {
				s.update(ag, buf, opt, params, cfg, 0.2, rng)
			}
			flops := mlpFLOPs(256, []int{4, 64, 64, 2}) + mlpFLOPs(256, []int{4, 64, 64, 1})
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkRolloutStep measures one step of 8 CartPole-v1 envs with action
// sampling, values and buffer writes, reporting env steps per second.
func BenchmarkRolloutStep(b *testing.B) {
	cfg, _ := ZooConfig("CartPole-v1")
	s, ag, buf, vec, rng := benchSetup(b, cfg)
	b.ResetTimer()
	for range b.N {
		if buf.Full() {
			buf.Reset()
		}
		s.policyStep(ag, rng)
		vec.Step(s.envAct.Data)
		s.finalValues(ag, vec)
		buf.Add(s.obsN.Data, s.bufAct.Data, s.logp, s.value.Data, vec.Rewards, vec.Terminated, vec.Truncated, s.finV)
		s.observe(ag, vec.Obs)
	}
	b.ReportMetric(float64(cfg.NumEnvs*b.N)/b.Elapsed().Seconds(), "steps/s")
}

// benchSetup fills a rollout buffer of cfg's size from CartPole-v1.
func benchSetup(b *testing.B, cfg Config) (*scratch, *Agent, *rl.RolloutBuffer, *env.VecEnv, *rand.Rand) {
	b.Helper()
	envs := make([]env.Env, cfg.NumEnvs)
	for i := range envs {
		envs[i], _ = classic.Make("CartPole-v1")
	}
	vec := env.NewVecEnv(envs, env.VecConfig{Workers: 1})
	b.Cleanup(vec.Close)
	rng := testrand.New(1)
	ag, _ := newAgent(cfg, envs[0].ObservationSpace(), envs[0].ActionSpace(), rng)
	buf := rl.NewRolloutBuffer(cfg.NumSteps, cfg.NumEnvs, 4, 1)
	s := newScratch(ag, cfg.NumEnvs, 4, cfg)
	vec.Reset(rng)
	s.observe(ag, vec.Obs)
	for !buf.Full() {
		s.policyStep(ag, rng)
		vec.Step(s.envAct.Data)
		s.finalValues(ag, vec)
		buf.Add(s.obsN.Data, s.bufAct.Data, s.logp, s.value.Data, vec.Rewards, vec.Terminated, vec.Truncated, s.finV)
		s.observe(ag, vec.Obs)
	}
	s.values(ag, s.obsN, s.lastV)
	buf.ComputeAdvantages(cfg.AdvantageConfig, s.lastV)
	return s, ag, buf, vec, rng
}
