//go:build !unix

package env_test

// cpuSeconds is unavailable on this platform; benchmarks then report no
// per-CPU-second figure.
func cpuSeconds() float64 { return 0 }
