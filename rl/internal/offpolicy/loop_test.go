package offpolicy

import (
	"math"
	"testing"
)

func TestRecent_Mean(t *testing.T) {
	var r Recent
	if !math.IsNaN(r.Mean()) {
		t.Fatal("mean of no episodes must be NaN")
	}
	for i := 1; i <= recentWindow+2; i++ {
		r.Add(float64(i))
	}
	// The window keeps returns 3 … 102: mean (3 + 102)/2 = 52.5.
	if got := r.Mean(); got != 52.5 {
		t.Fatalf("recent mean %v, want 52.5", got)
	}
}
