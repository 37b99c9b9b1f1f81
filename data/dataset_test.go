package data

import (
	"slices"
	"strings"
	"testing"

	"github.com/vfe-go/vfe/internal/testrand"
	"github.com/vfe-go/vfe/tensor"
)

// toy returns n samples of width 3 where row i is (i, i+0.25, i+0.5) and the
// label is i mod classes, so every row identifies its index.
func toy(t *testing.T, n, classes int) *Dataset {
	t.Helper()
	x := tensor.New(n, 3)
	y := make([]int, n)
	for i := range n {
		for j := range 3 {
			x.Set(i, j, float32(i)+0.25*float32(j))
		}
		y[i] = i % classes
	}
	return &Dataset{X: x, Y: y, Classes: classes, Name: "toy"}
}

// rowIndex recovers the original index of a toy row.
func rowIndex(row []float32) int { return int(row[0]) }

func TestDataset_Subset(t *testing.T) {
	ds := toy(t, 6, 3)
	sub := ds.Subset([]int{4, 1, 4})
	if sub.Len() != 3 || rowIndex(sub.X.Row(0)) != 4 || rowIndex(sub.X.Row(1)) != 1 || sub.Y[1] != 1 || sub.Classes != 3 {
		t.Errorf("Subset = %v %v", sub.X, sub.Y)
	}
	sub.X.Set(0, 0, -1)
	if ds.X.At(4, 0) != 4 {
		t.Error("Subset shares storage with its source")
	}
	t.Run("out of range panics", func(t *testing.T) {
		defer func() {
			if r := recover(); r == nil || !strings.HasPrefix(r.(string), "data: ") {
				t.Errorf("recover() = %v, want a data: panic", r)
			}
		}()
		ds.Subset([]int{6})
	})
}

func TestDataset_Split(t *testing.T) {
	ds := toy(t, 100, 10)
	tr, va, err := ds.Split(testrand.New(1), 0.1)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != 90 || va.Len() != 10 {
		t.Fatalf("split %d/%d, want 90/10", tr.Len(), va.Len())
	}
	seen := make([]int, 100)
	for _, part := range []*Dataset{tr, va} {
		for i := range part.Len() {
			k := rowIndex(part.X.Row(i))
			seen[k]++
			if part.Y[i] != k%10 {
				t.Errorf("row %d carries label %d, want %d", k, part.Y[i], k%10)
			}
		}
	}
	for k, c := range seen {
		if c != 1 {
			t.Errorf("sample %d appears %d times, want once", k, c)
		}
	}
	t.Run("deterministic", func(t *testing.T) {
		_, va2, _ := ds.Split(testrand.New(1), 0.1)
		_, va3, _ := ds.Split(testrand.New(2), 0.1)
		if !slices.Equal(va.X.Data, va2.X.Data) {
			t.Error("same seed gave different validation sets")
		}
		if slices.Equal(va.X.Data, va3.X.Data) {
			t.Error("different seeds gave the same validation set")
		}
	})
	t.Run("bad fraction", func(t *testing.T) {
		for _, f := range []float64{0, 1, -0.5, 0.001} {
			if _, _, err := ds.Split(testrand.New(1), f); err == nil {
				t.Errorf("Split(%g) succeeded, want an error", f)
			}
		}
	})
}

func TestDataset_FilterClasses(t *testing.T) {
	ds := toy(t, 10, 5)
	f := ds.FilterClasses([]int{3, 1})
	// Labels i mod 5 in {1, 3}: indices 1, 3, 6, 8 in original order.
	want := []int{1, 3, 6, 8}
	if f.Len() != len(want) || f.Classes != 5 {
		t.Fatalf("kept %d samples, %d classes; want %d, 5", f.Len(), f.Classes, len(want))
	}
	for i, k := range want {
		if rowIndex(f.X.Row(i)) != k || f.Y[i] != k%5 {
			t.Errorf("row %d = sample %d label %d, want sample %d", i, rowIndex(f.X.Row(i)), f.Y[i], k)
		}
	}
}

func TestDataset_Permute(t *testing.T) {
	ds := toy(t, 4, 2)
	perm := PixelPermutation(testrand.New(3), 3)
	p := ds.Permute(perm)
	for i := range 4 {
		for j := range 3 {
			if p.X.At(i, j) != ds.X.At(i, perm[j]) {
				t.Fatalf("permuted (%d,%d) = %v, want source column %d = %v", i, j, p.X.At(i, j), perm[j], ds.X.At(i, perm[j]))
			}
		}
	}
	// Applying the inverse permutation restores the data.
	inv := make([]int, 3)
	for j, q := range perm {
		inv[q] = j
	}
	if back := p.Permute(inv); !slices.Equal(back.X.Data, ds.X.Data) || !slices.Equal(back.Y, ds.Y) {
		t.Error("inverse permutation did not restore the data")
	}
	if !slices.Equal(perm, PixelPermutation(testrand.New(3), 3)) {
		t.Error("PixelPermutation is not deterministic")
	}
	t.Run("not a permutation panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("no panic")
			}
		}()
		ds.Permute([]int{0, 0, 1})
	})
}

func TestOneHot(t *testing.T) {
	buf := tensor.New(1, 1)
	got := OneHot(buf, []int{2, 0}, 3)
	if got != buf || !slices.Equal(got.Data, []float32{0, 0, 1, 1, 0, 0}) || got.Rows != 2 || got.Cols != 3 {
		t.Errorf("OneHot = %v", got)
	}
	if n := OneHot(nil, []int{1}, 2); !slices.Equal(n.Data, []float32{0, 1}) {
		t.Errorf("OneHot(nil) = %v", n)
	}
	y := []int{1, 0, 1}
	if a := testing.AllocsPerRun(100, func() { OneHot(buf, y, 3) }); a != 0 {
		t.Errorf("OneHot into a large enough buffer: %v allocs, want 0", a)
	}
}

func TestBatches_Next(t *testing.T) {
	ds := toy(t, 10, 3)
	epoch := func(it *Batches) (order []int, sizes []int) {
		for it.Next() {
			sizes = append(sizes, it.X.Rows)
			for r := range it.X.Rows {
				k := rowIndex(it.X.Row(r))
				if it.Y[r] != k%3 || it.Idx[r] != k {
					t.Fatalf("batch row %d: sample %d with label %d idx %d", r, k, it.Y[r], it.Idx[r])
				}
				order = append(order, k)
			}
		}
		return order, sizes
	}
	t.Run("covers each sample once", func(t *testing.T) {
		it := ds.Batches(testrand.New(7), 4)
		o1, sizes := epoch(it)
		if !slices.Equal(sizes, []int{4, 4, 2}) || it.NumBatches() != 3 {
			t.Errorf("batch sizes %v (NumBatches %d), want [4 4 2]", sizes, it.NumBatches())
		}
		if s := slices.Sorted(slices.Values(o1)); !slices.Equal(s, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
			t.Errorf("epoch visited %v", o1)
		}
		it.Reset()
		o2, _ := epoch(it)
		if slices.Equal(o1, o2) {
			t.Error("second epoch repeated the first epoch's order")
		}
		it2 := ds.Batches(testrand.New(7), 4)
		o1b, _ := epoch(it2)
		it2.Reset()
		o2b, _ := epoch(it2)
		if !slices.Equal(o1, o1b) || !slices.Equal(o2, o2b) {
			t.Error("same seed gave a different batch order")
		}
	})
	t.Run("drop last", func(t *testing.T) {
		it := ds.Batches(testrand.New(7), 4)
		it.DropLast = true
		_, sizes := epoch(it)
		if !slices.Equal(sizes, []int{4, 4}) || it.NumBatches() != 2 {
			t.Errorf("batch sizes %v, want [4 4]", sizes)
		}
	})
	t.Run("sequential", func(t *testing.T) {
		o, _ := epoch(ds.Sequential(3))
		if !slices.Equal(o, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
			t.Errorf("sequential order %v", o)
		}
	})
	t.Run("no allocation", func(t *testing.T) {
		it := ds.Batches(testrand.New(7), 4)
		a := testing.AllocsPerRun(20, func() {
			for it.Next() {
			}
			it.Reset()
		})
		if a != 0 {
			t.Errorf("%v allocs per epoch, want 0", a)
		}
	})
}

func BenchmarkBatches_Epoch(b *testing.B) {
	x := tensor.New(60000, 784)
	ds := &Dataset{X: x, Y: make([]int, 60000), Classes: 10}
	it := ds.Batches(testrand.New(1), 64)
	b.ReportAllocs()
	for b.Loop() {
		for it.Next() {
		}
		it.Reset()
	}
}
