package dqn

import (
	"fmt"
	"testing"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/tensor"
)

// updateFLOPs counts the floating-point operations of one learner update
// (2·B·in·out per GEMM): target forward, online forward (twice with double
// DQN), parameter gradients of every layer and input gradients of every
// layer but the first.
func updateFLOPs(net *nn.Sequential, b int, double bool) float64 {
	var f, first float64
	for i, l := range net.Linears() {
		g := 2 * float64(b) * float64(l.In) * float64(l.Out)
		f += g
		if i == 0 {
			first = g
		}
	}
	fwd := 2.0
	if double {
		fwd = 3
	}
	return fwd*f + f + (f - first)
}

// BenchmarkDQN_Update times one training phase of the CartPole-v1 zoo
// configuration (128 gradient steps of a Q network 4 → 256 → 256 → 2 on
// batches of 64, with the target network's values for all of them in one
// product) and reports GFLOP/s and the time per gradient step.
//
// The sub-benchmarks split the packed products' rows among 1 and 2 workers
// and give the BLAS as many threads, as vfe rl train's --blas-threads does.
func BenchmarkDQN_Update(b *testing.B) {
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", n), func(b *testing.B) {
			defer tensor.SetThreads(tensor.SetThreads(n))
			w := tensor.NewWorkers(n)
			defer w.Close()
			benchDQNUpdate(b, w)
		})
	}
}

func benchDQNUpdate(b *testing.B, w *tensor.Workers) {
	c, _ := ZooConfig("CartPole-v1")
	a, err := newAgent(c, env.UniformBox(-1, 1, 4), env.Discrete{N: 2}, testrand.New(1))
	if err != nil {
		b.Fatal(err)
	}
	ln, _ := newLearner(c, a)
	ln.setWorkers(w)
	rng := testrand.New(2)
	// 50k transitions, as at the end of a zoo run: the sampled rows come
	// from memory beyond the cores' caches.
	buf := rl.NewReplayBuffer(50_000, 1, 4, 1)
	for i := 0; i < 50_000; i++ {
		o := []float32{rng.Float32(), rng.Float32(), rng.Float32(), rng.Float32()}
		buf.Add(o, []float32{float32(i % 2)}, o, []float64{1}, []bool{false}, []bool{false}, nil)
	}
	noop := func(float64, float64) {}
	if err := ln.train(buf, rng, noop); err != nil { // first use allocates the buffers
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := ln.train(buf, rng, noop); err != nil {
			b.Fatal(err)
		}
	}
	fl := updateFLOPs(a.Q, c.BatchSize, c.DoubleDQN) * float64(c.GradientSteps)
	b.ReportMetric(fl*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	b.ReportMetric(fl/1e6, "MFLOP/op")
	b.ReportMetric(b.Elapsed().Seconds()*1e6/float64(b.N*c.GradientSteps), "µs/step")
}
