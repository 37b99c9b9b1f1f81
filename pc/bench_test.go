package pc_test

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/optim"
	"github.com/vfe-go/vfe/pc"
	"github.com/vfe-go/vfe/tensor"
)

// The benchmarked network is discriminative predictive coding on MNIST
// shapes: s^0 the label (10, clamped one-hot), s^1 and s^2 hidden (256, tanh),
// s^3 the image (784, clamped, identity f). One training step is: clamp,
// InitForward, T = 20 plain gradient iterations with η = 0.1, the final
// evaluation, Learn and one Adam step (α = 1e-3) — the same algorithm as
// bench/pc_torch.py.
//
// Threads are GOMAXPROCS (go test -cpu 1,2): the BLAS is told to use that
// many threads, and pc may use that many workers. The loops count to b.N
// rather than use b.Loop, which runs the body without applying -cpu.
var benchDims = []int{10, 256, 256, 784}

const (
	benchBatch = 64
	benchT     = 20
)

// pcGemmFLOPs returns the floating-point operations of the matrix products
// in one PC training step of a chain with widths d (d[0] the clamped bottom,
// d[L] the clamped top input) on a batch of b with T inference iterations,
// counting a multiply-add as 2. The products are, per layer l = 1 … L with
// W_l of shape d[l-1]×d[l]:
//
//   - the predictions μ_{l-1} = W_l f(z_l): once for the clamped input's
//     edge (l = L), T+1 times for the others (the feed-forward initial sweep
//     and after each of the T updates);
//   - the transposed-Jacobian products ε_{l-1} W_l, T times for l < L (the
//     input is clamped and needs none);
//   - the weight gradients ε_{l-1}ᵀ f(z_l), once per layer.
//
// Element-wise work (activations, errors, updates, Adam) is O(b·Σd) per
// iteration and is not counted. For d = [10 256 256 784], b = 64, T = 20
// this is 2·64·(2·784·256 + 42·(256·256 + 256·10)) = 417 464 320.
func pcGemmFLOPs(d []int, b, T int) float64 {
	L := len(d) - 1
	var mk float64 // Σ multiply-adds per sample
	for l := 1; l <= L; l++ {
		w := float64(d[l-1] * d[l])
		if l == L {
			mk += 2 * w // prediction once + weight gradient
		} else {
			mk += float64(T+1)*w + float64(T)*w + w
		}
	}
	return 2 * float64(b) * mk
}

func TestPCGemmFLOPs_HandCount(t *testing.T) {
	t.Run("mnist", func(t *testing.T) {
		// Hand count in the doc comment of pcGemmFLOPs.
		if got, want := pcGemmFLOPs(benchDims, 64, 20), 417464320.0; got != want {
			t.Fatalf("pcGemmFLOPs = %v, want %v", got, want)
		}
	})
	t.Run("tiny", func(t *testing.T) {
		// d = [1 2 3], b = 1, T = 1: layer 1 (1×2): (2+1+1)·2 = 8 multiply-adds,
		// layer 2 (2×3, the clamped input's): 2·6 = 12; 20 multiply-adds = 40 FLOPs.
		if got := pcGemmFLOPs([]int{1, 2, 3}, 1, 1); got != 40 {
			t.Fatalf("pcGemmFLOPs = %v, want 40", got)
		}
	})
}

// benchSetup builds the benchmark network, an Adam optimiser and nb batches
// of random MNIST-shaped data: pixels uniform in [0, 1), labels one-hot and
// uniform over 10 classes.
func benchSetup(b *testing.B, rng *rand.Rand, nb int) (*pc.Model, *optim.Adam, []*tensor.Mat, []*tensor.Mat) {
	b.Helper()
	m, err := pc.NewChain(rng, pc.ChainConfig{Dims: benchDims, Acts: []tensor.Act{tensor.Tanh, tensor.Tanh, tensor.Identity}})
	if err != nil {
		b.Fatal(err)
	}
	opt, err := optim.NewAdam(m.ParamList(), optim.DefaultAdamConfig())
	if err != nil {
		b.Fatal(err)
	}
	xs := make([]*tensor.Mat, nb)
	ys := make([]*tensor.Mat, nb)
	for i := range xs {
		xs[i] = tensor.New(benchBatch, benchDims[3]).RandU(rng, 0, 1)
		ys[i] = tensor.New(benchBatch, benchDims[0])
		for r := 0; r < benchBatch; r++ {
			ys[i].Set(r, rng.IntN(benchDims[0]), 1)
		}
	}
	return m, opt, xs, ys
}

// setBenchThreads gives the BLAS GOMAXPROCS threads and returns a function
// restoring the previous setting.
func setBenchThreads() func() {
	prev := tensor.SetThreads(runtime.GOMAXPROCS(0))
	return func() { tensor.SetThreads(prev) }
}

func reportBLAS(b *testing.B) {
	b.Helper()
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "threads")
}

// BenchmarkPCTrainStep measures one full training step on a batch of 64
// (clamp, InitForward, T = 20 inference iterations, evaluation, Learn, Adam)
// and reports samples/s and the GFLOP/s of its matrix products (see
// pcGemmFLOPs).
func BenchmarkPCTrainStep(b *testing.B) {
	defer setBenchThreads()()
	m, opt, xs, ys := benchSetup(b, testrand.New(1), 8)
	cfg := pc.DefaultInferConfig()
	cfg.T = benchT
	s := m.NewState(benchBatch)
	step := func(i int) {
		s.Clamp(3, xs[i%len(xs)])
		s.Clamp(0, ys[i%len(ys)])
		m.Init(s, pc.InitForward, cfg)
		if _, err := m.Infer(s, cfg); err != nil {
			b.Fatal(err)
		}
		m.Learn(s)
		opt.Step()
	}
	step(0) // warm up: buffers sized, BLAS threads started
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step(i)
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*benchBatch)/sec, "samples/s")
	b.ReportMetric(pcGemmFLOPs(benchDims, benchBatch, benchT)*float64(b.N)/sec/1e9, "GFLOP/s")
	reportBLAS(b)
}

// BenchmarkPCInferIteration measures one inference iteration (gradient,
// update, re-evaluation) on a batch of 64, reporting GFLOP/s of its four
// matrix products 2·64·2·(256·256 + 256·10) = 17 432 576.
func BenchmarkPCInferIteration(b *testing.B) {
	defer setBenchThreads()()
	m, _, xs, ys := benchSetup(b, testrand.New(2), 1)
	cfg := pc.DefaultInferConfig()
	cfg.T = 1
	s := m.NewState(benchBatch)
	s.Clamp(3, xs[0])
	s.Clamp(0, ys[0])
	m.Init(s, pc.InitForward, cfg)
	z1, z2 := s.Z[1].Clone(), s.Z[2].Clone()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%64 == 0 {
			// Keep the activities near the feed-forward point so the
			// figures do not drift into saturation.
			s.Z[1].CopyFrom(z1)
			s.Z[2].CopyFrom(z2)
		}
		if _, err := m.Infer(s, cfg); err != nil {
			b.Fatal(err)
		}
	}
	sec := b.Elapsed().Seconds()
	const flops = 2 * benchBatch * 2 * (256*256 + 256*10)
	b.ReportMetric(flops*float64(b.N)/sec/1e9, "GFLOP/s")
	reportBLAS(b)
}
