package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vfe-go/vfe/tensor"
)

// MaxIDXElements bounds the number of values an IDX file may declare
// (2^28, about 268 million bytes); larger headers are rejected as corrupt
// rather than trusted for an allocation.
const MaxIDXElements = 1 << 28

// idxUbyte is the IDX type code for unsigned bytes, the only type MNIST-style
// files use.
const idxUbyte = 0x08

// gzip magic bytes (RFC 1952).
const gzipID1, gzipID2 = 0x1f, 0x8b

// scale255[b] = b/255 rounded to float32, so decoding is one table look-up per
// pixel.
var scale255 = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(float64(i) / 255)
	}
	return t
}()

// IDX is a decoded IDX file of unsigned bytes: Dims holds the dimensions in
// file order (for images N, height, width; for labels N) and Data the
// row-major values, len(Data) = the product of Dims.
type IDX struct {
	Dims []int
	Data []byte
}

// ReadIDX decodes an IDX file of unsigned bytes (type code 0x08) from r,
// raw or gzip-compressed (detected from the first two bytes). It returns an
// error, never panics, on a wrong magic number, a non-byte type code, zero
// or too many dimensions, a zero dimension, more than MaxIDXElements values,
// a truncated payload or trailing bytes.
func ReadIDX(r io.Reader) (*IDX, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, err := br.Peek(2)
	if err != nil {
		return nil, fmt.Errorf("data: IDX header: %w", noEOF(err))
	}
	var src io.Reader = br
	if head[0] == gzipID1 && head[1] == gzipID2 {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("data: gzip: %w", noEOF(err))
		}
		defer zr.Close()
		src = bufio.NewReaderSize(zr, 1<<16)
	}
	var magic [4]byte
	if _, err := io.ReadFull(src, magic[:]); err != nil {
		return nil, fmt.Errorf("data: IDX header: %w", noEOF(err))
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fmt.Errorf("data: not an IDX file: magic %02x%02x%02x%02x, want 0000 08 0n", magic[0], magic[1], magic[2], magic[3])
	}
	if magic[2] != idxUbyte {
		return nil, fmt.Errorf("data: IDX type code 0x%02x unsupported, want 0x08 (unsigned byte)", magic[2])
	}
	nd := int(magic[3])
	if nd < 1 || nd > 4 {
		return nil, fmt.Errorf("data: IDX with %d dimensions unsupported, want 1 to 4", nd)
	}
	dims := make([]int, nd)
	total := 1
	for i := range dims {
		var b [4]byte
		if _, err := io.ReadFull(src, b[:]); err != nil {
			return nil, fmt.Errorf("data: IDX dimensions: %w", noEOF(err))
		}
		d := binary.BigEndian.Uint32(b[:])
		if d == 0 {
			return nil, fmt.Errorf("data: IDX dimension %d is zero", i)
		}
		if uint64(d) > MaxIDXElements || uint64(total)*uint64(d) > MaxIDXElements {
			return nil, fmt.Errorf("data: IDX dimensions too large (more than %d values)", MaxIDXElements)
		}
		dims[i] = int(d)
		total *= int(d)
	}
	payload, err := readExactly(src, total)
	if err != nil {
		return nil, err
	}
	return &IDX{Dims: dims, Data: payload}, nil
}

// readExactly reads n bytes and checks that r then ends. It grows its buffer
// as data arrives, so a header claiming more data than the file holds costs
// no more memory than the file itself.
func readExactly(r io.Reader, n int) ([]byte, error) {
	// Trust the header for up to 1 MiB; beyond that grow with the data
	// actually read, so a corrupt header cannot force a large allocation.
	const chunk, trusted = 1 << 22, 1 << 20
	buf := make([]byte, 0, min(n, trusted))
	for len(buf) < n {
		want := min(n-len(buf), chunk)
		if cap(buf)-len(buf) < want {
			nb := make([]byte, len(buf), min(n, max(2*cap(buf), len(buf)+want)))
			copy(nb, buf)
			buf = nb
		}
		got, err := io.ReadFull(r, buf[len(buf):len(buf)+want])
		buf = buf[:len(buf)+got]
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("data: IDX truncated: %d of %d data bytes", len(buf), n)
			}
			return nil, fmt.Errorf("data: IDX data: %w", err)
		}
	}
	var one [1]byte
	if k, _ := io.ReadFull(r, one[:]); k > 0 {
		return nil, fmt.Errorf("data: IDX has trailing bytes after %d data bytes", n)
	}
	return buf, nil
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ReadImages decodes an idx3-ubyte image file from r into an N×(H·W) matrix
// with values v/255 in [0, 1], and returns the image height H and width W.
func ReadImages(r io.Reader) (x *tensor.Mat, h, w int, err error) {
	f, err := ReadIDX(r)
	if err != nil {
		return nil, 0, 0, err
	}
	if len(f.Dims) != 3 {
		return nil, 0, 0, fmt.Errorf("data: image file has %d dimensions, want 3 (idx3-ubyte: N, height, width)", len(f.Dims))
	}
	n, h, w := f.Dims[0], f.Dims[1], f.Dims[2]
	x = tensor.New(n, h*w)
	dst := x.Data[:len(f.Data)]
	for i, b := range f.Data {
		dst[i] = scale255[b]
	}
	return x, h, w, nil
}

// ReadLabels decodes an idx1-ubyte label file from r.
func ReadLabels(r io.Reader) ([]int, error) {
	f, err := ReadIDX(r)
	if err != nil {
		return nil, err
	}
	if len(f.Dims) != 1 {
		return nil, fmt.Errorf("data: label file has %d dimensions, want 1 (idx1-ubyte)", len(f.Dims))
	}
	y := make([]int, len(f.Data))
	for i, b := range f.Data {
		y[i] = int(b)
	}
	return y, nil
}

// ReadImagesFile is ReadImages on the file at path; errors name the file.
func ReadImagesFile(path string) (x *tensor.Mat, h, w int, err error) {
	err = withFile(path, func(r io.Reader) error {
		x, h, w, err = ReadImages(r)
		return err
	})
	return x, h, w, err
}

// ReadLabelsFile is ReadLabels on the file at path; errors name the file.
func ReadLabelsFile(path string) (y []int, err error) {
	err = withFile(path, func(r io.Reader) error {
		y, err = ReadLabels(r)
		return err
	})
	return y, err
}

func withFile(path string, read func(io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	if err := read(f); err != nil {
		return fmt.Errorf("data: %s: %s", path, strings.TrimPrefix(err.Error(), "data: "))
	}
	return nil
}
