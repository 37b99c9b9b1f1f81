package dist

import (
	"testing"

	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/tensor"
)

// BenchmarkCategorical_PPOStep times one minibatch's policy terms for 256
// states and 6 actions: log-prob, entropy and both gradients.
func BenchmarkCategorical_PPOStep(b *testing.B) {
	rng := testrand.New(1)
	c := NewCategorical(tensor.New(256, 6).RandN(rng, 1))
	a, lp, h, g := c.Sample(nil, rng), make([]float32, 256), make([]float32, 256), tensor.New(256, 6)
	b.ReportAllocs()
	for b.Loop() {
		c.LogProb(lp, a)
		c.Entropy(h)
		c.LogProbGrad(g, a, lp, 0)
		c.EntropyGrad(g, h, 1)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/256, "ns/row")
	b.Log("BLAS:", tensor.BLAS())
}

// BenchmarkTanhGaussian_SACActor times SAC's actor step for 256 states and 6
// action dimensions: reparameterised sample, log-prob and RsampleGrad.
func BenchmarkTanhGaussian_SACActor(b *testing.B) {
	rng := testrand.New(1)
	g := NewTanhGaussian(tensor.New(256, 6).RandN(rng, 1), tensor.New(256, 6).RandN(rng, 0.3), nil, nil)
	a, u, eps, dm, dl := tensor.New(256, 6), tensor.New(256, 6), tensor.New(256, 6), tensor.New(256, 6), tensor.New(256, 6)
	lp := make([]float32, 256)
	b.ReportAllocs()
	for b.Loop() {
		g.Rsample(a, u, eps, rng)
		g.LogProb(lp, u)
		g.RsampleGrad(dm, dl, u, eps, a, lp, 0)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/256, "ns/row")
}
