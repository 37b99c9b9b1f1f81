package rl

import (
	"testing"

	"github.com/vfe-go/vfe/internal/testrand"
)

// BenchmarkGAE times GAE on a PPO-sized rollout: 2048 steps × 8 envs.
func BenchmarkGAE(b *testing.B) {
	tr := randomTrajectory(testrand.New(1), 2048, 8)
	dst := make([]float32, 2048*8)
	b.ReportAllocs()
	for b.Loop() {
		GAE(dst, tr, 0.99, 0.95)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(2048*8), "ns/step")
}

// BenchmarkTruncatedGAE times the bias-corrected truncated estimator with
// T = 32 on the same rollout (cost grows with min(T, episode length)).
func BenchmarkTruncatedGAE(b *testing.B) {
	tr := randomTrajectory(testrand.New(1), 2048, 8)
	dst := make([]float32, 2048*8)
	b.ReportAllocs()
	for b.Loop() {
		TruncatedGAE(dst, tr, 0.99, 0.95, 32, true)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(2048*8), "ns/step")
}

// BenchmarkReplayBuffer_Sample times drawing a batch of 256 transitions
// with 17-dimensional observations and 6-dimensional actions (HalfCheetah
// sizes) from a full buffer of 100 000.
func BenchmarkReplayBuffer_Sample(b *testing.B) {
	rb := NewReplayBuffer(100000, 1, 17, 6)
	obs, act, rew, fl := make([]float32, 17), make([]float32, 6), make([]float64, 1), make([]bool, 1)
	for range 100000 {
		rb.Add(obs, act, obs, rew, fl, fl, nil)
	}
	bt := NewBatch(256, 17, 6)
	rng := testrand.New(1)
	b.ReportAllocs()
	for b.Loop() {
		rb.Sample(bt, rng)
	}
}

// BenchmarkRolloutBuffer_Gather times gathering one PPO minibatch of 512
// from a 2048×8 rollout with 8-dimensional observations.
func BenchmarkRolloutBuffer_Gather(b *testing.B) {
	rb := NewRolloutBuffer(2048, 8, 8, 1)
	rb.t = rb.Steps // treat the (zeroed) storage as a full rollout
	idx := Perm(make([]int, 2048*8), testrand.New(1))
	mb := rb.Gather(nil, idx[:512])
	b.ReportAllocs()
	for b.Loop() {
		rb.Gather(mb, idx[:512])
	}
}
