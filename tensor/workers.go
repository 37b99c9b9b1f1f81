package tensor

import (
	"sync"

	"github.com/vfe-go/vfe/tensor/internal/vec"
)

// RowTask is work over a range of rows [lo, hi) that Workers.Run splits
// into contiguous blocks. RunRows must be safe to call concurrently on
// disjoint ranges.
type RowTask interface {
	RunRows(lo, hi int)
}

// Workers is a small pool of persistent goroutines that split row ranges
// among themselves (Run) for products whose rows are independent, such as
// MulPacked: the calling goroutine takes the first block and n−1 helpers
// the others. A dispatch allocates nothing, so it can sit inside a training
// step. A nil *Workers, or one of n ≤ 1, runs everything on the calling
// goroutine.
//
// A Workers serves one Run at a time (concurrent calls wait for each
// other). Close stops the helpers; a closed Workers runs inline.
type Workers struct {
	n     int
	mu    sync.Mutex
	start []chan int // start[i] receives the block index for helper i
	done  chan struct{}

	// The current job, written under mu before the blocks are handed out.
	task   RowTask
	m      int
	blocks int

	mp       mulPackedTask // reused by MulPacked
	minFlops int           // MulPacked splits products of at least this many FLOPs
}

// NewWorkers returns a pool of n workers (the caller counts as one, so n−1
// goroutines are started). n ≤ 1 starts none.
func NewWorkers(n int) *Workers {
	w := &Workers{n: max(n, 1), minFlops: defaultMinFlops}
	if w.n > 1 {
		w.start = make([]chan int, w.n-1)
		w.done = make(chan struct{}, w.n-1)
		for i := range w.start {
			w.start[i] = make(chan int, 1)
			go w.helper(w.start[i])
		}
	}
	return w
}

// N returns the number of workers (1 for nil or a closed pool).
func (w *Workers) N() int {
	if w == nil {
		return 1
	}
	return w.n
}

// Close stops the helper goroutines; afterwards Run works inline. Closing
// twice, or a nil *Workers, does nothing.
func (w *Workers) Close() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.start {
		close(c)
	}
	w.start, w.n = nil, 1
}

func (w *Workers) helper(c chan int) {
	for i := range c {
		lo, hi := Block(w.m, w.blocks, i)
		w.task.RunRows(lo, hi)
		w.done <- struct{}{}
	}
}

// Run calls t.RunRows on contiguous blocks of [0, m) whose sizes differ by
// at most one (Block), at most one block per worker and none empty, and
// returns when all have returned. With one worker, or m ≤ 1, it calls
// t.RunRows(0, m) on the calling goroutine.
func (w *Workers) Run(m int, t RowTask) {
	if w == nil || w.n <= 1 || m <= 1 {
		t.RunRows(0, m)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.runLocked(m, t)
}

// runLocked is Run with w.mu held.
func (w *Workers) runLocked(m int, t RowTask) {
	if w.n <= 1 { // closed meanwhile
		t.RunRows(0, m)
		return
	}
	blocks := min(w.n, m)
	w.task, w.m, w.blocks = t, m, blocks
	for i := 1; i < blocks; i++ {
		w.start[i-1] <- i
	}
	lo, hi := Block(m, blocks, 0)
	t.RunRows(lo, hi)
	for i := 1; i < blocks; i++ {
		<-w.done
	}
	w.task = nil
}

// mulPackedTask is MulPacked over blocks of four rows (the kernel's tile
// height), so that the split keeps whole tiles.
type mulPackedTask struct {
	dst, a *Mat
	b      *Packed
	acc    bool
}

func (t *mulPackedTask) RunRows(lo, hi int) {
	r0, r1 := 4*lo, min(4*hi, t.a.Rows)
	lda, ldc := t.a.Cols, t.dst.Cols
	vec.MulPacked(t.dst.Data[r0*ldc:], t.a.Data[r0*lda:], t.b.Data, r1-r0, t.b.N, t.b.K, lda, ldc, t.acc)
}

// defaultMinFlops is the product size (2mnk) below which MulPacked does
// not split: waking a helper costs a few microseconds.
const defaultMinFlops = 1 << 20

// SetMinFLOPs sets the product size 2mnk below which MulPacked runs on the
// calling goroutine (default 2²⁰; 0 splits every product of two rows or
// more, as tests of the split want). It must not be called during a Run.
func (w *Workers) SetMinFLOPs(f int) {
	if w != nil {
		w.minFlops = f
	}
}

// MulPacked is the package-level MulPacked with the rows of a and dst
// split among the workers. Rows are independent in the kernel, so the
// result is bit-identical for any number of workers.
func (w *Workers) MulPacked(dst, a *Mat, b *Packed, acc bool) bool {
	if w == nil || w.n <= 1 || 2*a.Rows*b.N*b.K < w.minFlops || !vec.HasFMA() {
		return MulPacked(dst, a, b, acc)
	}
	if a.Cols != b.K || dst.Rows != a.Rows || dst.Cols != b.N {
		return MulPacked(dst, a, b, acc) // panics with the shapes
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.mp = mulPackedTask{dst: dst, a: a, b: b, acc: acc}
	w.runLocked((a.Rows+3)/4, &w.mp)
	w.mp = mulPackedTask{}
	return true
}
