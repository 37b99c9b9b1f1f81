package rlrun

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/vfe-go/vfe/rl"
	"github.com/vfe-go/vfe/run"
)

// StepKey is the first column of an RL run's metrics files: the global
// environment step (summed over parallel envs).
const StepKey = "step"

// metricsSink is the rl.Logger behind a run directory. Algorithms log
// different metric families at different moments (episode ends, updates,
// evaluations), so the column set is not known when the first row arrives:
// the sink keeps every row in memory, appends a row to metrics.csv and
// metrics.jsonl when its keys are known, and rewrites both files atomically
// (with the widened header) the few times a new key first appears. The
// format is run.Logger's: one header row, empty cells for absent keys,
// integers without a decimal point, NaN/±Inf spelled out in CSV and null in
// JSON.
type metricsSink struct {
	dir   string
	keys  []string // StepKey first, then in order of first appearance
	col   map[string]int
	rows  [][]float64 // by column; NaN-boxed absent cells tracked in set
	sets  [][]bool
	csvF  *os.File
	jsonF *os.File
	csvW  *bufio.Writer
	jsonW *bufio.Writer
	line  []byte

	// Latest values, for the summary.
	last map[string]float64
}

var _ rl.Logger = (*metricsSink)(nil)

func newMetricsSink(dir string) *metricsSink {
	return &metricsSink{dir: dir, keys: []string{StepKey}, col: map[string]int{StepKey: 0}, last: map[string]float64{}}
}

// Log records metrics at step. A repeated key in one call or the key "step"
// is an error.
func (s *metricsSink) Log(step int, metrics ...rl.Metric) error {
	if len(metrics) == 0 {
		return nil
	}
	for i, m := range metrics {
		if m.Key == "" || m.Key == StepKey {
			return fmt.Errorf("rlrun: invalid metric key %q", m.Key)
		}
		for _, o := range metrics[:i] {
			if o.Key == m.Key {
				return fmt.Errorf("rlrun: metric %q repeated in one row", m.Key)
			}
		}
	}
	widened := false
	for _, m := range metrics {
		if _, ok := s.col[m.Key]; !ok {
			s.col[m.Key] = len(s.keys)
			s.keys = append(s.keys, m.Key)
			widened = true
		}
	}
	n := len(s.keys)
	row := make([]float64, n)
	set := make([]bool, n)
	row[0], set[0] = float64(step), true
	for _, m := range metrics {
		c := s.col[m.Key]
		row[c], set[c] = m.Value, true
		s.last[m.Key] = m.Value
	}
	s.rows = append(s.rows, row)
	s.sets = append(s.sets, set)
	if widened || s.csvF == nil {
		return s.rewrite()
	}
	return s.appendRow(len(s.rows) - 1)
}

// rewrite writes both files from scratch atomically and reopens them for
// appending.
func (s *metricsSink) rewrite() error {
	if err := s.closeFiles(); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		json bool
	}{{run.MetricsCSV, false}, {run.MetricsJSONL, true}} {
		err := run.AtomicWrite(filepath.Join(s.dir, f.name), func(w io.Writer) error {
			bw := bufio.NewWriter(w)
			if !f.json {
				if _, err := bw.Write(s.csvHeader()); err != nil {
					return err
				}
			}
			for i := range s.rows {
				if f.json {
					s.line = s.jsonLine(s.line[:0], i)
				} else {
					s.line = s.csvLine(s.line[:0], i)
				}
				if _, err := bw.Write(s.line); err != nil {
					return err
				}
			}
			return bw.Flush()
		})
		if err != nil {
			return fmt.Errorf("rlrun: write metrics: %w", err)
		}
	}
	var err error
	if s.csvF, err = os.OpenFile(filepath.Join(s.dir, run.MetricsCSV), os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
		return fmt.Errorf("rlrun: %w", err)
	}
	if s.jsonF, err = os.OpenFile(filepath.Join(s.dir, run.MetricsJSONL), os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
		s.csvF.Close()
		s.csvF = nil
		return fmt.Errorf("rlrun: %w", err)
	}
	s.csvW, s.jsonW = bufio.NewWriter(s.csvF), bufio.NewWriter(s.jsonF)
	return nil
}

func (s *metricsSink) appendRow(i int) error {
	s.line = s.csvLine(s.line[:0], i)
	if _, err := s.csvW.Write(s.line); err != nil {
		return fmt.Errorf("rlrun: metrics.csv: %w", err)
	}
	s.line = s.jsonLine(s.line[:0], i)
	if _, err := s.jsonW.Write(s.line); err != nil {
		return fmt.Errorf("rlrun: metrics.jsonl: %w", err)
	}
	return nil
}

// flush pushes buffered rows to disk.
func (s *metricsSink) flush() error {
	if s.csvW == nil {
		return nil
	}
	if err := errors.Join(s.csvW.Flush(), s.jsonW.Flush()); err != nil {
		return fmt.Errorf("rlrun: write metrics: %w", err)
	}
	return nil
}

func (s *metricsSink) closeFiles() error {
	if s.csvF == nil {
		return nil
	}
	err := errors.Join(s.flush(), s.csvF.Close(), s.jsonF.Close())
	s.csvF, s.jsonF, s.csvW, s.jsonW = nil, nil, nil, nil
	if err != nil {
		return fmt.Errorf("rlrun: close metrics: %w", err)
	}
	return nil
}

func (s *metricsSink) csvHeader() []byte {
	var b []byte
	for i, k := range s.keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, k...) // keys are namespaced identifiers: no quoting needed
	}
	return append(b, '\n')
}

func (s *metricsSink) csvLine(b []byte, i int) []byte {
	row, set := s.rows[i], s.sets[i]
	for c := range s.keys {
		if c > 0 {
			b = append(b, ',')
		}
		if c < len(row) && set[c] {
			switch v := row[c]; {
			case math.IsNaN(v):
				b = append(b, "NaN"...)
			case math.IsInf(v, 1):
				b = append(b, "Inf"...)
			case math.IsInf(v, -1):
				b = append(b, "-Inf"...)
			default:
				b = appendNumber(b, v)
			}
		}
	}
	return append(b, '\n')
}

func (s *metricsSink) jsonLine(b []byte, i int) []byte {
	row, set := s.rows[i], s.sets[i]
	b = append(b, '{')
	first := true
	for c := range row {
		if !set[c] {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		q, _ := json.Marshal(s.keys[c])
		b = append(b, q...)
		b = append(b, ':')
		if v := row[c]; math.IsNaN(v) || math.IsInf(v, 0) {
			b = append(b, "null"...)
		} else {
			b = appendNumber(b, v)
		}
	}
	return append(b, '}', '\n')
}

// appendNumber writes integers below 2^53 without a decimal point and other
// values in the shortest form that parses back to the same float64.
func appendNumber(b []byte, v float64) []byte {
	if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}
