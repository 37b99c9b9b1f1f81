package data

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteIDX writes an unsigned-byte IDX file (magic 0x00000800 | rank) with
// the given dimensions and payload (len = product of dims) to path,
// atomically (a temporary file renamed into place). It is how tests and
// tools build small datasets that Load and LoadDir read.
func WriteIDX(path string, dims []int, payload []byte) error {
	if len(dims) == 0 || len(dims) > 4 {
		return fmt.Errorf("data: WriteIDX needs 1 to 4 dimensions, got %d", len(dims))
	}
	n := 1
	for _, d := range dims {
		if d <= 0 {
			return fmt.Errorf("data: WriteIDX dimension %d is not positive", d)
		}
		n *= d
	}
	if n != len(payload) {
		return fmt.Errorf("data: WriteIDX payload has %d bytes, dimensions %v need %d", len(payload), dims, n)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".idx-*")
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	defer os.Remove(tmp.Name())
	hdr := []byte{0, 0, 0x08, byte(len(dims))}
	for _, d := range dims {
		hdr = binary.BigEndian.AppendUint32(hdr, uint32(d))
	}
	if _, err := tmp.Write(hdr); err == nil {
		_, err = io.Copy(tmp, &byteReader{payload})
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("data: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	return nil
}

type byteReader struct{ b []byte }

func (r *byteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}
