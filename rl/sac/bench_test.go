package sac

import (
	"testing"

	"github.com/vfe-go/vfe/env"
	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/rl"
)

// gemmFLOPs returns Σ 2·B·in·out over the Linear layers of net (one
// forward pass, or one gradient GEMM of each layer) and the first layer's
// share.
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

// updateFLOPs counts the GEMM floating-point operations of one update:
// with A, C, V the forward costs of actor, one critic and the value
// network (A₁, C₁, V₁ their first layers) and K critics,
//
//	twin-Q form: A (next actions) + K·C (targets) + A (actions) +
//	             K·(C + C + C − C₁) (critic step) + K·2C (∂Q/∂a) + A + A − A₁ (actor step)
//	seed form:   V (target) + A + K·(3C − C₁) + K·2C + 2A − A₁ + 3V − V₁ (value step)
func updateFLOPs(ln *learner, b int) float64 {
	a, a1 := gemmFLOPs(ln.pi.net, b)
	c, c1 := gemmFLOPs(ln.critics[0].Net, b)
	k := float64(len(ln.critics))
	f := a + k*(3*c-c1) + k*2*c + 2*a - a1
	if ln.cfg.ValueNet {
		v, v1 := gemmFLOPs(ln.vNet, b)
		return f + v + 3*v - v1
	}
	return f + a + k*c
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

// BenchmarkSAC_Update times one update of the Pendulum-v1 configuration
// (obs 3, action 1, [256, 256] networks, batch 256, twin critics).
func BenchmarkSAC_Update(b *testing.B) { benchUpdate(b, DefaultConfig()) }

// BenchmarkSAC_UpdateSeedForm times the seed's value-network form.
func BenchmarkSAC_UpdateSeedForm(b *testing.B) { benchUpdate(b, SeedConfig()) }
