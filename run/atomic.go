package run

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// AtomicWrite writes the file at path through write: the data goes to a
// temporary file in the same folder, which is flushed, synced and renamed
// over path only when write returns nil. A failure or crash therefore leaves
// any previous file at path untouched. The file gets mode 0644.
func AtomicWrite(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("run: write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<16)
	if err := write(bw); err != nil {
		return fmt.Errorf("run: write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("run: write %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("run: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("run: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("run: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("run: write %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the rename durable where the OS allows it
		d.Close()
	}
	return nil
}

// WriteJSON atomically writes v as indented JSON (two spaces, trailing
// newline) to path.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("run: encode %s: %w", filepath.Base(path), err)
	}
	b = append(b, '\n')
	return AtomicWrite(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}
