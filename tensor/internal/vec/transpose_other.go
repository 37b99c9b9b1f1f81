//go:build !amd64 || purego

package vec

// transposeBlocks is the vector kernel's stand-in where there is none: it
// reports false.
func transposeBlocks(dst, src []float32, nblk, lddst, ldsrc int) bool { return false }

// copyPanel is the vector kernel's stand-in where there is none: it reports
// false.
func copyPanel(dst, b []float32, k, n, c int) bool { return false }
