package tensor

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// BenchmarkTanhForwardDeriv measures the fused f, f' kernel on a 64×256
// batch (one hidden layer of the PC benchmark), in elements per second.
func BenchmarkTanhForwardDeriv(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := New(64, 256).RandN(rng, 1)
	f, df := New(64, 256), New(64, 256)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Tanh.ForwardDeriv(f, df, x)
	}
	b.ReportMetric(float64(b.N*x.Len())/b.Elapsed().Seconds()/1e9, "Gelem/s")
}

// BenchmarkTanh32 measures the scalar reference, in elements per second.
func BenchmarkTanh32(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := New(64, 256).RandN(rng, 1)
	y := New(64, 256)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j, v := range x.Data {
			y.Data[j] = Tanh32(v)
		}
	}
	b.ReportMetric(float64(b.N*x.Len())/b.Elapsed().Seconds()/1e9, "Gelem/s")
}

// BenchmarkGemm measures the products of the PC benchmark network at batch
// 64 and a large square product (the machine's attainable peak), in GFLOP/s
// (2mnk per product). The BLAS gets GOMAXPROCS threads (go test -cpu 1,2).
func BenchmarkGemm(b *testing.B) {
	prev := SetThreads(runtime.GOMAXPROCS(0))
	defer SetThreads(prev)
	rng := rand.New(rand.NewPCG(2, 2))
	for _, c := range []struct {
		name    string
		m, n, k int
		tA, tB  bool
	}{
		{"x·Wt/64x256x784", 64, 256, 784, false, true}, // the clamped input's prediction
		{"x·Wt/64x256x256", 64, 256, 256, false, true}, // a hidden prediction
		{"e·W/64x256x256", 64, 256, 256, false, false}, // a transposed-Jacobian product
		{"x·Wt/64x10x256", 64, 10, 256, false, true},   // the label's prediction
		{"e·W/64x256x10", 64, 256, 10, false, false},
		{"et·x/256x784x64", 256, 784, 64, true, false}, // a weight gradient
		{"square/1024", 1024, 1024, 1024, false, false},
	} {
		ar, ac := c.m, c.k
		if c.tA {
			ar, ac = ac, ar
		}
		br, bc := c.k, c.n
		if c.tB {
			br, bc = bc, br
		}
		a, bm, dst := New(ar, ac).RandN(rng, 1), New(br, bc).RandN(rng, 1), New(c.m, c.n)
		b.Run(fmt.Sprintf("%s/%s", BLAS(), c.name), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				Gemm(dst, c.tA, c.tB, 1, a, bm, 0)
			}
			b.ReportMetric(2*float64(c.m*c.n*c.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
