package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// idxBytes builds an IDX file of unsigned bytes by hand from the format
// description (magic 00 00 08 nd, big-endian uint32 dims, payload).
func idxBytes(t testing.TB, dims []int, payload []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	b.Write([]byte{0, 0, 0x08, byte(len(dims))})
	for _, d := range dims {
		_ = binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(payload)
	return b.Bytes()
}

func gz(t testing.TB, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReadIDX_Formats(t *testing.T) {
	payload := []byte{0, 51, 255, 7, 8, 9}
	raw := idxBytes(t, []int{1, 2, 3}, payload)
	for _, tc := range []struct {
		name string
		in   []byte
	}{{"raw", raw}, {"gzip", gz(t, raw)}} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ReadIDX(bytes.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Dims) != 3 || f.Dims[0] != 1 || f.Dims[1] != 2 || f.Dims[2] != 3 {
				t.Errorf("dims %v, want [1 2 3]", f.Dims)
			}
			if !bytes.Equal(f.Data, payload) {
				t.Errorf("data %v, want %v", f.Data, payload)
			}
		})
	}
}

func TestReadIDX_Errors(t *testing.T) {
	good := idxBytes(t, []int{2, 2, 2}, make([]byte, 8))
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "header"},
		{"wrong magic", "\x01\x02\x08\x03" + string(good[4:]), "not an IDX file"},
		{"float type", "\x00\x00\x0d\x01\x00\x00\x00\x01abcd", "type code 0x0d"},
		{"zero dims", "\x00\x00\x08\x00", "0 dimensions"},
		{"too many dims", "\x00\x00\x08\x09", "9 dimensions"},
		{"zero dim", string(idxBytes(t, []int{0, 28, 28}, nil)), "dimension 0 is zero"},
		{"huge dims", string(idxBytes(t, []int{1 << 20, 1 << 20, 1}, nil)), "too large"},
		{"short dims", "\x00\x00\x08\x03\x00\x00", "dimensions"},
		{"truncated", string(good[:len(good)-1]), "truncated: 7 of 8"},
		{"trailing", string(good) + "x", "trailing bytes"},
		{"truncated gzip", string(gz(t, good)[:20]), "data: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadIDX(strings.NewReader(tc.in))
			if err == nil {
				t.Fatalf("no error, want one containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "data: ") {
				t.Errorf("error %q, want prefix \"data: \" and %q", err, tc.want)
			}
		})
	}
}

func TestReadImages_Scaling(t *testing.T) {
	// Pixels are v/255: 0 → 0, 51 → 0.2, 255 → 1 (exact in float32 after
	// rounding the float64 quotient).
	x, h, w, err := ReadImages(bytes.NewReader(idxBytes(t, []int{2, 1, 3}, []byte{0, 51, 255, 102, 204, 1})))
	if err != nil {
		t.Fatal(err)
	}
	if h != 1 || w != 3 || x.Rows != 2 || x.Cols != 3 {
		t.Fatalf("got %d×%d images in a %d×%d Mat, want 1×3 in 2×3", h, w, x.Rows, x.Cols)
	}
	want := []float32{0, 0.2, 1, 0.4, 0.8, float32(1.0 / 255)}
	for i, v := range want {
		if x.Data[i] != v {
			t.Errorf("pixel %d = %v, want %v", i, x.Data[i], v)
		}
	}
	t.Run("wrong rank", func(t *testing.T) {
		_, _, _, err := ReadImages(bytes.NewReader(idxBytes(t, []int{3}, []byte{1, 2, 3})))
		if err == nil || !strings.Contains(err.Error(), "want 3") {
			t.Errorf("error %v, want a rank error", err)
		}
	})
}

func TestReadLabels(t *testing.T) {
	y, err := ReadLabels(bytes.NewReader(idxBytes(t, []int{4}, []byte{5, 0, 4, 9})))
	if err != nil {
		t.Fatal(err)
	}
	if len(y) != 4 || y[0] != 5 || y[1] != 0 || y[2] != 4 || y[3] != 9 {
		t.Errorf("labels %v, want [5 0 4 9]", y)
	}
	t.Run("wrong rank", func(t *testing.T) {
		_, err := ReadLabels(bytes.NewReader(idxBytes(t, []int{1, 2, 2}, []byte{1, 2, 3, 4})))
		if err == nil || !strings.Contains(err.Error(), "want 1") {
			t.Errorf("error %v, want a rank error", err)
		}
	})
}

func TestReadImagesFile_NamesFile(t *testing.T) {
	dir := t.TempDir()
	// Gzip content under a name without .gz: detection is by magic bytes.
	p := filepath.Join(dir, "imgs")
	if err := os.WriteFile(p, gz(t, idxBytes(t, []int{1, 2, 2}, []byte{0, 255, 0, 255})), 0o644); err != nil {
		t.Fatal(err)
	}
	x, _, _, err := ReadImagesFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if x.Data[1] != 1 {
		t.Errorf("pixel 1 = %v, want 1", x.Data[1])
	}
	bad := filepath.Join(dir, "bad-images")
	if err := os.WriteFile(bad, []byte("hello world"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, _, err = ReadImagesFile(bad)
	if err == nil || !strings.HasPrefix(err.Error(), "data: "+bad+": ") || strings.Count(err.Error(), "data:") != 1 {
		t.Errorf("error %q, want it to start with \"data: %s: \"", err, bad)
	}
	if _, err := ReadLabelsFile(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("error %v, want it to name the missing file", err)
	}
}

func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes(f, []int{2, 2, 2}, make([]byte, 8)))
	f.Add(idxBytes(f, []int{3}, []byte{1, 2, 3}))
	f.Add(gz(f, idxBytes(f, []int{1, 1, 2}, []byte{1, 2})))
	f.Add(idxBytes(f, []int{1 << 20, 1 << 8, 1}, nil))
	f.Add([]byte{0x1f, 0x8b})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		if x, h, w, err := ReadImages(bytes.NewReader(in)); err == nil {
			if x.Rows*h*w != len(in)-16 && in[0] != gzipID1 {
				t.Errorf("%d×%d×%d images from %d bytes", x.Rows, h, w, len(in))
			}
			for _, v := range x.Data {
				if !(v >= 0 && v <= 1) {
					t.Fatalf("pixel %v outside [0, 1]", v)
				}
			}
		}
		if y, err := ReadLabels(bytes.NewReader(in)); err == nil {
			for _, v := range y {
				if v < 0 || v > 255 {
					t.Fatalf("label %d outside a byte", v)
				}
			}
		}
	})
}
