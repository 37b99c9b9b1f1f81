package run

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vfe-go/vfe/tensor"
)

func TestSaveTensors_RoundTrip(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, CheckpointFile)
	w := tensor.FromSlice(2, 3, []float32{1, -2, 3.5, float32(math.Inf(1)), 0, -0.125})
	in := []Tensor{
		MatTensor("layers.0.weight", w),
		VecTensor("layers.0.bias", []float32{0.5, -0.5}),
		F64Tensor("obs_rms.mean", []float64{1.0 / 3, 1e-300}),
		VecTensor("empty", []float32{}),
	}
	meta := map[string]string{"step": "1200", "format": "vfe"}
	if err := SaveTensors(p, in, meta); err != nil {
		t.Fatal(err)
	}
	got, gotMeta, err := LoadTensors(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(in) || gotMeta["step"] != "1200" || gotMeta["format"] != "vfe" {
		t.Fatalf("got %d tensors, metadata %v", len(got), gotMeta)
	}
	for _, want := range in {
		g, ok := Find(got, want.Name)
		if !ok {
			t.Fatalf("tensor %q missing", want.Name)
		}
		if !slices.Equal(g.Shape, want.Shape) || !slices.Equal(g.F32, want.F32) || !slices.Equal(g.F64, want.F64) {
			t.Errorf("%s: got %+v, want %+v", want.Name, g, want)
		}
	}
	g, _ := Find(got, "layers.0.weight")
	wm, err := g.Mat()
	if err != nil {
		t.Fatal(err)
	}
	if wm.Rows != 2 || wm.Cols != 3 || wm.At(1, 2) != -0.125 {
		t.Errorf("Mat() = %v", wm)
	}
	if _, err := (Tensor{Name: "x", Shape: []int{1}, F64: []float64{1}}).Mat(); err == nil {
		t.Error("Mat of an F64 tensor succeeded")
	}
	t.Run("dir helpers", func(t *testing.T) {
		d := &Dir{Path: dir}
		if !d.HasCheckpoint() {
			t.Error("HasCheckpoint = false")
		}
		if ts, _, err := d.LoadCheckpoint(); err != nil || len(ts) != 4 {
			t.Errorf("LoadCheckpoint: %d tensors, %v", len(ts), err)
		}
	})
	t.Run("invalid input keeps the last checkpoint", func(t *testing.T) {
		for name, ts := range map[string][]Tensor{
			"duplicate":   {VecTensor("a", []float32{1}), VecTensor("a", []float32{2})},
			"bad shape":   {{Name: "a", Shape: []int{2, 2}, F32: []float32{1}}},
			"rank 3":      {{Name: "a", Shape: []int{1, 1, 1}, F32: []float32{1}}},
			"both dtypes": {{Name: "a", Shape: []int{1}, F32: []float32{1}, F64: []float64{1}}},
			"no name":     {VecTensor("", []float32{1})},
			"reserved":    {VecTensor("__metadata__", []float32{1})},
		} {
			if err := SaveTensors(p, ts, nil); err == nil {
				t.Errorf("%s: no error", name)
			}
		}
		if got, _, err := LoadTensors(p); err != nil || len(got) != 4 {
			t.Errorf("checkpoint after rejected saves: %d tensors, %v", len(got), err)
		}
	})
}

// TestSaveTensors_Layout checks the bytes against the safetensors format
// specification (huggingface/safetensors README): u64 little-endian header
// size N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end)},
// "__metadata__": {str: str}}, then the little-endian data buffer, offsets
// relative to its start.
func TestSaveTensors_Layout(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.safetensors")
	if err := SaveTensors(p, []Tensor{
		{Name: "w", Shape: []int{1, 2}, F32: []float32{1, -2}},
		F64Tensor("s", []float64{0.5}),
	}, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(b[:8])
	if 8+n+16 != uint64(len(b)) {
		t.Fatalf("header size %d, file %d bytes; want 8+N+16 (8 F32 bytes + 8 F64 bytes)", n, len(b))
	}
	var hdr map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &hdr); err != nil {
		t.Fatal(err)
	}
	var meta map[string]string
	if err := json.Unmarshal(hdr["__metadata__"], &meta); err != nil || meta["k"] != "v" {
		t.Errorf("__metadata__ = %s", hdr["__metadata__"])
	}
	type info struct {
		Dtype       string   `json:"dtype"`
		Shape       []int    `json:"shape"`
		DataOffsets []uint64 `json:"data_offsets"`
	}
	data := b[8+n:]
	// IEEE 754: 1.0f = 0x3f800000, -2.0f = 0xc0000000, 0.5 = 0x3fe0000000000000.
	wantBytes := map[string][]byte{
		"w": {0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0},
		"s": {0, 0, 0, 0, 0, 0, 0xe0, 0x3f},
	}
	wantInfo := map[string]info{"w": {Dtype: "F32", Shape: []int{1, 2}}, "s": {Dtype: "F64", Shape: []int{1}}}
	for name, want := range wantInfo {
		var got info
		if err := json.Unmarshal(hdr[name], &got); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Dtype != want.Dtype || !slices.Equal(got.Shape, want.Shape) || len(got.DataOffsets) != 2 {
			t.Errorf("%s: header %+v, want dtype %s shape %v", name, got, want.Dtype, want.Shape)
			continue
		}
		if seg := data[got.DataOffsets[0]:got.DataOffsets[1]]; !bytes.Equal(seg, wantBytes[name]) {
			t.Errorf("%s: bytes % x, want % x", name, seg, wantBytes[name])
		}
	}
	if len(hdr) != 3 {
		t.Errorf("header has %d entries, want 3", len(hdr))
	}
}

// TestLoadTensors_HandMade reads a file assembled byte by byte from the format
// specification, as Python's safetensors would write it.
func TestLoadTensors_HandMade(t *testing.T) {
	header := `{"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}`
	var file bytes.Buffer
	binary.Write(&file, binary.LittleEndian, uint64(len(header)))
	file.WriteString(header)
	for _, v := range []float32{1, 2, 3, 4, 0.25, -8} {
		binary.Write(&file, binary.LittleEndian, v)
	}
	p := filepath.Join(t.TempDir(), "hand.safetensors")
	if err := os.WriteFile(p, file.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ts, meta, err := LoadTensors(p)
	if err != nil {
		t.Fatal(err)
	}
	if meta["format"] != "pt" || len(ts) != 2 {
		t.Fatalf("metadata %v, %d tensors", meta, len(ts))
	}
	// File order follows data_offsets: a first.
	if ts[0].Name != "a" || !slices.Equal(ts[0].Shape, []int{2, 2}) || !slices.Equal(ts[0].F32, []float32{1, 2, 3, 4}) {
		t.Errorf("a = %+v", ts[0])
	}
	if ts[1].Name != "b" || !slices.Equal(ts[1].F32, []float32{0.25, -8}) {
		t.Errorf("b = %+v", ts[1])
	}
	t.Run("corrupt", func(t *testing.T) {
		for name, raw := range map[string][]byte{
			"short":       {1, 2, 3},
			"truncated":   file.Bytes()[:file.Len()-1],
			"huge header": append(binary.LittleEndian.AppendUint64(nil, 1<<40), '{', '}'),
		} {
			q := filepath.Join(t.TempDir(), name)
			os.WriteFile(q, raw, 0o644)
			if _, _, err := LoadTensors(q); err == nil || !strings.Contains(err.Error(), "corrupt") {
				t.Errorf("%s: error %v, want 'corrupt'", name, err)
			}
		}
	})
}

func FuzzDecodeTensors(f *testing.F) {
	header := `{"a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}}`
	f.Add(append(append(binary.LittleEndian.AppendUint64(nil, uint64(len(header))), header...), make([]byte, 8)...))
	f.Add([]byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, _, err := decodeTensors(b)
		if err != nil {
			return
		}
		for _, x := range ts {
			n := 1
			for _, d := range x.Shape {
				n *= d
			}
			if len(x.F32)+len(x.F64) != n {
				t.Fatalf("tensor %q: %d values for shape %v", x.Name, len(x.F32)+len(x.F64), x.Shape)
			}
		}
	})
}
