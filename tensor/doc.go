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
// Nothing in this package holds mutable global state; randomness always comes
// from an explicit *rand.Rand.
package tensor
