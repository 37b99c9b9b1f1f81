package tensor_test

import (
	"fmt"

	"github.com/vfe-go/vfe/tensor"
)

// Splitting a batch's rows over workers: each block is handled on its own
// goroutine, and the blocks partition the rows.
func ExampleParallel() {
	x := tensor.FromSlice(5, 2, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	y := tensor.New(5, 2)
	tensor.Parallel(x.Rows, 2, func(_, lo, hi int) {
		// Rows [lo, hi) only: blocks are disjoint, so no locking is needed.
		tensor.Tanh.Forward(y.RowsView(lo, hi), x.RowsView(lo, hi))
	})
	for w := range 2 {
		lo, hi := tensor.Block(x.Rows, 2, w)
		fmt.Printf("worker %d: rows [%d, %d)\n", w, lo, hi)
	}
	fmt.Printf("tanh(1) = %.4f, tanh(10) = %.4f\n", y.At(0, 0), y.At(4, 1))
	// Output:
	// worker 0: rows [0, 3)
	// worker 1: rows [3, 5)
	// tanh(1) = 0.7616, tanh(10) = 1.0000
}

// A weight gradient ∂W = dyᵀ·x computed for a block of W's rows (columns of
// dy) at a time, as a row-split Learn does, without copying dy's columns.
func ExampleGemmStrided() {
	dy := tensor.FromSlice(2, 3, []float32{1, 0, 2, 0, 1, 1}) // batch 2, 3 outputs
	x := tensor.FromSlice(2, 2, []float32{1, 2, 3, 4})        // batch 2, 2 inputs
	dW := tensor.New(3, 2)
	// Rows [1, 3) of dW from columns [1, 3) of dy: lda = 3, ldc = 2.
	tensor.GemmStrided(true, false, 2, 2, 2, 1, dy.Data[1:], 3, x.Data, 2, 0, dW.Data[1*2:], 2)
	tensor.GemmStrided(true, false, 1, 2, 2, 1, dy.Data[0:], 3, x.Data, 2, 0, dW.Data[0:], 2)
	fmt.Println(dW.Data)
	// By hand: row j of dW is Σ_b dy[b, j]·x[b, :]: [1 2], [3 4], [2·1+3, 2·2+4].
	// Output: [1 2 3 4 5 8]
}
