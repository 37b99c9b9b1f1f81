// Command pcdump runs one predictive-coding training step of a chain with vfe
// and writes, as JSON, everything needed to repeat it elsewhere and compare:
// the initial weights, the batch, the energies before and after inference,
// the activities, the parameter gradients and the weights after one Adam
// step. bench/check_equivalence.py repeats the step in PyTorch from this
// file.
//
// The chain is the benchmark's kind: s^0 (clamped label, one-hot) ← s^1 ← …
// ← s^L (clamped input, uniform in [0, 1)), f = tanh on s^1 … s^{L−1} and
// the identity on s^L, precision 1, InitForward, T plain gradient steps of
// size η, Learn and Adam (PyTorch's defaults but the learning rate).
//
// Usage:
//
//	go run ./bench/pcdump [-dims 3,5,4,6] [-batch 4] [-T 5] [-eta 0.1] [-lr 1e-3] [-seed 1] [-out FILE]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vfe-go/vfe/optim"
	"github.com/vfe-go/vfe/pc"
	"github.com/vfe-go/vfe/tensor"
)

// Config is one dump's settings.
type Config struct {
	Dims  []int   `json:"dims"`  // widths of s^0 … s^L
	Batch int     `json:"batch"` // rows
	T     int     `json:"T"`     // inference iterations
	Eta   float32 `json:"eta"`   // inference step size η
	LR    float64 `json:"lr"`    // Adam learning rate
	Seed  uint64  `json:"seed"`  // weights and data
}

// Matrix is a row-major float32 matrix.
type Matrix struct {
	Rows int       `json:"rows"`
	Cols int       `json:"cols"`
	Data []float32 `json:"data"`
}

func mat(m *tensor.Mat) Matrix {
	return Matrix{Rows: m.Rows, Cols: m.Cols, Data: append([]float32(nil), m.Data...)}
}

// Layer is edge s^l → s^{l−1}: W_l (d[l−1]×d[l]) and b_l (1×d[l−1]).
type Layer struct {
	W Matrix `json:"W"`
	B Matrix `json:"b"`
}

// Dump is the file's content. Energies are per sample (batch means) and
// include the ½ d log 2π terms; Z holds z_0 … z_L after inference.
type Dump struct {
	Config    Config    `json:"config"`
	BLAS      string    `json:"blas"`
	X         Matrix    `json:"x"`
	Y         Matrix    `json:"y"`
	Init      []Layer   `json:"init"`
	F0        float64   `json:"F0"`
	F         float64   `json:"F"`
	NodeF     []float64 `json:"node_F"`
	Z         []Matrix  `json:"z"`
	Grad      []Layer   `json:"grad"`
	AfterAdam []Layer   `json:"after_adam"`
}

func layers(m *pc.Model, grad bool) []Layer {
	var out []Layer
	for _, e := range m.Edges {
		d := e.Fn.(*pc.Dense)
		if grad {
			out = append(out, Layer{W: mat(d.Lin.W.Grad), B: mat(d.Lin.B.Grad)})
		} else {
			out = append(out, Layer{W: mat(d.Lin.W.Val), B: mat(d.Lin.B.Val)})
		}
	}
	return out
}

// Run performs the step and returns the dump.
func Run(cfg Config) (*Dump, error) {
	L := len(cfg.Dims) - 1
	if L < 2 {
		return nil, fmt.Errorf("pcdump: need at least three widths (label, hidden…, input), got %v", cfg.Dims)
	}
	if cfg.Batch < 1 || cfg.T < 0 {
		return nil, fmt.Errorf("pcdump: batch %d must be ≥ 1 and T %d ≥ 0", cfg.Batch, cfg.T)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	acts := make([]tensor.Act, L)
	for i := range acts {
		acts[i] = tensor.Tanh
	}
	acts[L-1] = tensor.Identity
	m, err := pc.NewChain(rng, pc.ChainConfig{Dims: cfg.Dims, Acts: acts})
	if err != nil {
		return nil, err
	}
	ac := optim.DefaultAdamConfig()
	ac.LR = cfg.LR
	opt, err := optim.NewAdam(m.ParamList(), ac)
	if err != nil {
		return nil, err
	}
	x := tensor.New(cfg.Batch, cfg.Dims[L]).RandU(rng, 0, 1)
	y := tensor.New(cfg.Batch, cfg.Dims[0])
	for r := 0; r < cfg.Batch; r++ {
		y.Set(r, rng.IntN(cfg.Dims[0]), 1)
	}
	d := &Dump{Config: cfg, BLAS: tensor.BLAS(), X: mat(x), Y: mat(y), Init: layers(m, false)}

	icfg := pc.DefaultInferConfig()
	icfg.T, icfg.Eta = cfg.T, cfg.Eta
	if err := icfg.Validate(); err != nil {
		return nil, err
	}
	s := m.NewState(cfg.Batch)
	s.Clamp(L, x)
	s.Clamp(0, y)
	m.Init(s, pc.InitForward, icfg)
	st, err := m.Infer(s, icfg)
	if err != nil {
		return nil, err
	}
	d.F0, d.F = st.F0, st.F
	d.NodeF = s.Energy(nil).Nodes
	for _, z := range s.Z {
		d.Z = append(d.Z, mat(z))
	}
	m.Learn(s)
	d.Grad = layers(m, true)
	opt.Step()
	d.AfterAdam = layers(m, false)
	return d, nil
}

// writeAtomic writes b to path through a temporary file and a rename.
func writeAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".pcdump-*")
	if err != nil {
		return fmt.Errorf("pcdump: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("pcdump: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("pcdump: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("pcdump: %w", err)
	}
	return nil
}

func parseDims(s string) ([]int, error) {
	var dims []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("pcdump: bad width %q in -dims (want positive integers like 3,5,4,6)", f)
		}
		dims = append(dims, v)
	}
	return dims, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pcdump", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dims := fs.String("dims", "3,5,4,6", "widths of s^0 (label) … s^L (input)")
	cfg := Config{}
	fs.IntVar(&cfg.Batch, "batch", 4, "batch size")
	fs.IntVar(&cfg.T, "T", 5, "inference iterations")
	eta := fs.Float64("eta", 0.1, "inference step size η")
	fs.Float64Var(&cfg.LR, "lr", 1e-3, "Adam learning rate")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of weights and data")
	out := fs.String("out", "", "output file (default stdout)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg.Eta = float32(*eta)
	var err error
	if cfg.Dims, err = parseDims(*dims); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	d, err := Run(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	b, err := json.Marshal(d)
	if err != nil {
		fmt.Fprintln(stderr, "pcdump:", err)
		return 1
	}
	if *out == "" {
		_, err = stdout.Write(append(b, '\n'))
	} else {
		err = writeAtomic(*out, b)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
