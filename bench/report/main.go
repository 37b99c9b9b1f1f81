// Command report turns benchmark outputs into BENCHMARKS.md. It reads, from
// one directory, the `go test -bench` output of the fast and portable BLAS
// paths (fast.txt, portable.txt, nn-fast.txt, nn-portable.txt), the PyTorch
// peers' JSON lines (torch-pc.jsonl, torch-mlp.jsonl), the equivalence
// check's JSON (equivalence.json) and free-form notes (notes.txt), any of
// which may be missing. It writes the report atomically (temporary file and
// rename), appending every fragment given with -fragments verbatim under its
// own heading. bench/run-go-bench.sh runs the benchmarks and then this.
// With -refresh FILE instead of -dir it leaves FILE's generated sections
// alone and replaces only its fragment sections with the fragments' current
// text (appending new ones): make bench-rl and make bench-agent record their
// results that way.
//
// Usage:
//
//	go run ./bench/report -dir DIR -fast openblas -out BENCHMARKS.md [-peak 115] [-fragments 'bench/*.md']
//	go run ./bench/report -refresh BENCHMARKS.md -fragments 'bench/*.md' [-out FILE]
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Result is one benchmark's best figures over its repetitions.
type Result struct {
	Name    string             // without the -P suffix
	Procs   int                // GOMAXPROCS (the -P suffix; 1 without)
	NsPerOp float64            // smallest
	Metrics map[string]float64 // best per unit (largest rate)
	Runs    int
}

var procSuffix = regexp.MustCompile(`-(\d+)$`)

// ParseGoBench reads `go test -bench` output and keeps, per name and
// GOMAXPROCS, the best of its repetitions: the smallest ns/op and the
// largest value of every other metric.
func ParseGoBench(r io.Reader) (map[string]*Result, error) {
	out := map[string]*Result{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if n, err := strconv.Atoi(f[1]); err != nil || n == 0 {
			continue // not a result, or a skipped benchmark
		}
		name, procs := f[0], 1
		if m := procSuffix.FindStringSubmatch(name); m != nil {
			procs, _ = strconv.Atoi(m[1])
			name = strings.TrimSuffix(name, m[0])
		}
		key := fmt.Sprintf("%s|%d", name, procs)
		res := out[key]
		if res == nil {
			res = &Result{Name: name, Procs: procs, Metrics: map[string]float64{}}
			out[key] = res
		}
		res.Runs++
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("report: bad value %q in %q", f[i], sc.Text())
			}
			unit := f[i+1]
			old, seen := res.Metrics[unit]
			switch {
			case !seen:
				res.Metrics[unit] = v
			case unit == "ns/op" || unit == "B/op" || unit == "allocs/op":
				res.Metrics[unit] = min(old, v)
			default:
				res.Metrics[unit] = max(old, v)
			}
		}
		res.NsPerOp = res.Metrics["ns/op"]
	}
	return out, sc.Err()
}

// Get returns the result for name at procs, or nil.
func Get(rs map[string]*Result, name string, procs int) *Result {
	if rs == nil {
		return nil
	}
	return rs[fmt.Sprintf("%s|%d", name, procs)]
}

// TorchResult is one line of a PyTorch peer's JSON output.
type TorchResult struct {
	Threads     int     `json:"threads"`
	Mode        string  `json:"mode"`
	Torch       string  `json:"torch"`
	SamplesPerS float64 `json:"samples_per_s"`
	SamplesCPU  float64 `json:"samples_per_cpu_s"`
	StepsPerS   float64 `json:"steps_per_s"`
	GFLOPs      float64 `json:"gflops"`
}

// ParseTorch reads JSON lines and keeps the best (largest rate) per thread
// count and mode.
func ParseTorch(r io.Reader) (map[string]TorchResult, error) {
	out := map[string]TorchResult{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var t TorchResult
		if err := json.Unmarshal([]byte(line), &t); err != nil {
			return nil, fmt.Errorf("report: %w in %q", err, line)
		}
		key := fmt.Sprintf("%s|%d", t.Mode, t.Threads)
		if old, ok := out[key]; !ok || t.SamplesPerS+t.StepsPerS > old.SamplesPerS+old.StepsPerS {
			out[key] = t
		}
	}
	return out, sc.Err()
}

type inputs struct {
	fast, portable, nnFast, nnPortable map[string]*Result
	torchPC, torchMLP                  map[string]TorchResult
	equivalence                        map[string]any
	notes                              []string
}

func readInputs(dir string) (*inputs, error) {
	in := &inputs{}
	goFiles := []struct {
		name string
		dst  *map[string]*Result
	}{{"fast.txt", &in.fast}, {"portable.txt", &in.portable}, {"nn-fast.txt", &in.nnFast}, {"nn-portable.txt", &in.nnPortable}}
	for _, g := range goFiles {
		f, err := os.Open(filepath.Join(dir, g.name))
		if os.IsNotExist(err) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		*g.dst, err = ParseGoBench(f)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	for _, t := range []struct {
		name string
		dst  *map[string]TorchResult
	}{{"torch-pc.jsonl", &in.torchPC}, {"torch-mlp.jsonl", &in.torchMLP}} {
		f, err := os.Open(filepath.Join(dir, t.name))
		if os.IsNotExist(err) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		*t.dst, err = ParseTorch(f)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "equivalence.json")); err == nil {
		if err := json.Unmarshal(b, &in.equivalence); err != nil {
			in.notes = append(in.notes, "equivalence check output unreadable: "+err.Error())
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "notes.txt")); err == nil {
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				in.notes = append(in.notes, l)
			}
		}
	}
	return in, nil
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func fmtF(v float64) string {
	switch {
	case v == 0:
		return "—"
	case v >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v >= 0.1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 2, 64)
	}
}

func ratio(a, b float64) string {
	if a == 0 || b == 0 {
		return "—"
	}
	return strconv.FormatFloat(a/b, 'f', 2, 64) + "×"
}

// bestPC returns the better of the "blas" and "rows" configurations of a Go
// PC benchmark at procs threads, with a label saying which it was.
func bestPC(rs map[string]*Result, bench string, procs int, unit string) (float64, string) {
	var best float64
	var label string
	for _, cfg := range []string{"blas", "rows"} {
		r := Get(rs, bench+"/"+cfg, procs)
		if r == nil {
			continue
		}
		if v := r.Metrics[unit]; v > best {
			best, label = v, cfg
		}
	}
	return best, label
}

// Params are the report's settings.
type Params struct {
	Dir       string
	Fast      string  // the fast path's BLAS name ("openblas", or "gonum" when none)
	Peak      float64 // nominal f32 GFLOP/s per core
	Fragments []string
	Now       time.Time
	GoVersion string
}

// Write renders the report to w.
func Write(w io.Writer, p Params) error {
	in, err := readInputs(p.Dir)
	if err != nil {
		return err
	}
	var b strings.Builder
	pf := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	pf("# Benchmarks\n\n")
	pf("Generated by `make bench` (bench/run-go-bench.sh); do not edit by hand.\n\n")
	pf("- Machine: %s, %d logical CPUs (%s/%s)\n", cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	pf("- Date: %s\n", p.Now.UTC().Format("2006-01-02 15:04 MST"))
	pf("- Go: %s\n", p.GoVersion)
	pf("- BLAS: fast path `%s`, portable path `gonum` (pure Go, CGO_ENABLED=0)\n", p.Fast)
	torchVer := ""
	for _, t := range in.torchPC {
		torchVer = t.Torch
	}
	if torchVer != "" {
		pf("- PyTorch: %s (Debian python3-torch, float32, OpenBLAS)\n", torchVer)
	}
	pf("- Figures are the best of several interleaved runs (the machine may be shared); threads are GOMAXPROCS for Go and torch.set_num_threads for PyTorch.\n")
	for _, n := range in.notes {
		pf("- Note: %s\n", n)
	}

	pf("\n## Predictive coding training step (MNIST shapes, T = 20, batch 64)\n\n")
	pf("Discriminative PC on 784-256-256-10 (tanh), InitForward, 20 plain inference steps (η = 0.1), Learn, Adam; bench/pc_torch.py is the same algorithm in PyTorch (the clamped input's prediction once per batch). Go: `BenchmarkPCTrainStep` in pc/bench_test.go; `blas` gives the BLAS all threads, `rows` splits the batch over workers (InferConfig.Workers) with a one-thread BLAS. GFLOP/s counts the step's matrix products: 417.5 MFLOP per batch.\n\n")
	pf("| threads | Go fast (%s) samples/s | Go portable (gonum) samples/s | PyTorch samples/s | fast / PyTorch | portable / PyTorch |\n|---|---|---|---|---|---|\n", p.Fast)
	for _, th := range []int{1, 2} {
		f, fl := bestPC(in.fast, "BenchmarkPCTrainStep", th, "samples/s")
		q, ql := bestPC(in.portable, "BenchmarkPCTrainStep", th, "samples/s")
		tp := bestTorch(in.torchPC, th)
		pf("| %d | %s%s | %s%s | %s%s | %s | %s |\n", th, fmtF(f), paren(fl), fmtF(q), paren(ql), fmtF(tp.SamplesPerS), paren(tp.Mode), ratio(f, tp.SamplesPerS), ratio(q, tp.SamplesPerS))
	}
	pf("\nPer CPU-second of the benchmark process (user + system time of all its threads), which a busy machine disturbs less than wall time; at one thread it estimates the quiet-machine rate:\n\n")
	pf("| threads | Go fast samples/cpu-s | Go portable samples/cpu-s | PyTorch samples/cpu-s | fast / PyTorch |\n|---|---|---|---|---|\n")
	for _, th := range []int{1, 2} {
		f, fl := bestPC(in.fast, "BenchmarkPCTrainStep", th, "samples/cpu-s")
		q, ql := bestPC(in.portable, "BenchmarkPCTrainStep", th, "samples/cpu-s")
		var tc float64
		for _, t := range in.torchPC {
			if t.Threads == th {
				tc = max(tc, t.SamplesCPU)
			}
		}
		pf("| %d | %s%s | %s%s | %s | %s |\n", th, fmtF(f), paren(fl), fmtF(q), paren(ql), fmtF(tc), ratio(f, tc))
	}
	pf("\nGFLOP/s of the matrix products, and the fraction of the f32 peak (%.0f GFLOP/s per core):\n\n", p.Peak)
	pf("| threads | Go fast | Go portable | PyTorch |\n|---|---|---|---|\n")
	for _, th := range []int{1, 2} {
		f, _ := bestPC(in.fast, "BenchmarkPCTrainStep", th, "GFLOP/s")
		q, _ := bestPC(in.portable, "BenchmarkPCTrainStep", th, "GFLOP/s")
		tp := bestTorch(in.torchPC, th)
		peak := p.Peak * float64(th)
		pf("| %d | %s (%s) | %s (%s) | %s (%s) |\n", th, fmtF(f), pct(f, peak), fmtF(q), pct(q, peak), fmtF(tp.GFLOPs), pct(tp.GFLOPs, peak))
	}

	pf("\n## One PC inference iteration (batch 64)\n\n")
	pf("`BenchmarkPCInferIteration`: ∂F/∂z, the update and the re-evaluation; 17.4 MFLOP of matrix products.\n\n")
	pf("| threads | Go fast µs | GFLOP/s | Go portable µs | GFLOP/s |\n|---|---|---|---|---|\n")
	for _, th := range []int{1, 2} {
		fg, fl := bestPC(in.fast, "BenchmarkPCInferIteration", th, "GFLOP/s")
		qg, ql := bestPC(in.portable, "BenchmarkPCInferIteration", th, "GFLOP/s")
		const flops = 17432576
		us := func(g float64) float64 {
			if g == 0 {
				return 0
			}
			return flops / g / 1e3
		}
		pf("| %d | %s%s | %s | %s%s | %s |\n", th, fmtF(us(fg)), paren(fl), fmtF(fg), fmtF(us(qg)), paren(ql), fmtF(qg))
	}

	pf("\n## MLP training step (784-256-256-10 tanh, cross-entropy, Adam, batch 64)\n\n")
	pf("Go: `BenchmarkMLPTrainStep` in nn; PyTorch: bench/mlp_torch.py (autograd).\n\n")
	pf("| threads | Go fast steps/s | Go portable steps/s | PyTorch steps/s | fast / PyTorch |\n|---|---|---|---|---|\n")
	for _, th := range []int{1, 2} {
		f := nnSteps(in.nnFast, th)
		q := nnSteps(in.nnPortable, th)
		tp := bestTorch(in.torchMLP, th)
		pf("| %d | %s | %s | %s | %s |\n", th, fmtF(f), fmtF(q), fmtF(tp.StepsPerS), ratio(f, tp.StepsPerS))
	}

	pf("\n## Kernels\n\n")
	pf("`BenchmarkGemm` (tensor) at 1 thread: GFLOP/s and fraction of the %.0f GFLOP/s peak; `square/1024` is the attainable SGEMM rate.\n\n", p.Peak)
	pf("| product | fast (%s) | portable (gonum) |\n|---|---|---|\n", p.Fast)
	for _, name := range gemmNames(in.fast, in.portable) {
		var f, q float64
		if r := findSuffix(in.fast, name); r != nil {
			f = r.Metrics["GFLOP/s"]
		}
		if r := findSuffix(in.portable, name); r != nil {
			q = r.Metrics["GFLOP/s"]
		}
		pf("| %s | %s (%s) | %s (%s) |\n", name, fmtF(f), pct(f, p.Peak), fmtF(q), pct(q, p.Peak))
	}
	pf("\nThe fused tanh and tanh′ kernel (`BenchmarkTanhForwardDeriv`, AVX2 on amd64, bit-identical to the scalar `Tanh32`):\n\n")
	pf("| kernel | fast Gelem/s | portable Gelem/s |\n|---|---|---|\n")
	for _, k := range []string{"BenchmarkTanhForwardDeriv", "BenchmarkTanh32"} {
		var f, q float64
		if r := Get(in.fast, k, 1); r != nil {
			f = r.Metrics["Gelem/s"]
		}
		if r := Get(in.portable, k, 1); r != nil {
			q = r.Metrics["Gelem/s"]
		}
		pf("| %s | %s | %s |\n", strings.TrimPrefix(k, "Benchmark"), fmtF(f), fmtF(q))
	}

	if in.equivalence != nil {
		pf("\n## Equivalence of the PyTorch peer\n\n")
		pf("bench/check_equivalence.py repeats a vfe training step (bench/pcdump) in PyTorch from the same weights and batch and compares energies, activities, gradients and the weights after Adam (largest relative differences):\n\n")
		pf("| check | mode | F0 | F | z | ∂θ | θ after Adam | ok |\n|---|---|---|---|---|---|---|---|\n")
		keys := make([]string, 0, len(in.equivalence))
		for k := range in.equivalence {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			run, ok := in.equivalence[k].(map[string]any)
			if !ok {
				continue
			}
			for _, mode := range []string{"manual", "autograd"} {
				r, ok := run[mode].(map[string]any)
				if !ok {
					continue
				}
				g := func(key string) string {
					v, _ := r[key].(float64)
					return strconv.FormatFloat(v, 'e', 1, 64)
				}
				pf("| %s | %s | %s | %s | %s | %s | %s | %v |\n", k, mode, g("F0_rel"), g("F_rel"), g("z_max"), g("grad_max"), g("weights_after_adam_max"), run["ok"])
			}
		}
	}

	for _, frag := range p.Fragments {
		body, err := os.ReadFile(frag)
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		b.WriteString(fragmentSection(frag, body))
	}
	_, err = io.WriteString(w, b.String())
	return err
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func pct(v, peak float64) string {
	if v == 0 || peak == 0 {
		return "—"
	}
	return strconv.FormatFloat(100*v/peak, 'f', 0, 64) + "%"
}

// bestTorch returns the fastest PyTorch mode at th threads.
func bestTorch(rs map[string]TorchResult, th int) TorchResult {
	var best TorchResult
	for _, t := range rs {
		if t.Threads == th && t.SamplesPerS+t.StepsPerS > best.SamplesPerS+best.StepsPerS {
			best = t
		}
	}
	return best
}

// nnSteps returns steps/s of nn's BenchmarkMLPTrainStep at th threads (its
// sub-benchmarks name the thread count; the best over GOMAXPROCS suffixes).
func nnSteps(rs map[string]*Result, th int) float64 {
	var best float64
	for _, r := range rs {
		if strings.HasPrefix(r.Name, "BenchmarkMLPTrainStep/") && strings.HasSuffix(r.Name, fmt.Sprintf("threads=%d", th)) {
			best = max(best, r.Metrics["steps/s"])
		}
	}
	return best
}

// gemmNames lists the BenchmarkGemm products at one thread, without the
// BLAS name, in a stable order.
func gemmNames(sets ...map[string]*Result) []string {
	seen := map[string]bool{}
	var names []string
	for _, rs := range sets {
		for _, r := range rs {
			if r.Procs != 1 || !strings.HasPrefix(r.Name, "BenchmarkGemm/") {
				continue
			}
			parts := strings.SplitN(strings.TrimPrefix(r.Name, "BenchmarkGemm/"), "/", 2)
			if len(parts) == 2 && !seen[parts[1]] {
				seen[parts[1]] = true
				names = append(names, parts[1])
			}
		}
	}
	sort.Strings(names)
	return names
}

func findSuffix(rs map[string]*Result, product string) *Result {
	for _, r := range rs {
		if r.Procs == 1 && strings.HasPrefix(r.Name, "BenchmarkGemm/") && strings.HasSuffix(r.Name, "/"+product) {
			return r
		}
	}
	return nil
}

// writeAtomic writes data to path through a temporary file and a rename.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".report-*")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(f.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("report: %w", werr)
	}
	return nil
}

// fragmentSection is a fragment's section of the report: a blank line, its
// heading, a blank line and its text ending in a newline.
func fragmentSection(path string, body []byte) string {
	s := fmt.Sprintf("\n%s\n\n%s", fragmentTitle(path), body)
	if len(body) > 0 && body[len(body)-1] != '\n' {
		s += "\n"
	}
	return s
}

// fragmentTitle is the heading line of a fragment's section.
func fragmentTitle(path string) string {
	return fmt.Sprintf("## %s (from %s)", strings.TrimSuffix(filepath.Base(path), ".md"), filepath.ToSlash(path))
}

// fragmentHeading matches a fragment section's heading line.
var fragmentHeading = regexp.MustCompile(`(?m)^## \S+ \(from \S+\)$`)

// Refresh returns report with the section of every fragment in frags
// (path → text) replaced by the fragment's text, and the sections of
// fragments it lacks appended, in frags' order. A fragment section runs
// from its heading to the next fragment heading or the end, as Write lays
// them out; the rest of the report is kept as it is.
func Refresh(report string, paths []string, frags map[string][]byte) string {
	for _, path := range paths {
		sec, head := fragmentSection(path, frags[path]), fragmentTitle(path)
		i := strings.Index(report, "\n"+head+"\n")
		if i < 0 {
			report = strings.TrimRight(report, "\n") + "\n" + sec
			continue
		}
		end := len(report)
		if loc := fragmentHeading.FindStringIndex(report[i+1+len(head):]); loc != nil {
			end = i + 1 + len(head) + loc[0] - 1 // keep the newline before the next heading
		}
		report = report[:i] + sec + report[end:]
	}
	return report
}

// refresh rewrites file with its fragment sections refreshed (Refresh).
func refresh(file, out string, paths []string) error {
	old, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	frags := make(map[string][]byte, len(paths))
	for _, p := range paths {
		if frags[p], err = os.ReadFile(p); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	return writeAtomic(out, []byte(Refresh(string(old), paths, frags)))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	p := Params{Now: time.Now(), GoVersion: runtime.Version()}
	fs.StringVar(&p.Dir, "dir", "", "directory with the benchmark outputs (required)")
	fs.StringVar(&p.Fast, "fast", "gonum", "the fast path's BLAS name")
	fs.Float64Var(&p.Peak, "peak", 115, "nominal f32 peak per core, GFLOP/s")
	frags := fs.String("fragments", "", "glob of Markdown fragments to append (e.g. 'bench/*.md')")
	out := fs.String("out", "", "output file (default stdout)")
	goVer := fs.String("go", "", "Go version to print (default this binary's)")
	refreshFile := fs.String("refresh", "", "refresh the fragment sections of this report instead of writing one from -dir")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if (p.Dir == "") == (*refreshFile == "") {
		fmt.Fprintln(stderr, "report: give exactly one of -dir and -refresh")
		return 2
	}
	if *goVer != "" {
		p.GoVersion = *goVer
	}
	if *frags != "" {
		m, err := filepath.Glob(*frags)
		if err != nil {
			fmt.Fprintln(stderr, "report:", err)
			return 2
		}
		sort.Strings(m)
		p.Fragments = m
	}
	if *refreshFile != "" {
		o := *out
		if o == "" {
			o = *refreshFile
		}
		if err := refresh(*refreshFile, o, p.Fragments); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return 0
	}
	var b strings.Builder
	if err := Write(&b, p); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *out == "" {
		io.WriteString(stdout, b.String())
		return 0
	}
	if err := writeAtomic(*out, []byte(b.String())); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
