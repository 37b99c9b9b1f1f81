//go:build unix

package env_test

import "syscall"

// cpuSeconds returns the user+system CPU time of the process, so that
// benchmarks can report throughput per CPU-second, which does not depend
// on how busy the machine is.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
