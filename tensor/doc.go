// Package tensor is vfe's float32 numerics core: dense row-major matrices over
// gonum's blas.Float32 interface, and fused, allocation-free element-wise
// kernels (activations and their derivatives, softplus, log-sum-exp).
//
// # Conventions
//
// A Mat is Rows×Cols, row-major and contiguous (the stride is Cols). A batch
// of B vectors of width D is a B×D Mat: one sample per row.
//
// Kernels are output-first: the destination comes first and is returned. A nil
// destination is allocated; a non-nil one must already have the right shape
// (a mismatch is a programmer error and panics with a "tensor:" message). Most
// kernels allow the destination to alias an input element-wise.
//
// # BLAS paths
//
// Two BLAS implementations sit behind one API, chosen at compile time:
// gonum's pure-Go BLAS (the default; builds with CGO_ENABLED=0) and OpenBLAS
// through gonum.org/v1/netlib (cgo, build tag "openblas", Debian's
// libopenblas-dev). BLAS reports which one this binary uses.
//
// # Speed
//
// The hot element-wise kernel of predictive coding, tanh with its derivative
// (Act.ForwardDeriv), runs eight lanes at a time with AVX2 on amd64 (package
// tensor/internal/vec; Go assembly cannot live in a cgo package), giving the
// same bits as the scalar Tanh32; other platforms and the purego build tag
// use the scalar loop. Parallel and Block split a batch's rows over
// goroutines (callers then give the BLAS one thread with SetThreads(1)), and
// GemmStrided multiplies column blocks of row-major storage in place, so
// that weight gradients can be split by output unit. BENCHMARKS.md at the
// repository root has the measured figures (make bench).
//
// Nothing in this package holds mutable global state; randomness always comes
// from an explicit *rand.Rand.
package tensor
