package run_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/vfe-go/vfe/run"
	"github.com/vfe-go/vfe/tensor"
)

func Example() {
	tmp, err := os.MkdirTemp("", "vfe-run")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)

	type Config struct {
		Seed uint64  `json:"seed"`
		LR   float64 `json:"lr"`
	}
	d, err := run.Create(filepath.Join(tmp, "demo"), Config{Seed: 1, LR: 0.01})
	if err != nil {
		log.Fatal(err)
	}
	l, err := d.Logger()
	if err != nil {
		log.Fatal(err)
	}
	for step := 1; step <= 3; step++ {
		if err := l.Log(run.Int("step", step), run.F("loss", 1/float64(step))); err != nil {
			log.Fatal(err)
		}
	}
	l.Close()
	w := tensor.FromSlice(1, 2, []float32{0.5, -1})
	if err := d.SaveCheckpoint([]run.Tensor{run.MatTensor("w", w)}, map[string]string{"step": "3"}); err != nil {
		log.Fatal(err)
	}

	rows, keys, err := run.ReadMetrics(d.Path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(keys, len(rows), fmt.Sprintf("%.3f", rows[2]["loss"]))
	ts, meta, err := d.LoadCheckpoint()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ts[0].Name, ts[0].Shape, ts[0].F32, meta["step"])
	// Output:
	// [step loss] 3 0.333
	// w [1 2] [0.5 -1] 3
}

func ExampleMeanCI95() {
	m, h := run.MeanCI95([]float64{0.97, 0.98, 0.96, 0.97})
	fmt.Printf("%.3f ± %.3f\n", m, h)
	// Output: 0.970 ± 0.013
}
