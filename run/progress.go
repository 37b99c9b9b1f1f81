package run

import (
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// ProgressMode says when a Progress bar draws.
type ProgressMode int

const (
	// ProgressAuto draws only when the writer is a terminal (the zero value).
	ProgressAuto ProgressMode = iota
	// ProgressOn always draws.
	ProgressOn
	// ProgressOff never draws.
	ProgressOff
)

// Progress is a progress bar with live statistics, e.g.
//
//	train  42% |████      | samples/s 5.1e+03  energy 0.123  acc 97.1%
//
// It reads only the wall clock, never a random number generator, so showing
// or hiding it cannot change a run's results. A hidden Progress does next to
// nothing. It is not safe for concurrent use.
type Progress struct {
	bar      *progressbar.ProgressBar
	desc     string
	start    time.Time
	lastDesc time.Time
	done     int64
	buf      []byte
}

// describeEvery is the minimum interval between description updates.
const describeEvery = 200 * time.Millisecond

// NewProgress returns a bar over total samples (total ≤ 0: unknown) labelled
// desc, drawing to w according to mode.
func NewProgress(w io.Writer, total int64, desc string, mode ProgressMode) *Progress {
	p := &Progress{desc: desc, start: time.Now()}
	visible := mode == ProgressOn || (mode == ProgressAuto && isTerminal(w))
	if !visible {
		return p
	}
	if total <= 0 {
		total = -1
	}
	p.bar = progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSetWidth(20),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionShowDescriptionAtLineEnd(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionOnCompletion(func() { _, _ = io.WriteString(w, "\n") }),
	)
	return p
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Visible reports whether the bar draws.
func (p *Progress) Visible() bool { return p.bar != nil }

// Add records n more samples done and shows stats next to the throughput.
// Keys containing "acc" with values in [0, 1] show as percentages.
func (p *Progress) Add(n int, stats ...KV) {
	p.done += int64(n)
	if p.bar == nil {
		return
	}
	if now := time.Now(); now.Sub(p.lastDesc) >= describeEvery {
		p.lastDesc = now
		p.bar.Describe(p.describe(now, stats))
	}
	_ = p.bar.Add(n)
}

func (p *Progress) describe(now time.Time, stats []KV) string {
	b := append(p.buf[:0], p.desc...)
	if s := now.Sub(p.start).Seconds(); s > 0 {
		b = append(b, "  samples/s "...)
		b = strconv.AppendFloat(b, float64(p.done)/s, 'g', 2, 64)
	}
	for _, kv := range stats {
		b = append(b, "  "...)
		b = append(b, kv.Key...)
		b = append(b, ' ')
		if strings.Contains(kv.Key, "acc") && kv.Value >= 0 && kv.Value <= 1 {
			b = strconv.AppendFloat(b, 100*kv.Value, 'f', 1, 64)
			b = append(b, '%')
		} else {
			b = strconv.AppendFloat(b, kv.Value, 'g', 3, 64)
		}
	}
	p.buf = b
	return string(b)
}

// Done returns the number of samples recorded by Add.
func (p *Progress) Done() int64 { return p.done }

// Finish completes the bar and ends its line.
func (p *Progress) Finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
