package nn_test

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time consumed by the calling OS thread
// (getrusage RUSAGE_THREAD), or false where it is unavailable.
func threadCPU() (time.Duration, bool) {
	const rusageThread = 1 // RUSAGE_THREAD, Linux ≥ 2.6.26
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
