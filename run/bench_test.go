package run

import (
	"path/filepath"
	"testing"

	"github.com/vfe-go/vfe/tensor"
)

func BenchmarkLogger_Log(b *testing.B) {
	l, err := NewLogger(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	row := []KV{Int("step", 1), F("pc/energy", 0.123456), F("losses/value", 1.5e-3), F("test/acc", 0.971)}
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Log(row...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSaveTensors writes a 784-256-256-10 MLP's weights (about 270k
// floats) atomically, fsync included.
func BenchmarkSaveTensors(b *testing.B) {
	ts := []Tensor{
		MatTensor("l0.w", tensor.New(256, 784)), VecTensor("l0.b", make([]float32, 256)),
		MatTensor("l1.w", tensor.New(256, 256)), VecTensor("l1.b", make([]float32, 256)),
		MatTensor("l2.w", tensor.New(10, 256)), VecTensor("l2.b", make([]float32, 10)),
	}
	p := filepath.Join(b.TempDir(), CheckpointFile)
	b.ReportAllocs()
	for b.Loop() {
		if err := SaveTensors(p, ts, map[string]string{"step": "1"}); err != nil {
			b.Fatal(err)
		}
	}
}
