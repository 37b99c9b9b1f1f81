//go:build !openblas

package tensor

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// impl is the portable pure-Go BLAS. It is chosen at compile time: build with
// -tags openblas for the OpenBLAS path.
var impl blas.Float32 = gonum.Implementation{}

// BLAS names the BLAS implementation compiled into this binary: "gonum"
// (portable pure Go) or "openblas" (cgo, -tags openblas).
func BLAS() string { return "gonum" }

// SetThreads sets the number of threads the BLAS may use and returns the
// previous setting. The pure-Go path is single-threaded per call, so it is a
// no-op there that returns 1.
func SetThreads(n int) int { return 1 }

// Threads returns 1: the pure-Go path has no thread setting (SetThreads).
func Threads() int { return 1 }
