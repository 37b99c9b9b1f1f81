package tensor

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

type countRows struct{ hits []atomic.Int32 }

func (c *countRows) RunRows(lo, hi int) {
	for i := lo; i < hi; i++ {
		c.hits[i].Add(1)
	}
}

// TestWorkersRunCoversOnce checks that every row is visited exactly once
// for pools of several sizes, nil and closed pools included.
func TestWorkersRunCoversOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 5} {
		w := NewWorkers(n)
		for _, pool := range []*Workers{nil, w} {
			for _, m := range []int{0, 1, 2, 3, 7, 64, 257} {
				c := &countRows{hits: make([]atomic.Int32, m)}
				pool.Run(m, c)
				for i := range c.hits {
					if h := c.hits[i].Load(); h != 1 {
						t.Fatalf("n=%d m=%d: row %d run %d times", n, m, i, h)
					}
				}
			}
		}
		w.Close()
		w.Close()
		c := &countRows{hits: make([]atomic.Int32, 9)}
		w.Run(9, c)
		for i := range c.hits {
			if c.hits[i].Load() != 1 {
				t.Fatalf("closed pool: row %d not run once", i)
			}
		}
	}
}

// TestWorkersMulPackedBits checks that splitting MulPacked's rows among
// workers gives the same bits as one thread, and that both agree with Gemm
// to float32 rounding, for widths on and off the multiples of 16
// (PackPadded).
func TestWorkersMulPackedBits(t *testing.T) {
	if !CanMulPacked() {
		t.Skip("no AVX2/FMA kernel")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	w2, w3 := NewWorkers(2), NewWorkers(3)
	w2.SetMinFLOPs(0)
	w3.SetMinFLOPs(0)
	defer w2.Close()
	defer w3.Close()
	for _, s := range [][3]int{{1, 16, 3}, {5, 32, 7}, {64, 256, 256}, {255, 64, 64}, {256, 256, 4}, {257, 48, 100},
		{256, 300, 400}, {9, 5, 256}, {7, 1, 3}, {66, 17, 30}} {
		m, n, k := s[0], s[1], s[2]
		a, b := New(m, k).RandN(rng, 1), New(n, k).RandN(rng, 1)
		p, ok := PackPadded(nil, b, true)
		if !ok {
			t.Fatal("pack failed")
		}
		for _, acc := range []bool{false, true} {
			init := New(m, n).RandN(rng, 1)
			ref := init.Clone()
			MulPacked(ref, a, p, acc)
			for _, w := range []*Workers{w2, w3} {
				got := init.Clone()
				if !w.MulPacked(got, a, p, acc) {
					t.Fatal("MulPacked reported false")
				}
				for i := range got.Data {
					if got.Data[i] != ref.Data[i] {
						t.Fatalf("%v acc=%v workers=%d: element %d differs from one thread", s, acc, w.N(), i)
					}
				}
			}
			want := init.Clone()
			beta := float32(0)
			if acc {
				beta = 1
			}
			Gemm(want, false, true, 1, a, b, beta)
			for i := range want.Data {
				if d := want.Data[i] - ref.Data[i]; d > 1e-3 || d < -1e-3 {
					t.Fatalf("%v: element %d = %v, Gemm %v", s, i, ref.Data[i], want.Data[i])
				}
			}
		}
	}
}

// TestWorkersNoAlloc checks that a dispatch allocates nothing.
func TestWorkersNoAlloc(t *testing.T) {
	if !CanMulPacked() {
		t.Skip("no AVX2/FMA kernel")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	w := NewWorkers(2)
	defer w.Close()
	a, b, c := New(128, 128).RandN(rng, 1), New(128, 128).RandN(rng, 1), New(128, 128)
	p, _ := Pack(nil, b, true)
	if n := testing.AllocsPerRun(50, func() { w.MulPacked(c, a, p, false) }); n != 0 {
		t.Fatalf("%v allocations per MulPacked", n)
	}
	r := &countRows{hits: make([]atomic.Int32, 10)}
	if n := testing.AllocsPerRun(50, func() { w.Run(10, r) }); n != 0 {
		t.Fatalf("%v allocations per Run", n)
	}
}

func BenchmarkWorkersMulPacked(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range [][3]int{{256, 256, 256}, {64, 256, 256}, {256, 64, 64}} {
		m, n, k := s[0], s[1], s[2]
		x, wt, dst := New(m, k).RandN(rng, 1), New(n, k).RandN(rng, 1), New(m, n)
		p, _ := Pack(nil, wt, true)
		for _, nw := range []int{1, 2} {
			w := NewWorkers(nw)
			b.Run(fmt.Sprintf("%dx%dx%d/workers=%d", m, n, k, nw), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					w.MulPacked(dst, x, p, false)
				}
				b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
			w.Close()
		}
	}
}

// TestWorkersPackPadded checks that packing with the panels split among
// workers writes exactly what the one-goroutine PackPadded writes, for
// both orientations, padded and unpadded widths, into a reused buffer.
func TestWorkersPackPadded(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	w := NewWorkers(2)
	defer w.Close()
	var got *Packed
	for _, s := range [][2]int{{256, 256}, {130, 131}, {64, 300}, {20, 20}} {
		for _, trans := range []bool{false, true} {
			b := New(s[0], s[1]).RandN(rng, 1)
			want, ok1 := PackPadded(nil, b, trans)
			var ok2 bool
			got, ok2 = w.PackPadded(got, b, trans)
			if !ok1 || !ok2 || got.K != want.K || got.N != want.N || len(got.Data) != len(want.Data) {
				t.Fatalf("%v trans=%v: shapes %d×%d (%v) vs %d×%d (%v)", s, trans, got.K, got.N, ok2, want.K, want.N, ok1)
			}
			for i := range want.Data {
				if got.Data[i] != want.Data[i] {
					t.Fatalf("%v trans=%v: value %d is %v, want %v", s, trans, i, got.Data[i], want.Data[i])
				}
			}
		}
	}
}

// TestWorkersProbe checks SetProbe: the first dispatch probes; a limit no
// round trip meets makes the pool run jobs inline (still covering every
// row once, without allocating), a limit every answered round trip meets
// keeps the helpers, and SetProbe(0) turns probing off.
func TestWorkersProbe(t *testing.T) {
	w := NewWorkers(2)
	defer w.Close()
	task := &countRows{hits: make([]atomic.Int32, 64)}

	w.SetProbe(time.Nanosecond)
	w.Run(64, task)
	rtt, inline, probes, slow := w.Probe()
	if probes != 1 || slow != 1 || !inline || rtt == 0 {
		t.Fatalf("limit 1 ns: rtt %v inline %v probes %d slow %d, want a probe that sets inline", rtt, inline, probes, slow)
	}
	for i := 1; i < probeEvery; i++ { // inline until the next probe
		w.Run(64, task)
	}
	for i := range task.hits {
		if n := task.hits[i].Load(); n != probeEvery {
			t.Fatalf("row %d ran %d times in %d jobs", i, n, probeEvery)
		}
	}
	if n := testing.AllocsPerRun(2*probeEvery, func() { w.Run(64, task) }); n != 0 {
		t.Fatalf("dispatches with probes allocate %v times", n)
	}

	w.SetProbe(time.Hour)
	w.Run(64, task)
	rtt, inline, probes, _ = w.Probe()
	if probes != 1 || (rtt > 0 && inline) || (rtt < 0 && !inline) {
		t.Fatalf("limit 1 h: rtt %v inline %v after %d probes", rtt, inline, probes)
	}

	w.SetProbe(0)
	for i := 0; i < 2*probeEvery; i++ {
		w.Run(2, task)
	}
	if _, inline, probes, _ := w.Probe(); probes != 0 || inline {
		t.Fatalf("probing off: %d probes, inline %v", probes, inline)
	}
}
