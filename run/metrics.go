package run

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// KV is one named value of a metrics row. Integers (steps, epochs) are
// stored exactly up to 2^53 and written without a decimal point.
type KV struct {
	Key   string
	Value float64
}

// F returns the pair (key, v).
func F(key string, v float64) KV { return KV{key, v} }

// Int returns the pair (key, float64(n)), for steps and epochs.
func Int(key string, n int) KV { return KV{key, float64(n)} }

// Logger appends metric rows to metrics.csv and metrics.jsonl in a folder.
// The first row written (or the header of an existing metrics.csv, when a
// run resumes) fixes the columns: later rows may omit keys but a new key is
// an error. Both files are flushed after every row. A Logger is not safe for
// concurrent use.
type Logger struct {
	csvF, jsonF *os.File
	csvW, jsonW *bufio.Writer
	keys        []string       // header order
	jsonKeys    [][]byte       // keys[i] JSON-quoted
	col         map[string]int // key → column
	cells       []float64      // current row by column
	set         []bool         // which cells the current row fills
	line        []byte
}

// NewLogger opens (creating if needed) dir/metrics.csv and dir/metrics.jsonl
// for appending. An incomplete last line left by a crash is cut off first.
func NewLogger(dir string) (*Logger, error) {
	l := &Logger{col: map[string]int{}}
	var err error
	if l.csvF, err = openAppend(filepath.Join(dir, MetricsCSV)); err != nil {
		return nil, err
	}
	if l.jsonF, err = openAppend(filepath.Join(dir, MetricsJSONL)); err != nil {
		l.csvF.Close()
		return nil, err
	}
	l.csvW, l.jsonW = bufio.NewWriter(l.csvF), bufio.NewWriter(l.jsonF)
	// Adopt an existing header.
	if _, err := l.csvF.Seek(0, io.SeekStart); err != nil {
		l.Close()
		return nil, fmt.Errorf("run: %w", err)
	}
	header, err := csv.NewReader(bufio.NewReader(l.csvF)).Read()
	if err != nil && !errors.Is(err, io.EOF) {
		l.Close()
		return nil, fmt.Errorf("run: %s: unreadable header: %w", l.csvF.Name(), err)
	}
	if _, err := l.csvF.Seek(0, io.SeekEnd); err != nil {
		l.Close()
		return nil, fmt.Errorf("run: %w", err)
	}
	if len(header) > 0 {
		if err := l.setHeader(header); err != nil {
			l.Close()
			return nil, err
		}
	}
	return l, nil
}

// openAppend opens path for reading and appending, cutting a final line that
// lacks its newline.
func openAppend(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("run: %w", err)
	}
	if size := st.Size(); size > 0 {
		// Find the last newline by scanning back in blocks.
		keep := int64(0)
		buf := make([]byte, 4096)
		for end := size; end > 0 && keep == 0; {
			start := max(0, end-int64(len(buf)))
			n, err := f.ReadAt(buf[:end-start], start)
			if err != nil && !errors.Is(err, io.EOF) {
				f.Close()
				return nil, fmt.Errorf("run: %w", err)
			}
			if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
				keep = start + int64(i) + 1
			}
			end = start
		}
		if keep != size {
			if err := f.Truncate(keep); err != nil {
				f.Close()
				return nil, fmt.Errorf("run: %w", err)
			}
		}
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return nil, fmt.Errorf("run: %w", err)
	}
	return f, nil
}

func (l *Logger) setHeader(keys []string) error {
	for i, k := range keys {
		if k == "" {
			return errors.New("run: empty metric key")
		}
		if _, dup := l.col[k]; dup {
			return fmt.Errorf("run: metric key %q repeated", k)
		}
		l.col[k] = i
		q, _ := json.Marshal(k)
		l.jsonKeys = append(l.jsonKeys, q)
	}
	l.keys = append([]string(nil), keys...)
	l.cells = make([]float64, len(keys))
	l.set = make([]bool, len(keys))
	return nil
}

// Keys returns the header, in column order (nil before the first row).
func (l *Logger) Keys() []string { return l.keys }

// Log appends one row to both files and flushes them. The first row of a new
// metrics file fixes the header in the order given; in later rows the keys
// may come in any order and may be a subset, but a key not in the header, a
// repeated key or an empty row is an error and nothing is written. Once the
// header is fixed, Log does not allocate.
func (l *Logger) Log(row ...KV) error {
	if len(row) == 0 {
		return errors.New("run: empty metrics row")
	}
	if l.keys == nil {
		keys := make([]string, len(row))
		for i, kv := range row {
			keys[i] = kv.Key
		}
		if err := l.setHeader(keys); err != nil {
			l.col, l.jsonKeys = map[string]int{}, nil
			return err
		}
		if err := writeCSVHeader(l.csvW, keys); err != nil {
			return err
		}
	}
	clear(l.set)
	for _, kv := range row {
		c, ok := l.col[kv.Key]
		if !ok {
			return fmt.Errorf("run: metric %q is not in the header fixed by the first row %v; log every key from the first row on", kv.Key, l.keys)
		}
		if l.set[c] {
			return fmt.Errorf("run: metric %q repeated in one row", kv.Key)
		}
		l.set[c], l.cells[c] = true, kv.Value
	}
	// CSV line.
	b := l.line[:0]
	for c := range l.keys {
		if c > 0 {
			b = append(b, ',')
		}
		if l.set[c] {
			b = appendCSVNumber(b, l.cells[c])
		}
	}
	b = append(b, '\n')
	if _, err := l.csvW.Write(b); err != nil {
		return fmt.Errorf("run: metrics.csv: %w", err)
	}
	// JSON line, keys in header order.
	b = append(b[:0], '{')
	first := true
	for c := range l.keys {
		if !l.set[c] {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, l.jsonKeys[c]...)
		b = append(b, ':')
		b = appendJSONNumber(b, l.cells[c])
	}
	b = append(b, '}', '\n')
	l.line = b
	if _, err := l.jsonW.Write(b); err != nil {
		return fmt.Errorf("run: metrics.jsonl: %w", err)
	}
	if err := l.csvW.Flush(); err != nil {
		return fmt.Errorf("run: metrics.csv: %w", err)
	}
	if err := l.jsonW.Flush(); err != nil {
		return fmt.Errorf("run: metrics.jsonl: %w", err)
	}
	return nil
}

func writeCSVHeader(w *bufio.Writer, keys []string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(keys); err != nil {
		return fmt.Errorf("run: metrics.csv: %w", err)
	}
	cw.Flush()
	return cw.Error()
}

// Close flushes and closes both files.
func (l *Logger) Close() error {
	var errs []error
	for _, p := range []struct {
		w *bufio.Writer
		f *os.File
	}{{l.csvW, l.csvF}, {l.jsonW, l.jsonF}} {
		if p.w != nil {
			errs = append(errs, p.w.Flush())
		}
		if p.f != nil {
			errs = append(errs, p.f.Close())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("run: close metrics: %w", err)
	}
	return nil
}

// appendNumber writes integers below 2^53 without exponent or decimal point
// and other values in the shortest form that parses back to the same float64.
func appendNumber(b []byte, v float64) []byte {
	if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

func appendCSVNumber(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case math.IsInf(v, 1):
		return append(b, "Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	}
	return appendNumber(b, v)
}

func appendJSONNumber(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return appendNumber(b, v)
}

// ReadMetrics reads metric rows back from a metrics.csv or metrics.jsonl
// file, or from a run directory (its metrics.csv when present, else its
// metrics.jsonl). Each row maps the keys it holds to their values: empty CSV
// cells and absent JSON keys are left out, "NaN"/"Inf"/"-Inf" cells parse to
// those values and JSON nulls read as NaN (so CSV is the lossless format).
// keys lists every key in header order (for JSONL, in order of first
// appearance). A final line without its newline (a row cut by a crash) is
// ignored.
func ReadMetrics(path string) (rows []map[string]float64, keys []string, err error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		p := filepath.Join(path, MetricsCSV)
		if _, err := os.Stat(p); err != nil {
			p = filepath.Join(path, MetricsJSONL)
		}
		path = p
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("run: %w", err)
	}
	if i := bytes.LastIndexByte(b, '\n'); i+1 != len(b) {
		b = b[:i+1]
	}
	if strings.HasSuffix(path, ".jsonl") {
		rows, keys, err = readJSONL(b)
	} else {
		rows, keys, err = readCSV(b)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("run: %s: %w", path, err)
	}
	return rows, keys, nil
}

func readCSV(b []byte) ([]map[string]float64, []string, error) {
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		return nil, nil, err
	}
	if len(recs) == 0 {
		return nil, nil, nil
	}
	keys := recs[0]
	rows := make([]map[string]float64, 0, len(recs)-1)
	for li, rec := range recs[1:] {
		row := make(map[string]float64, len(keys))
		for c, cell := range rec {
			if cell == "" {
				continue
			}
			v, err := strconv.ParseFloat(cell, 64)
			if err != nil {
				return nil, nil, fmt.Errorf("line %d, column %q: %q is not a number", li+2, keys[c], cell)
			}
			row[keys[c]] = v
		}
		rows = append(rows, row)
	}
	return rows, keys, nil
}

func readJSONL(b []byte) ([]map[string]float64, []string, error) {
	var rows []map[string]float64
	var keys []string
	seen := map[string]bool{}
	for li, line := range bytes.Split(b, []byte{'\n'}) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		tok, err := dec.Token()
		if err != nil || tok != json.Delim('{') {
			return nil, nil, fmt.Errorf("line %d: not a JSON object", li+1)
		}
		row := map[string]float64{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, nil, fmt.Errorf("line %d: %w", li+1, err)
			}
			k := kt.(string)
			var v *float64
			if err := dec.Decode(&v); err != nil {
				return nil, nil, fmt.Errorf("line %d, key %q: %w", li+1, k, err)
			}
			if v == nil {
				row[k] = math.NaN()
			} else {
				row[k] = *v
			}
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
		rows = append(rows, row)
	}
	return rows, keys, nil
}
