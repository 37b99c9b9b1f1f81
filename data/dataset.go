package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/vfe-go/vfe/tensor"
)

// Dataset is a labelled set of N samples.
type Dataset struct {
	// X holds the inputs, N×D, one sample per row, pixels scaled to [0, 1].
	X *tensor.Mat
	// Y holds the N labels, each in [0, Classes).
	Y []int
	// Classes is the number of classes (10 for MNIST). Filtering keeps it, so
	// labels keep their meaning.
	Classes int
	// Name identifies the data, e.g. "mnist/train"; it is informational.
	Name string
	// H and W are the image height and width (H·W = D); zero when the rows
	// are not images.
	H, W int
}

// Len returns the number of samples N.
func (d *Dataset) Len() int { return len(d.Y) }

// Dim returns the input width D.
func (d *Dataset) Dim() int { return d.X.Cols }

func (d *Dataset) check() {
	if d.X == nil || d.X.Rows != len(d.Y) {
		panic("data: Dataset with X rows != len(Y)")
	}
}

// Subset returns a new Dataset holding copies of the samples idx, in that
// order (repeats allowed). It panics if an index is out of range.
func (d *Dataset) Subset(idx []int) *Dataset {
	d.check()
	n, dim := len(d.Y), d.X.Cols
	out := &Dataset{X: tensor.New(len(idx), dim), Y: make([]int, len(idx)), Classes: d.Classes, Name: d.Name, H: d.H, W: d.W}
	for k, i := range idx {
		if i < 0 || i >= n {
			panic(fmt.Sprintf("data: Subset index %d out of range [0, %d)", i, n))
		}
		copy(out.X.Row(k), d.X.Row(i))
		out.Y[k] = d.Y[i]
	}
	return out
}

// Split carves a validation set out of d: a fraction valFrac of the samples
// (rounded to the nearest integer), chosen by a permutation drawn from rng,
// goes to val (named Name+"/val") and the rest, in their original order, to
// train (keeping Name). The same rng
// state gives the same split. valFrac must lie in (0, 1) and leave both parts
// non-empty. It panics if rng is nil.
func (d *Dataset) Split(rng *rand.Rand, valFrac float64) (train, val *Dataset, err error) {
	d.check()
	if rng == nil {
		panic("data: Split with nil rng")
	}
	n := d.Len()
	nVal := int(math.Round(valFrac * float64(n)))
	if !(valFrac > 0 && valFrac < 1) || nVal == 0 || nVal == n {
		return nil, nil, fmt.Errorf("data: validation fraction %g of %d samples leaves an empty part; use a value in (0, 1) such as 0.1", valFrac, n)
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	shuffle(rng, perm)
	valIdx := perm[:nVal]
	trainIdx := perm[nVal:]
	slices.Sort(valIdx)
	slices.Sort(trainIdx)
	train, val = d.Subset(trainIdx), d.Subset(valIdx)
	val.Name = d.Name + "/val"
	return train, val, nil
}

// FilterClasses returns the samples whose label is in classes, in their
// original order, keeping labels and Classes unchanged (for class-incremental
// splits such as split MNIST). It panics if a class is outside [0, Classes).
func (d *Dataset) FilterClasses(classes []int) *Dataset {
	d.check()
	keep := make([]bool, d.Classes)
	for _, c := range classes {
		if c < 0 || c >= d.Classes {
			panic(fmt.Sprintf("data: FilterClasses class %d out of range [0, %d)", c, d.Classes))
		}
		keep[c] = true
	}
	var idx []int
	for i, y := range d.Y {
		if y >= 0 && y < d.Classes && keep[y] {
			idx = append(idx, i)
		}
	}
	out := d.Subset(idx)
	out.Name = fmt.Sprintf("%s%v", d.Name, classes)
	return out
}

// PixelPermutation returns a uniformly random permutation of [0, dim) drawn
// from rng, for Permute. It panics if rng is nil.
func PixelPermutation(rng *rand.Rand, dim int) []int {
	if rng == nil {
		panic("data: PixelPermutation with nil rng")
	}
	p := make([]int, dim)
	for i := range p {
		p[i] = i
	}
	shuffle(rng, p)
	return p
}

// Permute returns a copy of d whose input column j is d's column perm[j]
// (permuted MNIST uses one fixed pixel permutation per task). Labels are
// unchanged. It panics if perm is not a permutation of [0, D).
func (d *Dataset) Permute(perm []int) *Dataset {
	d.check()
	dim := d.X.Cols
	if len(perm) != dim {
		panic(fmt.Sprintf("data: Permute with %d indices for %d columns", len(perm), dim))
	}
	seen := make([]bool, dim)
	for _, p := range perm {
		if p < 0 || p >= dim || seen[p] {
			panic("data: Permute argument is not a permutation of the columns")
		}
		seen[p] = true
	}
	out := &Dataset{X: tensor.New(d.X.Rows, dim), Y: slices.Clone(d.Y), Classes: d.Classes, Name: d.Name + "/permuted", H: d.H, W: d.W}
	for i := 0; i < d.X.Rows; i++ {
		src, dst := d.X.Row(i), out.X.Row(i)
		for j, p := range perm {
			dst[j] = src[p]
		}
	}
	return out
}

// OneHot writes the one-hot encoding of labels y into dst, resized to
// len(y)×classes (reusing its storage when large enough, so a kept buffer
// does not allocate), and returns dst; a nil dst is allocated. It panics if a
// label is outside [0, classes).
func OneHot(dst *tensor.Mat, y []int, classes int) *tensor.Mat {
	if dst == nil {
		dst = new(tensor.Mat)
	}
	dst.Resize(len(y), classes).Zero()
	for i, c := range y {
		if c < 0 || c >= classes {
			panic(fmt.Sprintf("data: OneHot label %d out of range [0, %d)", c, classes))
		}
		dst.Data[i*classes+c] = 1
	}
	return dst
}

// shuffle is a Fisher–Yates shuffle of p driven by rng.
func shuffle(rng *rand.Rand, p []int) {
	for i := len(p) - 1; i > 0; i-- {
		j := rng.IntN(i + 1)
		p[i], p[j] = p[j], p[i]
	}
}

// Batches iterates over a Dataset in mini-batches, writing each batch into
// buffers it reuses: after the first epoch, iterating allocates nothing.
//
//	it := ds.Batches(rng, 64)
//	for epoch := 0; epoch < epochs; epoch++ {
//		for it.Next() {
//			train(it.X, it.Y)
//		}
//		it.Reset() // new shuffled order for the next epoch
//	}
type Batches struct {
	// X is the current batch's inputs, B×D (B = the batch size, or fewer for
	// the last batch of an epoch unless DropLast). It is overwritten by Next.
	X *tensor.Mat
	// Y is the current batch's labels (len B), overwritten by Next.
	Y []int
	// Idx is the current batch's sample indices into the Dataset.
	Idx []int
	// DropLast skips an epoch's final batch when it has fewer than the batch
	// size samples. The zero value keeps it.
	DropLast bool

	ds    *Dataset
	rng   *rand.Rand // nil: dataset order
	size  int
	order []int
	pos   int
	yBuf  []int
}

// Batches returns an iterator over d in mini-batches of batchSize samples,
// in an order shuffled by rng at the start of every epoch (the first one at
// creation). It panics if rng is nil or batchSize < 1.
func (d *Dataset) Batches(rng *rand.Rand, batchSize int) *Batches {
	if rng == nil {
		panic("data: Batches with nil rng (use Sequential for dataset order)")
	}
	return d.newBatches(rng, batchSize)
}

// Sequential returns an iterator over d in mini-batches of batchSize samples
// in dataset order, for evaluation. It panics if batchSize < 1.
func (d *Dataset) Sequential(batchSize int) *Batches {
	return d.newBatches(nil, batchSize)
}

func (d *Dataset) newBatches(rng *rand.Rand, batchSize int) *Batches {
	d.check()
	if batchSize < 1 {
		panic(fmt.Sprintf("data: batch size %d < 1", batchSize))
	}
	b := &Batches{
		X:     tensor.New(min(batchSize, d.Len()), d.X.Cols),
		ds:    d,
		rng:   rng,
		size:  batchSize,
		order: make([]int, d.Len()),
		yBuf:  make([]int, batchSize),
	}
	for i := range b.order {
		b.order[i] = i
	}
	b.Reset()
	return b
}

// Reset starts a new epoch: the order is reshuffled (when the iterator was
// made by Batches) and Next starts again from the first batch.
func (b *Batches) Reset() {
	if b.rng != nil {
		shuffle(b.rng, b.order)
	}
	b.pos = 0
}

// Next loads the next batch into X, Y and Idx and reports whether there was
// one; it returns false at the end of the epoch.
func (b *Batches) Next() bool {
	n := len(b.order)
	if b.pos >= n {
		return false
	}
	k := min(b.size, n-b.pos)
	if k < b.size && b.DropLast {
		b.pos = n
		return false
	}
	b.Idx = b.order[b.pos : b.pos+k]
	b.pos += k
	dim := b.ds.X.Cols
	b.X.Resize(k, dim)
	b.Y = b.yBuf[:k]
	for r, i := range b.Idx {
		copy(b.X.Data[r*dim:(r+1)*dim], b.ds.X.Data[i*dim:(i+1)*dim])
		b.Y[r] = b.ds.Y[i]
	}
	return true
}

// NumBatches returns the number of batches per epoch.
func (b *Batches) NumBatches() int {
	n := len(b.order)
	if b.DropLast {
		return n / b.size
	}
	return (n + b.size - 1) / b.size
}
