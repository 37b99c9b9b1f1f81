package reinforce

import (
	"os"
	"testing"

	"github.com/vfe-go/vfe/tensor"
)

// TestMain runs the tests with one BLAS thread: the networks are small, and
// OpenBLAS's worker threads only add contention on a busy machine.
func TestMain(m *testing.M) {
	tensor.SetThreads(1)
	os.Exit(m.Run())
}
