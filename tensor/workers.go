package tensor

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

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
// MulPacked. A job is cut into a few contiguous chunks per worker; the
// calling goroutine and the n−1 helpers claim chunks until none is left,
// so a helper that the operating system has not scheduled yet delays the
// job by at most the chunk it holds (the caller does the rest). Each worker
// claims the chunks of its own share first (worker i of n: chunks i·c/n …
// (i+1)·c/n − 1) and only then the others' that are still unclaimed, so
// that consecutive products over the same rows give them to the same core,
// whose caches hold them. A dispatch allocates nothing, so it can sit
// inside a training step. A nil *Workers, or one of n ≤ 1, runs everything
// on the calling goroutine.
//
// Between jobs a helper polls for the next one for a short while
// (spinWait) before it blocks, as BLAS threads do: the products of a
// training step follow each other within microseconds, and waking a
// blocked thread costs more than a small product on a busy machine.
//
// A Workers serves one Run at a time (concurrent calls wait for each
// other). Close stops the helpers; a closed Workers runs inline.
type Workers struct {
	n       int
	mu      sync.Mutex
	helpers []*helper
	gen     uint64 // generation of the last job, under mu

	// The current job: task and m are written under mu before state
	// publishes it, and read by a helper only while it holds a claimed
	// chunk (Run does not return before every chunk is done).
	task RowTask
	m    int
	// state is generation<<32 | chunks<<16 | claimed, a bit per chunk.
	state  atomic.Uint64
	done   atomic.Int32 // chunks of the current job finished
	closed atomic.Bool

	// Probing (SetProbe): every probeEvery-th dispatch measures a hand-off's
	// round trip; while it exceeds limit, inline makes jobs run on the
	// calling goroutine.
	limit  time.Duration
	calls  atomic.Uint64
	inline atomic.Bool
	rtt    atomic.Int64    // the last probe's round trip in ns (−1: no helper answered)
	probes [2]atomic.Int64 // probes taken, and those that set inline
	pt     probeTask

	mp       mulPackedTask // reused by MulPacked
	pk       packTask      // reused by PackPadded
	minFlops int           // MulPacked splits products of at least this many FLOPs
}

// helper is one helper goroutine's wake-up state.
type helper struct {
	sleeping atomic.Bool   // it announced that it blocks on wake
	wake     chan struct{} // one token per wake-up
}

// spinWait is how long a helper polls for the next job before it blocks.
const spinWait = 200 * time.Microsecond

// chunksPerWorker is the number of chunks a job is cut into per worker,
// and maxChunks the most of a job (one bit each in Workers.state).
const (
	chunksPerWorker = 4
	maxChunks       = 16
)

// NewWorkers returns a pool of n workers (the caller counts as one, so n−1
// goroutines are started). n ≤ 1 starts none.
func NewWorkers(n int) *Workers {
	w := &Workers{n: max(n, 1), minFlops: defaultMinFlops}
	for i := 1; i < w.n; i++ {
		h := &helper{wake: make(chan struct{}, 1)}
		w.helpers = append(w.helpers, h)
		go w.loop(h, i)
	}
	return w
}

// probeEvery is the number of dispatches between two probes (SetProbe):
// a DQN update makes about ten, so a probe every few hundred updates.
const probeEvery = 4096

// SetProbe turns on (limit > 0) or off (limit 0, the default) a periodic
// check of the pool's hand-offs: every probeEvery-th dispatch first times
// a few round trips between the calling goroutine and a helper, and while
// the round trip exceeds limit (or no helper answers within a
// millisecond), jobs run on the calling goroutine alone. A virtual
// machine's host may place two vCPUs on cores that share a cache (round
// trips of tens of nanoseconds) or on cores that do not (hundreds), and
// change that while a program runs; in the second case a split product
// spends more time moving its operands between the cores than it saves.
// Results do not depend on the number of workers, so switching changes no
// bits. It must not be called during a Run.
func (w *Workers) SetProbe(limit time.Duration) {
	if w == nil {
		return
	}
	w.limit = max(limit, 0)
	w.inline.Store(false)
	w.calls.Store(0)
	w.rtt.Store(0)
	w.probes[0].Store(0)
	w.probes[1].Store(0)
}

// Probe reports the last probe's hand-off round trip (negative when no
// helper answered in time, 0 before the first probe), whether the pool
// runs jobs inline because of it, and how many probes were taken and how
// many of them found the hand-offs too slow.
func (w *Workers) Probe() (rtt time.Duration, inline bool, probes, slow int) {
	if w == nil {
		return 0, false, 0, 0
	}
	return time.Duration(w.rtt.Load()), w.inline.Load(), int(w.probes[0].Load()), int(w.probes[1].Load())
}

// parallel reports whether a dispatch may use the helpers, probing first
// every probeEvery dispatches when SetProbe is on.
func (w *Workers) parallel() bool {
	if w == nil || w.n <= 1 {
		return false
	}
	if w.limit > 0 && w.calls.Add(1)%probeEvery == 1 {
		w.probe()
	}
	return !w.inline.Load()
}

// probe times probeTrips round trips between two workers and sets inline.
func (w *Workers) probe() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n <= 1 {
		return
	}
	w.pt = probeTask{trips: probeTrips}
	w.runLocked(2, &w.pt)
	rtt := w.pt.rtt
	if !w.pt.ok {
		rtt = -1
	}
	w.rtt.Store(int64(rtt))
	slow := rtt < 0 || rtt > w.limit
	w.inline.Store(slow)
	w.probes[0].Add(1)
	if slow {
		w.probes[1].Add(1)
	}
}

// probeTrips is the number of round trips a probe averages.
const probeTrips = 32

// probeTask is a ping-pong between the workers that claim its two rows:
// row 0 sends, row 1 answers. Either side gives up after a millisecond
// without the other (a helper that is not running, or the caller doing
// both rows).
type probeTask struct {
	trips int
	state atomic.Int64 // 0 start, 1 answerer ready, 2k ping k, 2k+1 its answer, −1 done
	rtt   time.Duration
	ok    bool
}

func (t *probeTask) RunRows(lo, hi int) {
	for r := lo; r < hi; r++ {
		if r == 0 {
			t.ping()
		} else {
			t.answer()
		}
	}
}

// await polls state until ok(state) holds, for at most d; it returns the
// last value and whether ok held.
func (t *probeTask) await(ok func(int64) bool, d time.Duration) (int64, bool) {
	deadline := time.Now().Add(d)
	for spins := 0; ; spins++ {
		v := t.state.Load()
		if ok(v) {
			return v, true
		}
		if spins&255 == 255 && time.Now().After(deadline) {
			return v, false
		}
	}
}

func (t *probeTask) ping() {
	defer t.state.Store(-1)
	if _, ok := t.await(func(v int64) bool { return v == 1 }, time.Millisecond); !ok {
		return
	}
	start := time.Now()
	for k := int64(1); k <= int64(t.trips); k++ {
		t.state.Store(2 * k)
		if _, ok := t.await(func(v int64) bool { return v == 2*k+1 }, time.Millisecond); !ok {
			return
		}
	}
	t.rtt, t.ok = time.Since(start)/time.Duration(t.trips), true
}

func (t *probeTask) answer() {
	if !t.state.CompareAndSwap(0, 1) {
		return // the sender gave up already
	}
	for {
		v, ok := t.await(func(v int64) bool { return v < 0 || (v >= 2 && v%2 == 0) }, time.Millisecond)
		if !ok || v < 0 {
			return
		}
		t.state.Store(v + 1)
	}
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
	if w.closed.Swap(true) {
		return
	}
	w.gen++
	w.state.Store(w.gen << 32)
	w.wakeAll()
	w.helpers, w.n = nil, 1
}

// wakeAll sends a token to every helper that announced it blocks.
func (w *Workers) wakeAll() {
	for _, h := range w.helpers {
		if h.sleeping.CompareAndSwap(true, false) {
			h.wake <- struct{}{}
		}
	}
}

// loop is helper i's goroutine: wait for a new generation, claim its
// chunks with the others, repeat.
func (w *Workers) loop(h *helper, i int) {
	var last uint64 // generation 0: helpers start before any job
	for {
		last = w.await(h, last)
		if w.closed.Load() {
			return
		}
		w.work(last, i)
	}
}

// work claims and runs chunks of job g as worker i until none is left: its
// own share first, then any other.
func (w *Workers) work(g uint64, i int) {
	for {
		s := w.state.Load()
		if s>>32 != g {
			return
		}
		chunks := int(s >> 16 & 0xffff)
		claimed := s & 0xffff
		if claimed == 1<<chunks-1 {
			return
		}
		c := -1
		for j := i * chunks / w.n; j < (i+1)*chunks/w.n; j++ {
			if claimed&(1<<j) == 0 {
				c = j
				break
			}
		}
		if c < 0 { // the own share is done: take another's, from its end
			for j := chunks - 1; j >= 0; j-- {
				if claimed&(1<<j) == 0 {
					c = j
					break
				}
			}
		}
		if !w.state.CompareAndSwap(s, s|1<<c) {
			continue
		}
		lo, hi := Block(w.m, chunks, c)
		w.task.RunRows(lo, hi)
		w.done.Add(1)
	}
}

// await returns the first generation after last: it polls for spinWait,
// then blocks until Run or Close wakes it.
func (w *Workers) await(h *helper, last uint64) uint64 {
	deadline := time.Now().Add(spinWait)
	for spins := 0; ; spins++ {
		if g := w.state.Load() >> 32; g != last {
			return g
		}
		if spins&63 != 63 {
			continue
		}
		if time.Now().Before(deadline) {
			runtime.Gosched()
			continue
		}
		// Announce the sleep, then look again: Run publishes a job
		// before it checks sleeping, so either it sees the announcement
		// and sends a token or this check sees the new generation.
		h.sleeping.Store(true)
		if g := w.state.Load() >> 32; g != last {
			if !h.sleeping.CompareAndSwap(true, false) {
				<-h.wake // Run took the announcement: its token is on the way
			}
			return g
		}
		<-h.wake
		deadline = time.Now().Add(spinWait)
	}
}

// Run calls t.RunRows on contiguous blocks of [0, m), each row in exactly
// one call and no block empty, spread over the workers, and returns when
// all have returned. With one worker, or m ≤ 1, it calls t.RunRows(0, m)
// on the calling goroutine.
func (w *Workers) Run(m int, t RowTask) {
	if m <= 1 || !w.parallel() {
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
	chunks := min(m, chunksPerWorker*w.n, maxChunks)
	w.task, w.m = t, m
	w.done.Store(0)
	w.gen++
	w.state.Store(w.gen<<32 | uint64(chunks)<<16)
	w.wakeAll()
	w.work(w.gen, 0)
	for spins := 0; w.done.Load() != int32(chunks); spins++ {
		if spins&15 == 15 {
			runtime.Gosched()
		}
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
	if w == nil || 2*a.Rows*b.N*b.K < w.minFlops || !vec.HasFMA() || !w.parallel() {
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

// packTask is PackPadded over a range of panels.
type packTask struct {
	bp, b []float32
	k, n  int
	trans bool
}

func (t *packTask) RunRows(lo, hi int) { vec.PackPanelRange(t.bp, t.b, t.k, t.n, t.trans, lo, hi) }

// minPackSplit is the size of b (elements) below which PackPadded does not
// split: a 256×256 weight (65,536 values) packs in about 12 µs on one
// core, and a hand-off costs one or two.
const minPackSplit = 1 << 14

// PackPadded is the package-level PackPadded with the panels split among
// the workers: the packed values are the same for any number of them. A nil
// *Workers, one of n ≤ 1, or a small b packs on the calling goroutine.
func (w *Workers) PackPadded(dst *Packed, b *Mat, trans bool) (*Packed, bool) {
	if w == nil || b.Len() < minPackSplit || !w.parallel() {
		return PackPadded(dst, b, trans)
	}
	dst, ok := preparePacked(dst, b, trans)
	if !ok {
		return dst, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pk = packTask{bp: dst.Data, b: b.Data, k: dst.K, n: dst.N, trans: trans}
	w.runLocked(vec.PaddedCols(dst.N)/16, &w.pk)
	w.pk = packTask{}
	return dst, true
}
