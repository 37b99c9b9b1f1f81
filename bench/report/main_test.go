package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const goOut = `goos: linux
BenchmarkPCTrainStep/blas     	      30	  8000000 ns/op	  52.18 GFLOP/s	  8000 samples/s	 0 B/op	 0 allocs/op
BenchmarkPCTrainStep/blas     	      30	  10000000 ns/op	  41.75 GFLOP/s	  6400 samples/s	 0 B/op	 0 allocs/op
BenchmarkPCTrainStep/rows     	       0	               NaN ns/op	       0 B/op	       0 allocs/op
--- BENCH: BenchmarkPCTrainStep/rows
BenchmarkPCTrainStep/rows-2   	      30	  5000000 ns/op	  83.49 GFLOP/s	  12800 samples/s	 544 B/op	 13 allocs/op
BenchmarkPCTrainStep/blas-2   	      30	  6400000 ns/op	  65.23 GFLOP/s	  10000 samples/s	 0 B/op	 0 allocs/op
BenchmarkGemm/openblas/square/1024 	 50	 20000000 ns/op	 107.4 GFLOP/s
PASS
`

func TestParseGoBench_BestOfRuns(t *testing.T) {
	rs, err := ParseGoBench(strings.NewReader(goOut))
	if err != nil {
		t.Fatal(err)
	}
	r := Get(rs, "BenchmarkPCTrainStep/blas", 1)
	if r == nil || r.Runs != 2 || r.NsPerOp != 8e6 || r.Metrics["samples/s"] != 8000 {
		t.Fatalf("blas at 1 thread: %+v, want the better of two runs (8e6 ns/op, 8000 samples/s)", r)
	}
	if r := Get(rs, "BenchmarkPCTrainStep/rows", 2); r == nil || r.Metrics["allocs/op"] != 13 {
		t.Fatalf("rows at 2 threads: %+v", r)
	}
	if Get(rs, "BenchmarkPCTrainStep/rows", 1) != nil {
		t.Fatal("a result at 1 thread for a name only seen with -2")
	}
}

func TestParseTorch_BestPerThreads(t *testing.T) {
	in := `{"mode": "manual", "threads": 1, "samples_per_s": 5000, "gflops": 32.6}
{"mode": "manual", "threads": 1, "samples_per_s": 5300, "gflops": 34.6}
not json
{"mode": "autograd", "threads": 1, "samples_per_s": 4000}
`
	rs, err := ParseTorch(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := bestTorch(rs, 1); got.Mode != "manual" || got.SamplesPerS != 5300 {
		t.Fatalf("best at 1 thread = %+v, want manual 5300", got)
	}
}

func TestWrite_Report(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "fast.txt"), []byte(goOut), 0o644))
	must(os.WriteFile(filepath.Join(dir, "torch-pc.jsonl"), []byte(`{"torch": "1.13", "mode": "manual", "threads": 1, "samples_per_s": 5000, "gflops": 32.6}
{"torch": "1.13", "mode": "manual", "threads": 2, "samples_per_s": 6400, "gflops": 41.7}
`), 0o644))
	must(os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("portable path skipped\n"), 0o644))
	frag := filepath.Join(dir, "env.md")
	must(os.WriteFile(filepath.Join(frag), []byte("| env | steps/s |\n|---|---|\n| CartPole | 1e7 |"), 0o644))
	var b bytes.Buffer
	err := Write(&b, Params{Dir: dir, Fast: "openblas", Peak: 115, Fragments: []string{frag}, Now: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), GoVersion: "go1.26"})
	must(err)
	out := b.String()
	for _, want := range []string{
		"- Date: 2026-01-02 03:04 UTC",
		"- Note: portable path skipped",
		// 8000 / 5000 = 1.60 at one thread; at two, rows (12800) beats blas
		// (10000), and 12800 / 6400 = 2.00.
		"| 1 | 8000 (blas) | — | 5000 (manual) | 1.60× | — |",
		"| 2 | 12800 (rows) | — | 6400 (manual) | 2.00× | — |",
		// 52.18 of 115 is 45%; 83.49 of 230 is 36%.
		"| 1 | 52.2 (45%) |",
		"| 2 | 83.5 (36%) |",
		"| square/1024 | 107.4 (93%) |",
		"## env (from " + filepath.ToSlash(frag) + ")\n\n| env | steps/s |\n|---|---|\n| CartPole | 1e7 |\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestRun_WritesFileAtomically(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "BENCHMARKS.md")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-dir", dir, "-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(b), "# Benchmarks\n") {
		t.Fatalf("report file: %q, %v", b, err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".report-*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	if code := run(nil, &stdout, &stderr); code != 2 {
		t.Fatalf("no -dir: exit %d, want 2", code)
	}
}

// TestRefresh checks that Refresh replaces a fragment's section up to the
// next fragment heading, keeps the generated sections and the other
// fragments as they are, and appends a fragment the report lacks.
func TestRefresh(t *testing.T) {
	report := "# Benchmarks\n\n## Kernels\n\ntable\n" +
		"\n## rl (from bench/rl.md)\n\n## RL\n\nold rows\n" +
		"\n## env (from bench/env.md)\n\n## Environments\n\nenv rows\n"
	frags := map[string][]byte{
		"bench/rl.md":    []byte("## RL\n\nnew rows\nmore\n"),
		"bench/agent.md": []byte("## Agent\n\nagent rows"),
	}
	got := Refresh(report, []string{"bench/agent.md", "bench/rl.md"}, frags)
	want := "# Benchmarks\n\n## Kernels\n\ntable\n" +
		"\n## rl (from bench/rl.md)\n\n## RL\n\nnew rows\nmore\n" +
		"\n## env (from bench/env.md)\n\n## Environments\n\nenv rows\n" +
		"\n## agent (from bench/agent.md)\n\n## Agent\n\nagent rows\n"
	if got != want {
		t.Fatalf("Refresh gave\n%q\nwant\n%q", got, want)
	}
	if again := Refresh(got, []string{"bench/agent.md", "bench/rl.md"}, frags); again != got {
		t.Fatalf("a second Refresh changed the report:\n%q", again)
	}
}
