//go:build !amd64 || purego

package nn

// reluVec writes nothing on this platform (the scalar loop does all).
func reluVec(f, df, x []float32) int { return 0 }

// mulVec writes nothing on this platform (the scalar loop does all).
func mulVec(d, x, y []float32) int { return 0 }
