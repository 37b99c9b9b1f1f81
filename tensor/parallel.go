package tensor

import "sync"

// Parallel splits the index range [0, n) into w contiguous blocks whose sizes
// differ by at most one and calls fn(i, lo, hi) for block i = 0 … w−1
// concurrently: block 0 on the calling goroutine, the others on new ones. It
// returns when every call has returned. w ≤ 1, or n < w, runs fn(0, 0, n)
// alone (so each block is non-empty). fn must be safe to run concurrently on
// disjoint blocks.
//
// Starting the goroutines allocates a few small objects per call, so call it
// once per batch around a loop, not inside an inner loop.
func Parallel(n, w int, fn func(i, lo, hi int)) {
	if w > n {
		w = n
	}
	if w <= 1 {
		fn(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	wg.Add(w - 1)
	for i := 1; i < w; i++ {
		go func(i int) {
			defer wg.Done()
			lo, hi := Block(n, w, i)
			fn(i, lo, hi)
		}(i)
	}
	lo, hi := Block(n, w, 0)
	fn(0, lo, hi)
	wg.Wait()
}

// Block returns the bounds [lo, hi) of block i when [0, n) is split into w
// contiguous blocks whose sizes differ by at most one, larger blocks first.
// It panics unless 0 ≤ i < w.
func Block(n, w, i int) (lo, hi int) {
	if i < 0 || i >= w {
		panic("tensor: Block index out of range")
	}
	q, r := n/w, n%w
	lo = i*q + min(i, r)
	hi = lo + q
	if i < r {
		hi++
	}
	return lo, hi
}
