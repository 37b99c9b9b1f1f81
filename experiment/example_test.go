package experiment_test

import (
	"fmt"

	"github.com/vfe-go/vfe/experiment"
)

// The accuracy matrix of a three-task sequence: row i holds the test
// accuracy on every task after training task i.
func ExampleAccMatrix() {
	r := experiment.AccMatrix{
		{0.98, 0.10, 0.12},
		{0.70, 0.97, 0.11},
		{0.55, 0.80, 0.99},
	}
	fmt.Printf("ACC %.3f\n", r.AverageAccuracy())
	fmt.Printf("BWT %.3f\n", r.BackwardTransfer())
	fmt.Printf("after task 2: %.3f\n", r.SeenAccuracy(1))
	// Output:
	// ACC 0.780
	// BWT -0.300
	// after task 2: 0.835
}

// Paired compares two methods seed by seed.
func ExamplePaired() {
	pc := []float64{0.91, 0.93, 0.92, 0.90, 0.94}
	bp := []float64{0.90, 0.91, 0.92, 0.89, 0.92}
	d := experiment.Paired(pc, bp)
	fmt.Println("PC − BP:", d.Pct(), "points; excludes 0:", d.Excludes0())
	// Output:
	// PC − BP: 1.20 ± 1.04 points; excludes 0: true
}
