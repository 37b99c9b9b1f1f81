package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/optim"
	"github.com/vfe-go/vfe/tensor"
)

// trainer holds the reused buffers of one classification training step.
type trainer struct {
	net    *nn.Sequential
	opt    optim.Optimizer
	params []*nn.Param
	clip   float64 // global gradient-norm limit; 0 means no clipping
	logits *tensor.Mat
	grad   *tensor.Mat
}

func newTrainer(t testing.TB, rng *rand.Rand, sizes []int, batch int, lr float64) *trainer {
	t.Helper()
	net := nn.NewMLP(rng, sizes, tensor.Tanh, tensor.Identity, nn.InitTorch)
	cfg := optim.DefaultAdamConfig()
	cfg.LR = lr
	opt, err := optim.NewAdam(net.Params(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := sizes[len(sizes)-1]
	return &trainer{net: net, opt: opt, params: net.Params(), logits: tensor.New(batch, out), grad: tensor.New(batch, out)}
}

// step runs forward, cross-entropy, backward, optional gradient clipping
// and an Adam update; it returns the loss.
func (tr *trainer) step(x *tensor.Mat, labels []int) float64 {
	tr.net.Forward(tr.logits, x)
	loss := nn.SoftmaxCrossEntropy(tr.grad, tr.logits, labels, nn.Mean)
	tr.opt.ZeroGrad()
	tr.net.BackwardParams(tr.grad)
	if tr.clip > 0 {
		optim.ClipGradNorm(tr.params, tr.clip)
	}
	tr.opt.Step()
	return loss
}

// teacherData labels standard normal inputs by the arg-max of a fixed random
// network, a task a wider student network can fit exactly.
func teacherData(rng *rand.Rand, teacher *nn.Sequential, n, in int) (*tensor.Mat, []int) {
	x := tensor.New(n, in).RandN(rng, 1)
	z := teacher.Forward(nil, x)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = z.ArgmaxRow(i)
	}
	return x, labels
}

func TestMLP_TrainStepNoAlloc(t *testing.T) {
	rng := testrand.New(1)
	tr := newTrainer(t, rng, []int{20, 32, 32, 5}, 16, 1e-3)
	tr.clip = 0.1
	x := tensor.New(16, 20).RandN(rng, 1)
	labels := make([]int, 16)
	for i := range labels {
		labels[i] = i % 5
	}
	tr.step(x, labels)
	if n := testing.AllocsPerRun(20, func() { tr.step(x, labels) }); n != 0 {
		t.Errorf("a training step allocates %v times, want 0", n)
	}
}

func TestMLP_Learns(t *testing.T) {
	if testing.Short() {
		t.Skip("learning smoke test")
	}
	train := func(seed uint64) (losses []float64, acc float64) {
		rng := testrand.New(seed)
		teacher := nn.NewMLP(rng, []int{8, 6, 3}, tensor.Tanh, tensor.Identity, nn.InitXavierNormal)
		x, labels := teacherData(rng, teacher, 2048, 8)
		xt, lt := teacherData(rng, teacher, 512, 8)
		const batch = 64
		tr := newTrainer(t, rng, []int{8, 64, 64, 3}, batch, 3e-3)
		for epoch := 0; epoch < 15; epoch++ {
			for i := 0; i+batch <= x.Rows; i += batch {
				losses = append(losses, tr.step(x.RowsView(i, i+batch), labels[i:i+batch]))
			}
		}
		return losses, nn.Accuracy(tr.net.Forward(nil, xt), lt)
	}
	l1, acc := train(7)
	// Chance is about 1/3; a 64-64 student recovers the 6-unit teacher's
	// decision regions almost everywhere.
	if acc < 0.9 {
		t.Errorf("held-out accuracy %.3f, want ≥ 0.9", acc)
	}
	if first, last := l1[0], l1[len(l1)-1]; !(last < 0.3*first) {
		t.Errorf("loss went from %.3f to %.3f, want a drop below 30%%", first, last)
	}
	l2, _ := train(7)
	for i := range l1 {
		if math.Float64bits(l1[i]) != math.Float64bits(l2[i]) {
			t.Fatalf("step %d: loss %v then %v with the same seed", i, l1[i], l2[i])
		}
	}
}

// mlpFLOPs counts the multiply-adds (×2) of the GEMMs in one training step
// of an MLP with the given widths and batch: the forward product, the weight
// gradient, and the input gradient of every layer but the first (which
// BackwardParams skips).
func mlpFLOPs(sizes []int, batch int) float64 {
	var f float64
	for i := 0; i+1 < len(sizes); i++ {
		mac := float64(batch * sizes[i] * sizes[i+1])
		f += 2 * mac * 2 // forward and ∂W
		if i > 0 {
			f += 2 * mac // ∂x
		}
	}
	return f
}

// BenchmarkMLPTrainStep measures one training step of a 784-256-256-10 tanh
// MLP on a batch of 64: forward, softmax cross-entropy, backward and an Adam
// step. Each sub-benchmark pins the parallelism to 1 or 2 threads so figures
// are comparable across machines: tensor.SetThreads for OpenBLAS and
// runtime.GOMAXPROCS for gonum's pure-Go GEMM, which splits large products
// over goroutines. It reports steps/s and the GEMM GFLOP/s achieved
// (mlpFLOPs per step). The single-thread OpenBLAS case also reports steps
// per second of the benchmark thread's CPU time (cpu-steps/s), which stays
// meaningful when other processes compete for the cores (gonum's GEMM runs
// on other goroutines' threads, so the figure would be wrong there).
func BenchmarkMLPTrainStep(b *testing.B) {
	sizes := []int{784, 256, 256, 10}
	const batch = 64
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("%s_threads=%d", tensor.BLAS(), threads), func(b *testing.B) {
			prev := tensor.SetThreads(threads)
			defer tensor.SetThreads(prev)
			prevProcs := runtime.GOMAXPROCS(threads)
			defer runtime.GOMAXPROCS(prevProcs)
			rng := testrand.New(1)
			tr := newTrainer(b, rng, sizes, batch, 1e-3)
			x := tensor.New(batch, 784).RandU(rng, 0, 1)
			labels := make([]int, batch)
			for i := range labels {
				labels[i] = rng.IntN(10)
			}
			tr.step(x, labels)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu0, cpuOK := threadCPU()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				tr.step(x, labels)
			}
			b.StopTimer()
			if cpu1, ok := threadCPU(); cpuOK && ok && threads == 1 && tensor.BLAS() == "openblas" && cpu1 > cpu0 {
				b.ReportMetric(float64(b.N)/(cpu1-cpu0).Seconds(), "cpu-steps/s")
			}
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(b.N)/sec, "steps/s")
			b.ReportMetric(mlpFLOPs(sizes, batch)*float64(b.N)/sec/1e9, "GFLOP/s")
		})
	}
}
