package run

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// File names inside a run directory.
const (
	ConfigFile     = "config.json"            // the typed config, indented JSON
	MetricsCSV     = "metrics.csv"            // metric rows, header fixed by the first row
	MetricsJSONL   = "metrics.jsonl"          // the same rows, one JSON object per line
	SummaryFile    = "summary.json"           // final results
	CheckpointFile = "checkpoint.safetensors" // the last good checkpoint
)

// Dir is a run directory.
type Dir struct {
	// Path is the directory's path as given to Create, Resume or Open.
	Path string
}

// Create makes a new run directory at path (creating parents) and writes cfg
// (normally the command's typed Config) to config.json as indented JSON. It
// is an error if path already holds a run (a config.json); use Resume to
// continue one.
func Create(path string, cfg any) (*Dir, error) {
	if path == "" {
		return nil, errors.New("run: empty run directory path; pass --out DIR")
	}
	if _, err := os.Stat(filepath.Join(path, ConfigFile)); err == nil {
		return nil, fmt.Errorf("run: %s already holds a run; choose another output directory or resume it", path)
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	d := &Dir{Path: path}
	if err := WriteJSON(d.File(ConfigFile), cfg); err != nil {
		return nil, err
	}
	return d, nil
}

// Resume opens the run at path to continue it, checking that its config.json
// matches cfg exactly (as JSON); a run must resume with the config it started
// with. If path holds no run yet, Resume is Create.
func Resume(path string, cfg any) (*Dir, error) {
	old, err := os.ReadFile(filepath.Join(path, ConfigFile))
	if errors.Is(err, fs.ErrNotExist) {
		return Create(path, cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	cur, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("run: encode config: %w", err)
	}
	var a, b bytes.Buffer
	if json.Compact(&a, old) != nil || json.Compact(&b, cur) != nil || !bytes.Equal(a.Bytes(), b.Bytes()) {
		return nil, fmt.Errorf("run: cannot resume %s: its config.json differs from the requested config; resume with the same settings or start a new run", path)
	}
	return &Dir{Path: path}, nil
}

// Open opens an existing run directory for reading. It is an error if path
// has no config.json.
func Open(path string) (*Dir, error) {
	if _, err := os.Stat(filepath.Join(path, ConfigFile)); err != nil {
		return nil, fmt.Errorf("run: %s is not a run directory (no %s)", path, ConfigFile)
	}
	return &Dir{Path: path}, nil
}

// File returns the path of the named file inside the run directory.
func (d *Dir) File(name string) string { return filepath.Join(d.Path, name) }

// ReadConfig decodes config.json into v (a pointer to the config struct).
// Fields absent from the file keep v's values, so default the struct first.
func (d *Dir) ReadConfig(v any) error { return readJSON(d.File(ConfigFile), v) }

// WriteSummary atomically writes v as indented JSON to summary.json.
func (d *Dir) WriteSummary(v any) error { return WriteJSON(d.File(SummaryFile), v) }

// ReadSummary decodes summary.json into v.
func (d *Dir) ReadSummary(v any) error { return readJSON(d.File(SummaryFile), v) }

// Logger opens the run's metrics.csv and metrics.jsonl for appending (see
// NewLogger).
func (d *Dir) Logger() (*Logger, error) { return NewLogger(d.Path) }

// SaveCheckpoint atomically writes tensors and metadata to
// checkpoint.safetensors; the previous checkpoint survives a failed write.
func (d *Dir) SaveCheckpoint(tensors []Tensor, metadata map[string]string) error {
	return SaveTensors(d.File(CheckpointFile), tensors, metadata)
}

// LoadCheckpoint reads checkpoint.safetensors.
func (d *Dir) LoadCheckpoint() ([]Tensor, map[string]string, error) {
	return LoadTensors(d.File(CheckpointFile))
}

// HasCheckpoint reports whether the run has a checkpoint.
func (d *Dir) HasCheckpoint() bool {
	st, err := os.Stat(d.File(CheckpointFile))
	return err == nil && st.Mode().IsRegular()
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("run: %s: %w", path, err)
	}
	return nil
}
