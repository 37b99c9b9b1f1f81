package ddpg

import (
	"testing"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/rl"
)

// gemmFLOPs returns Σ 2·B·in·out over the Linear layers of net and the
// first layer's share.
func gemmFLOPs(net *nn.Sequential, b int) (all, first float64) {
	for i, l := range net.Linears() {
		f := 2 * float64(b) * float64(l.In) * float64(l.Out)
		all += f
		if i == 0 {
			first = f
		}
	}
	return all, first
}

// updateFLOPs counts the GEMM floating-point operations of one update,
// averaged over the actor delay d: with A and C the forward costs of the
// actor and one critic (A₁, C₁ first layers) and K critics,
//
//	A (target actions) + K·C (targets) + K·(3C − C₁) (critic step)
//	+ (A + C + C + A + A − A₁)/d (actor step).
func updateFLOPs(ln *learner, b int) float64 {
	a, a1 := gemmFLOPs(ln.actor, b)
	c, c1 := gemmFLOPs(ln.critics[0].Net, b)
	k, d := float64(len(ln.critics)), float64(ln.cfg.Delay())
	return a + k*c + k*(3*c-c1) + (3*a-a1+2*c)/d
}

func benchUpdate(b *testing.B, cfg Config) {
	rng := testrand.New(1)
	ag, err := newAgent(cfg, env.UniformBox(-1, 1, 3), env.UniformBox(-2, 2, 1), rng)
	if err != nil {
		b.Fatal(err)
	}
	ln, _ := newLearner(cfg, ag, rng)
	buf := rl.NewReplayBuffer(10_000, 1, 3, 1)
	for i := 0; i < 10_000; i++ {
		o := []float32{rng.Float32(), rng.Float32(), rng.Float32()}
		buf.Add(o, []float32{2*rng.Float32() - 1}, o, []float64{rng.NormFloat64()}, []bool{false}, []bool{i%200 == 0}, nil)
	}
	ln.update(buf, rng)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ln.update(buf, rng)
	}
	fl := updateFLOPs(ln, cfg.BatchSize)
	b.ReportMetric(fl/1e6, "MFLOP/op")
	b.ReportMetric(fl*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkDDPG_Update times one update of the Pendulum-v1 configuration
// (obs 3, action 1, [400, 300] networks, batch 256).
func BenchmarkDDPG_Update(b *testing.B) { c, _ := ZooConfig("Pendulum-v1"); benchUpdate(b, c) }

// BenchmarkTD3_Update times one TD3 update (twin critics, actor every
// second update) of the Pendulum-v1 configuration.
func BenchmarkTD3_Update(b *testing.B) { c, _ := ZooTD3Config("Pendulum-v1"); benchUpdate(b, c) }
