// Package vec holds tensor's vector kernels: AVX2 assembly on amd64 with
// nothing behind it elsewhere (each kernel then reports that it wrote no
// element and the caller's scalar loop does the work). It is separate from
// tensor because a package that uses cgo (the OpenBLAS path) cannot contain
// Go assembly.
//
// Every kernel performs the scalar reference's float32 operations in the
// same order (separate multiplies and adds, no fused multiply-add), so the
// vector and scalar paths give identical bits.
package vec
