//go:build !amd64 || purego

package vec

// Tanh is the vector kernel's stand-in where there is none: it writes
// nothing and returns 0, leaving every element to the scalar loop.
func Tanh(y, dy, x []float32) int { return 0 }
