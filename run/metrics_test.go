package run

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLogger_Log(t *testing.T) {
	dir := t.TempDir()
	l, err := NewLogger(dir)
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]KV{
		{Int("step", 1), F("loss", 0.5), F("acc", 0.25)},
		{F("acc", math.NaN()), Int("step", 2), F("loss", math.Inf(1))}, // other order
		{Int("step", 1000000), F("loss", math.Inf(-1))},                // acc missing
		{Int("step", 4), F("loss", 1e-7), F("acc", 1.0/3)},
	}
	for _, r := range rows {
		if err := l.Log(r...); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("files are flushed after each row", func(t *testing.T) {
		wantCSV := "step,loss,acc\n1,0.5,0.25\n2,Inf,NaN\n1000000,-Inf,\n4,1e-07,0.3333333333333333\n"
		if got := readFile(t, filepath.Join(dir, MetricsCSV)); got != wantCSV {
			t.Errorf("metrics.csv =\n%s\nwant\n%s", got, wantCSV)
		}
		wantJSON := `{"step":1,"loss":0.5,"acc":0.25}` + "\n" +
			`{"step":2,"loss":null,"acc":null}` + "\n" +
			`{"step":1000000,"loss":null}` + "\n" +
			`{"step":4,"loss":1e-07,"acc":0.3333333333333333}` + "\n"
		if got := readFile(t, filepath.Join(dir, MetricsJSONL)); got != wantJSON {
			t.Errorf("metrics.jsonl =\n%s\nwant\n%s", got, wantJSON)
		}
	})
	t.Run("bad rows", func(t *testing.T) {
		for name, row := range map[string][]KV{
			"new key":      {Int("step", 5), F("extra", 1)},
			"repeated key": {Int("step", 5), Int("step", 6)},
			"empty":        nil,
		} {
			if err := l.Log(row...); err == nil {
				t.Errorf("%s: no error", name)
			}
		}
		if got := strings.Count(readFile(t, filepath.Join(dir, MetricsCSV)), "\n"); got != 5 {
			t.Errorf("metrics.csv has %d lines after rejected rows, want 5", got)
		}
	})
	t.Run("no allocation", func(t *testing.T) {
		row := []KV{Int("step", 7), F("loss", 0.125), F("acc", 0.5)}
		if a := testing.AllocsPerRun(50, func() {
			if err := l.Log(row...); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Errorf("Log: %v allocs per row, want 0", a)
		}
	})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestLogger_Resume(t *testing.T) {
	dir := t.TempDir()
	l, err := NewLogger(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Log(Int("epoch", 1), F("acc", 0.5)); err != nil {
		t.Fatal(err)
	}
	l.Close()
	// Simulate a crash in the middle of a row.
	for _, name := range []string{MetricsCSV, MetricsJSONL} {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString("2,0.7")
		f.Close()
	}
	rows, _, err := ReadMetrics(dir)
	if err != nil || len(rows) != 1 {
		t.Fatalf("ReadMetrics of a crashed run: %d rows, %v; want the 1 complete row", len(rows), err)
	}
	l2, err := NewLogger(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := l2.Keys(); !slices.Equal(got, []string{"epoch", "acc"}) {
		t.Errorf("resumed header %v, want [epoch acc]", got)
	}
	if err := l2.Log(F("acc", 0.75), Int("epoch", 2)); err != nil {
		t.Fatal(err)
	}
	if err := l2.Log(Int("epoch", 3), F("new", 1)); err == nil {
		t.Error("a key missing from the resumed header was accepted")
	}
	l2.Close()
	if got, want := readFile(t, filepath.Join(dir, MetricsCSV)), "epoch,acc\n1,0.5\n2,0.75\n"; got != want {
		t.Errorf("metrics.csv = %q, want %q", got, want)
	}
	if got, want := readFile(t, filepath.Join(dir, MetricsJSONL)), "{\"epoch\":1,\"acc\":0.5}\n{\"epoch\":2,\"acc\":0.75}\n"; got != want {
		t.Errorf("metrics.jsonl = %q, want %q", got, want)
	}
}

func TestReadMetrics(t *testing.T) {
	dir := t.TempDir()
	l, err := NewLogger(dir)
	if err != nil {
		t.Fatal(err)
	}
	l.Log(Int("step", 1), F("losses/value", 0.5), F("x,y", math.Inf(1)))
	l.Log(Int("step", 2), F("x,y", math.NaN()))
	l.Close()
	for _, src := range []string{dir, filepath.Join(dir, MetricsCSV), filepath.Join(dir, MetricsJSONL)} {
		t.Run(filepath.Base(src), func(t *testing.T) {
			rows, keys, err := ReadMetrics(src)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(keys, []string{"step", "losses/value", "x,y"}) {
				t.Errorf("keys %v", keys)
			}
			if len(rows) != 2 || rows[0]["step"] != 1 || rows[0]["losses/value"] != 0.5 || rows[1]["step"] != 2 {
				t.Fatalf("rows %v", rows)
			}
			if _, ok := rows[1]["losses/value"]; ok {
				t.Error("an absent value was read back")
			}
			if !math.IsNaN(rows[1]["x,y"]) {
				t.Errorf("NaN read back as %v", rows[1]["x,y"])
			}
			// CSV keeps +Inf; JSON null reads as NaN.
			inf := rows[0]["x,y"]
			if strings.HasSuffix(src, ".jsonl") {
				if !math.IsNaN(inf) {
					t.Errorf("JSONL null read as %v, want NaN", inf)
				}
			} else if !math.IsInf(inf, 1) {
				t.Errorf("CSV Inf read as %v, want +Inf", inf)
			}
		})
	}
	t.Run("errors", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "m.csv")
		os.WriteFile(bad, []byte("a,b\n1,zz\n"), 0o644)
		if _, _, err := ReadMetrics(bad); err == nil || !strings.Contains(err.Error(), "zz") {
			t.Errorf("error %v, want it to quote the bad cell", err)
		}
		if _, _, err := ReadMetrics(filepath.Join(t.TempDir(), "none.csv")); err == nil {
			t.Error("missing file: no error")
		}
	})
}
