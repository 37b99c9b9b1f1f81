//go:build openblas

package tensor

/*
#cgo LDFLAGS: -lopenblas
int openblas_get_num_threads(void);
void openblas_set_num_threads(int);
*/
import "C"

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// impl is OpenBLAS through gonum's netlib cgo binding, chosen at compile time
// by -tags openblas.
var impl blas.Float32 = netlib.Implementation{}

// BLAS names the BLAS implementation compiled into this binary: "gonum"
// (portable pure Go) or "openblas" (cgo, -tags openblas).
func BLAS() string { return "openblas" }

// SetThreads sets the number of threads OpenBLAS may use (n ≥ 1) and returns
// the previous setting.
func SetThreads(n int) int {
	if n < 1 {
		panic("tensor: SetThreads needs n >= 1")
	}
	prev := int(C.openblas_get_num_threads())
	C.openblas_set_num_threads(C.int(n))
	return prev
}

// Threads returns the number of threads OpenBLAS may use.
func Threads() int { return int(C.openblas_get_num_threads()) }
