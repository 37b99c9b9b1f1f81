//go:build !amd64 || purego

package optim

// adamVec updates nothing on this platform (the scalar loop does all).
func adamVec(th, g, m, v []float32, k *[7]float32) int { return 0 }
