//go:build !amd64 || purego

package optim

// adamVec updates nothing on this platform (the scalar loop does all).
func adamVec(th, g, m, v []float32, k *[7]float32) int { return 0 }

// polyakVec writes nothing on this platform (the scalar loop does all).
func polyakVec(d, x []float32, t, o float32) int { return 0 }

// sumSqVec leaves the sum to sumSqLanes on this platform.
func sumSqVec(a []float32) (float64, bool) { return 0, false }
