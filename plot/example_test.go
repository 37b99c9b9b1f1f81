package plot_test

import (
	"fmt"
	"image/png"
	"log"
	"os"
	"path/filepath"

	"github.com/vfe-go/vfe/plot"
)

func ExampleImageGrid() {
	dir, err := os.MkdirTemp("", "vfe-plot")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// Four 2×2 images: black, white, and two diagonals.
	imgs := [][]float32{{0, 0, 0, 0}, {1, 1, 1, 1}, {1, 0, 0, 1}, {0, 1, 1, 0}}
	out := filepath.Join(dir, "samples.png")
	if err := plot.ImageGrid(imgs, 2, 2, out); err != nil {
		log.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		log.Fatal(err)
	}
	// Each cell is 2 pixels × scale 3 plus a 2-pixel border: 2·8+2 = 18.
	fmt.Println(cfg.Width, cfg.Height)
	// Output: 18 18
}

func ExampleFamily() {
	for _, k := range []string{"test/acc", "pc/energy", "losses/value", "charts/sps"} {
		fmt.Println(k, "→", plot.Family(k))
	}
	// Output:
	// test/acc → accuracy
	// pc/energy → energy
	// losses/value → losses
	// charts/sps → charts/sps
}
