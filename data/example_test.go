package data_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/vfe-go/vfe/data"
	"github.com/vfe-go/vfe/tensor"
)

func ExampleDataset_Batches() {
	// Six one-pixel samples with labels 0, 1, 2, 0, 1, 2.
	ds := &data.Dataset{
		X:       tensor.FromSlice(6, 1, []float32{0, 0.2, 0.4, 0.6, 0.8, 1}),
		Y:       []int{0, 1, 2, 0, 1, 2},
		Classes: 3,
	}
	it := ds.Batches(rand.New(rand.NewPCG(1, 2)), 4)
	var onehot tensor.Mat
	n := 0
	for it.Next() {
		data.OneHot(&onehot, it.Y, ds.Classes)
		n += it.X.Rows
		fmt.Printf("batch of %d, one-hot %d×%d\n", it.X.Rows, onehot.Rows, onehot.Cols)
	}
	fmt.Println("samples per epoch:", n)
	// Output:
	// batch of 4, one-hot 4×3
	// batch of 2, one-hot 2×3
	// samples per epoch: 6
}

func ExampleDataset_FilterClasses() {
	ds := &data.Dataset{
		X:       tensor.FromSlice(4, 2, []float32{0, 0, 1, 1, 0.5, 0.5, 0.25, 0.75}),
		Y:       []int{0, 1, 0, 2},
		Classes: 3,
	}
	f := ds.FilterClasses([]int{0})
	fmt.Println(f.Len(), f.Y, f.X.Row(1))
	// Output: 2 [0 0] [0.5 0.5]
}
