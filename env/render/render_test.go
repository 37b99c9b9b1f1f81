package render

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var (
	white = color.RGBA{255, 255, 255, 255}
	red   = color.RGBA{255, 0, 0, 255}
)

func count(img *image.RGBA, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.RGBAAt(x, y) == c {
				n++
			}
		}
	}
	return n
}

func TestPolygon_Fill(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 20, 20))
	Fill(img, white)
	// The axis-aligned square [2, 7)×[3, 9) covers exactly 5×6 pixel centres.
	Polygon(img, []Point{{2, 3}, {7, 3}, {7, 9}, {2, 9}}, red)
	if n := count(img, red); n != 30 {
		t.Fatalf("square painted %d pixels, want 30", n)
	}
	if img.RGBAAt(2, 3) != red || img.RGBAAt(6, 8) != red || img.RGBAAt(7, 8) != white {
		t.Fatal("square edges misplaced")
	}
	// A shape entirely outside draws nothing and does not panic.
	Fill(img, white)
	Polygon(img, []Point{{-10, -10}, {-5, -10}, {-5, -5}}, red)
	Polygon(img, []Point{{1, 1}, {2, 2}}, red)
	if n := count(img, red); n != 0 {
		t.Fatalf("outside shapes painted %d pixels", n)
	}
}

func TestCircle_Fill(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 100, 100))
	Fill(img, white)
	Circle(img, 50, 50, 20, red)
	// Pixel centres inside a disc of radius 20: about π·20² ≈ 1257 (Gauss
	// circle problem: the error is O(r)).
	if n := count(img, red); math.Abs(float64(n)-math.Pi*400) > 40 {
		t.Fatalf("disc painted %d pixels, want about 1257", n)
	}
}

func TestLine_Width(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 50, 50))
	Fill(img, white)
	// A horizontal segment of length 40 and width 4: 40×4 pixels.
	Line(img, Point{5, 20}, Point{45, 20}, 4, red)
	if n := count(img, red); n != 160 {
		t.Fatalf("line painted %d pixels, want 160", n)
	}
}

func TestRotate(t *testing.T) {
	p := Rotate(Point{1, 0}, math.Pi/2)
	if math.Abs(p.X) > 1e-15 || math.Abs(p.Y-1) > 1e-15 {
		t.Fatalf("Rotate((1,0), π/2) = %v, want (0, 1)", p)
	}
}

func TestEncodeGIF(t *testing.T) {
	frames := make([]*image.RGBA, 3)
	for i := range frames {
		frames[i] = image.NewRGBA(image.Rect(0, 0, 30, 20))
		Fill(frames[i], white)
		Circle(frames[i], float64(5+10*i), 10, 4, red)
	}
	var buf bytes.Buffer
	if err := EncodeGIF(&buf, frames, 0); err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 3 || g.Delay[0] != 4 {
		t.Fatalf("decoded %d frames with delay %v", len(g.Image), g.Delay)
	}
	// Exact colours survive: the palette holds white and red only.
	r, gg, b, _ := g.Image[1].At(15, 10).RGBA()
	if r>>8 != 255 || gg>>8 != 0 || b>>8 != 0 {
		t.Fatalf("frame 1 centre colour %v %v %v, want red", r>>8, gg>>8, b>>8)
	}
	if err := EncodeGIF(&buf, nil, 0); err == nil {
		t.Fatal("no frames accepted")
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.gif")
	if err := WriteFileAtomic(p, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != "x" {
		t.Fatalf("read back %q, %v", b, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "b.gif"), nil); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
}
