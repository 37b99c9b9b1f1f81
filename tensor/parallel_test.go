package tensor

import (
	"sync/atomic"
	"testing"
)

func TestBlock_Partition(t *testing.T) {
	for _, n := range []int{0, 1, 5, 64, 65} {
		for w := 1; w <= 4; w++ {
			next := 0
			for i := range w {
				lo, hi := Block(n, w, i)
				if lo != next || hi < lo || hi-lo > n/w+1 || hi-lo < n/w {
					t.Fatalf("Block(%d, %d, %d) = [%d, %d), previous block ended at %d", n, w, i, lo, hi, next)
				}
				next = hi
			}
			if next != n {
				t.Fatalf("Block(%d, %d, ·) covers [0, %d), want [0, %d)", n, w, next, n)
			}
		}
	}
	// Hand split: 10 into 3 is 4, 3, 3.
	if lo, hi := Block(10, 3, 1); lo != 4 || hi != 7 {
		t.Fatalf("Block(10, 3, 1) = [%d, %d), want [4, 7)", lo, hi)
	}
}

func TestParallel_CoversEachIndexOnce(t *testing.T) {
	for _, tc := range []struct{ n, w, calls int }{{0, 2, 1}, {1, 4, 1}, {7, 1, 1}, {7, 2, 2}, {64, 3, 3}, {3, 8, 3}} {
		hits := make([]int32, tc.n)
		var calls atomic.Int32
		Parallel(tc.n, tc.w, func(i, lo, hi int) {
			calls.Add(1)
			if wantLo, wantHi := Block(tc.n, max(min(tc.w, tc.n), 1), i); tc.n > 0 && (lo != wantLo || hi != wantHi) {
				t.Errorf("n=%d w=%d: block %d is [%d, %d), want [%d, %d)", tc.n, tc.w, i, lo, hi, wantLo, wantHi)
			}
			for j := lo; j < hi; j++ {
				atomic.AddInt32(&hits[j], 1)
			}
		})
		if int(calls.Load()) != tc.calls {
			t.Errorf("n=%d w=%d: %d calls, want %d", tc.n, tc.w, calls.Load(), tc.calls)
		}
		for j, h := range hits {
			if h != 1 {
				t.Fatalf("n=%d w=%d: index %d visited %d times", tc.n, tc.w, j, h)
			}
		}
	}
}
