package pc_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"

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
func benchSetup(b testing.TB, rng *rand.Rand, nb int) (*pc.Model, *optim.Adam, []*tensor.Mat, []*tensor.Mat) {
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

// BenchmarkPCTrainStep measures one full training step on a batch of 64
// (clamp, InitForward, T = 20 inference iterations, evaluation, Learn, Adam)
// and reports samples/s and the GFLOP/s of its matrix products (see
// pcGemmFLOPs). With P = GOMAXPROCS threads, "blas" gives the BLAS P threads
// and one worker; "rows" (P > 1 only) splits the batch's rows over P workers
// (InferConfig.Workers) each with a single-threaded BLAS.
func BenchmarkPCTrainStep(b *testing.B) {
	// GOMAXPROCS is read inside the sub-benchmarks, which -cpu governs.
	b.Run("blas", func(b *testing.B) { benchTrainStep(b, runtime.GOMAXPROCS(0), 1) })
	b.Run("rows", func(b *testing.B) {
		if p := runtime.GOMAXPROCS(0); p > 1 {
			benchTrainStep(b, 1, p)
		} else {
			b.Skip("one thread: the same as blas")
		}
	})
}

func benchTrainStep(b *testing.B, blasThreads, workers int) {
	defer tensor.SetThreads(tensor.SetThreads(blasThreads))
	m, opt, xs, ys := benchSetup(b, testrand.New(1), 8)
	cfg := pc.DefaultInferConfig()
	cfg.T, cfg.Workers = benchT, workers
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
	cpu0 := cpuSeconds()
	best := math.Inf(1)
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		step(i)
		best = min(best, time.Since(t0).Seconds())
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*benchBatch)/sec, "samples/s")
	// The fastest single step: on a shared machine, the rate of a step
	// that ran undisturbed (bench/pc_torch.py reports the same figure).
	b.ReportMetric(benchBatch/best, "samples/s-best-step")
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		// Per CPU-second of this process: on a shared machine this tracks
		// the quiet-machine rate at one thread better than wall time does.
		b.ReportMetric(float64(b.N*benchBatch)/cpu, "samples/cpu-s")
	}
	b.ReportMetric(pcGemmFLOPs(benchDims, benchBatch, benchT)*float64(b.N)/sec/1e9, "GFLOP/s")
}

// BenchmarkPCInferIteration measures one inference iteration (gradient,
// update, re-evaluation) on a batch of 64, reporting GFLOP/s of its four
// matrix products 2·64·2·(256·256 + 256·10) = 17 432 576. Sub-benchmarks as
// in BenchmarkPCTrainStep.
func BenchmarkPCInferIteration(b *testing.B) {
	// GOMAXPROCS is read inside the sub-benchmarks, which -cpu governs.
	b.Run("blas", func(b *testing.B) { benchInferIteration(b, runtime.GOMAXPROCS(0), 1) })
	b.Run("rows", func(b *testing.B) {
		if p := runtime.GOMAXPROCS(0); p > 1 {
			benchInferIteration(b, 1, p)
		} else {
			b.Skip("one thread: the same as blas")
		}
	})
}

func benchInferIteration(b *testing.B, blasThreads, workers int) {
	defer tensor.SetThreads(tensor.SetThreads(blasThreads))
	m, _, xs, ys := benchSetup(b, testrand.New(2), 1)
	cfg := pc.DefaultInferConfig()
	cfg.T, cfg.Workers = 1, workers
	s := m.NewState(benchBatch)
	s.Clamp(3, xs[0])
	s.Clamp(0, ys[0])
	m.Init(s, pc.InitForward, cfg)
	z1, z2 := s.Z[1].Clone(), s.Z[2].Clone()
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
}

// TestModel_InferWorkersMatchSerial checks that splitting the rows over
// workers changes nothing but the rounding of summed energies: the same
// activities after Init and Infer, the same parameter gradients from Learn,
// for every inference optimiser and an uneven split.
func TestModel_InferWorkersMatchSerial(t *testing.T) {
	for _, tc := range []struct {
		name    string
		optim   pc.InferOptim
		b, w    int
		prior   pc.PriorKind
		initKnd pc.InitKind
	}{
		{"sgd/2", pc.InferSGD, 16, 2, pc.PriorNone, pc.InitForward},
		{"momentum/3-uneven", pc.InferMomentum, 13, 3, pc.PriorNone, pc.InitForward},
		{"adam/2-prior", pc.InferAdam, 12, 2, pc.PriorLearned, pc.InitForward},
		{"sgd/2-initzero", pc.InferSGD, 8, 2, pc.PriorFixed, pc.InitZero},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := func(workers int) (*pc.Model, *pc.State, pc.InferStats) {
				t.Helper()
				rng := testrand.New(11)
				m, err := pc.NewChain(rng, pc.ChainConfig{Dims: []int{3, 6, 5, 7}, Acts: []tensor.Act{tensor.Tanh, tensor.Sigmoid, tensor.Identity}, TopPrior: tc.prior})
				if err != nil {
					t.Fatal(err)
				}
				cfg := pc.DefaultInferConfig()
				cfg.T, cfg.Optim, cfg.Workers = 7, tc.optim, workers
				s := m.NewState(tc.b)
				s.Clamp(0, tensor.New(tc.b, 3).RandN(rng, 1))
				if tc.prior == pc.PriorNone {
					s.Clamp(3, tensor.New(tc.b, 7).RandN(rng, 1))
				}
				m.Init(s, tc.initKnd, cfg)
				st, err := m.Infer(s, cfg)
				if err != nil {
					t.Fatal(err)
				}
				m.Learn(s)
				return m, s, st
			}
			m1, s1, st1 := run(1)
			mw, sw, stw := run(tc.w)
			close := func(what string, a, b []float32) {
				t.Helper()
				for i := range a {
					if d := math.Abs(float64(a[i] - b[i])); d > 1e-5*(1+math.Abs(float64(a[i]))) {
						t.Fatalf("%s[%d]: serial %v, %d workers %v", what, i, a[i], tc.w, b[i])
					}
				}
			}
			for n := range s1.Z {
				close("z", s1.Z[n].Data, sw.Z[n].Data)
			}
			for i, np := range m1.Params() {
				close(np.Name, np.Param.Grad.Data, mw.Params()[i].Param.Grad.Data)
			}
			if st1.Iters != stw.Iters || math.Abs(st1.F-stw.F) > 1e-9*(1+math.Abs(st1.F)) || math.Abs(st1.F0-stw.F0) > 1e-9*(1+math.Abs(st1.F0)) {
				t.Fatalf("stats: serial %+v, %d workers %+v", st1, tc.w, stw)
			}
		})
	}
}

// TestModel_InferWorkersDiverged checks that a split run reports divergence
// like the serial one: an *pc.ErrDiverged naming an iteration.
func TestModel_InferWorkersDiverged(t *testing.T) {
	rng := testrand.New(12)
	m, err := pc.NewChain(rng, pc.ChainConfig{Dims: []int{2, 4, 3}, Acts: []tensor.Act{tensor.Identity, tensor.Identity}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := pc.DefaultInferConfig()
	cfg.Eta, cfg.T, cfg.Workers = 50, 60, 2 // far beyond a stable step
	s := m.NewState(8)
	s.Clamp(0, tensor.New(8, 2).RandN(rng, 10))
	s.Clamp(2, tensor.New(8, 3).RandN(rng, 10))
	m.Init(s, pc.InitForward, cfg)
	_, err = m.Infer(s, cfg)
	var d *pc.ErrDiverged
	if !errors.As(err, &d) || d.Step < 1 || d.Step > cfg.T {
		t.Fatalf("Infer = %v, want an ErrDiverged within %d steps", err, cfg.T)
	}
}

// cpuSeconds returns the user and system CPU time of this process so far (all
// threads), or 0 if the system does not say.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// TestModel_InferWorkersAllocs checks that with workers the iterations do not
// allocate: a batch costs the same few allocations (starting the workers)
// whatever T is, and the one-worker path none.
func TestModel_InferWorkersAllocs(t *testing.T) {
	rng := testrand.New(13)
	m, err := pc.NewChain(rng, pc.ChainConfig{Dims: []int{3, 8, 8, 5}, Acts: []tensor.Act{tensor.Tanh, tensor.Tanh, tensor.Identity}})
	if err != nil {
		t.Fatal(err)
	}
	x, y := tensor.New(16, 5).RandN(rng, 1), tensor.New(16, 3).RandN(rng, 1)
	s := m.NewState(16)
	allocs := func(T, workers int) float64 {
		t.Helper()
		cfg := pc.DefaultInferConfig()
		cfg.T, cfg.Workers = T, workers
		step := func() {
			s.Clamp(3, x)
			s.Clamp(0, y)
			m.Init(s, pc.InitForward, cfg)
			if _, err := m.Infer(s, cfg); err != nil {
				t.Fatal(err)
			}
			m.Learn(s)
		}
		step()
		return testing.AllocsPerRun(5, step)
	}
	if a := allocs(20, 1); a != 0 {
		t.Errorf("one worker: %v allocations per batch, want 0", a)
	}
	a2, a20 := allocs(2, 2), allocs(20, 2)
	if a2 != a20 {
		t.Errorf("two workers: %v allocations per batch at T=2 but %v at T=20: the iterations allocate", a2, a20)
	}
	if a20 > 32 {
		t.Errorf("two workers: %v allocations per batch, want a few", a20)
	}
}
