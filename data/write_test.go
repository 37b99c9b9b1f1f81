package data

import (
	"path/filepath"
	"testing"
)

func TestWriteIDX_RoundTrip(t *testing.T) {
	dir := t.TempDir()
	img := []byte{0, 255, 51, 102, 7, 8, 9, 10}
	if err := WriteIDX(filepath.Join(dir, "train-images-idx3-ubyte"), []int{2, 2, 2}, img); err != nil {
		t.Fatal(err)
	}
	if err := WriteIDX(filepath.Join(dir, "train-labels-idx1-ubyte"), []int{2}, []byte{1, 0}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"} {
		dims, payload := []int{2, 2, 2}, img
		if p[5] == 'l' {
			dims, payload = []int{2}, []byte{0, 1}
		}
		if err := WriteIDX(filepath.Join(dir, p), dims, payload); err != nil {
			t.Fatal(err)
		}
	}
	train, _, err := LoadDir(dir, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	// Pixel bytes scale by 1/255: 51 → 0.2, 102 → 0.4.
	if train.Len() != 2 || train.Y[0] != 1 || train.X.At(0, 1) != 1 || train.X.At(0, 2) != 0.2 {
		t.Fatalf("read back %v labels %v", train.X.Data, train.Y)
	}
	if err := WriteIDX(filepath.Join(dir, "bad"), []int{3}, []byte{1}); err == nil {
		t.Fatal("a payload of the wrong size was written")
	}
}
