package render

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
)

// Point is a position in image pixels.
type Point struct {
	// X grows to the right.
	X float64
	// Y grows downwards.
	Y float64
}

// Fill paints the whole image with c.
func Fill(img *image.RGBA, c color.RGBA) {
	draw.Draw(img, img.Bounds(), &image.Uniform{C: c}, image.Point{}, draw.Src)
}

// Polygon fills the simple (not necessarily convex) polygon with vertices
// pts, using the even-odd rule. Fewer than three points draw nothing.
func Polygon(img *image.RGBA, pts []Point, c color.RGBA) {
	if len(pts) < 3 {
		return
	}
	b := img.Bounds()
	minY, maxY := math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		minY, maxY = math.Min(minY, p.Y), math.Max(maxY, p.Y)
	}
	y0 := max(b.Min.Y, int(math.Floor(minY)))
	y1 := min(b.Max.Y-1, int(math.Ceil(maxY)))
	xs := make([]float64, 0, len(pts))
	for y := y0; y <= y1; y++ {
		cy := float64(y) + 0.5
		xs = xs[:0]
		for i := range pts {
			p, q := pts[i], pts[(i+1)%len(pts)]
			if (p.Y <= cy) == (q.Y <= cy) {
				continue
			}
			xs = append(xs, p.X+(cy-p.Y)*(q.X-p.X)/(q.Y-p.Y))
		}
		sort.Float64s(xs)
		for k := 0; k+1 < len(xs); k += 2 {
			// Pixels whose centre x+0.5 lies in [xs[k], xs[k+1]].
			xa := max(b.Min.X, int(math.Ceil(xs[k]-0.5)))
			xb := min(b.Max.X-1, int(math.Floor(xs[k+1]-0.5)))
			for x := xa; x <= xb; x++ {
				img.SetRGBA(x, y, c)
			}
		}
	}
}

// Circle fills the disc of radius r centred at (cx, cy).
func Circle(img *image.RGBA, cx, cy, r float64, c color.RGBA) {
	b := img.Bounds()
	y0 := max(b.Min.Y, int(math.Floor(cy-r)))
	y1 := min(b.Max.Y-1, int(math.Ceil(cy+r)))
	for y := y0; y <= y1; y++ {
		dy := float64(y) + 0.5 - cy
		h := r*r - dy*dy
		if h < 0 {
			continue
		}
		w := math.Sqrt(h)
		xa := max(b.Min.X, int(math.Ceil(cx-w-0.5)))
		xb := min(b.Max.X-1, int(math.Floor(cx+w-0.5)))
		for x := xa; x <= xb; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

// Line draws a segment from a to b of the given width (at least one pixel
// wide whatever width says).
func Line(img *image.RGBA, a, b Point, width float64, c color.RGBA) {
	width = math.Max(width, 1)
	dx, dy := b.X-a.X, b.Y-a.Y
	n := math.Hypot(dx, dy)
	if n == 0 {
		Circle(img, a.X, a.Y, width/2, c)
		return
	}
	// Unit normal scaled to half the width.
	nx, ny := -dy/n*width/2, dx/n*width/2
	Polygon(img, []Point{{a.X + nx, a.Y + ny}, {b.X + nx, b.Y + ny}, {b.X - nx, b.Y - ny}, {a.X - nx, a.Y - ny}}, c)
}

// Polyline draws the segments joining consecutive points.
func Polyline(img *image.RGBA, pts []Point, width float64, c color.RGBA) {
	for i := 0; i+1 < len(pts); i++ {
		Line(img, pts[i], pts[i+1], width, c)
		Circle(img, pts[i+1].X, pts[i+1].Y, width/2, c)
	}
}

// Rotate returns p rotated by angle radians about the origin, counter-
// clockwise in a y-up frame (pygame's Vector2.rotate_rad in the frame
// before the vertical flip).
func Rotate(p Point, angle float64) Point {
	s, c := math.Sincos(angle)
	return Point{p.X*c - p.Y*s, p.X*s + p.Y*c}
}

// Palette returns a GIF palette for frames: their exact colours when they
// use at most 256, else the Plan 9 palette (nearest colour).
func Palette(frames []*image.RGBA) color.Palette {
	seen := make(map[color.RGBA]struct{})
	var pal color.Palette
	for _, f := range frames {
		for i := 0; i+3 < len(f.Pix); i += 4 {
			c := color.RGBA{f.Pix[i], f.Pix[i+1], f.Pix[i+2], 255}
			if _, ok := seen[c]; ok {
				continue
			}
			if len(seen) == 256 {
				return palette.Plan9
			}
			seen[c] = struct{}{}
			pal = append(pal, c)
		}
	}
	if len(pal) == 0 {
		pal = color.Palette{color.RGBA{255, 255, 255, 255}}
	}
	return pal
}

// EncodeGIF writes frames as an animated GIF that loops forever, each
// frame shown for delay hundredths of a second (0 means 4, i.e. 25 fps).
// It returns an error if frames is empty or the encoder fails.
func EncodeGIF(w io.Writer, frames []*image.RGBA, delay int) error {
	if len(frames) == 0 {
		return errors.New("render: no frames to encode")
	}
	if delay <= 0 {
		delay = 4
	}
	pal := Palette(frames)
	g := &gif.GIF{}
	for _, f := range frames {
		p := image.NewPaletted(f.Bounds(), pal)
		draw.Draw(p, f.Bounds(), f, f.Bounds().Min, draw.Src)
		g.Image = append(g.Image, p)
		g.Delay = append(g.Delay, delay)
	}
	if err := gif.EncodeAll(w, g); err != nil {
		return fmt.Errorf("render: encode gif: %w", err)
	}
	return nil
}

// WriteFileAtomic writes data to path (mode 0644) through a temporary file
// in the same directory and a rename, so readers never see a partial file.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("render: create %s: %w (check that the directory exists and is writable)", path, err)
	}
	name := tmp.Name()
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		os.Remove(name)
		return fmt.Errorf("render: chmod %s: %w", name, err)
	}
	if _, err := io.Copy(tmp, bytes.NewReader(data)); err != nil {
		tmp.Close()
		os.Remove(name)
		return fmt.Errorf("render: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(name)
		return fmt.Errorf("render: write %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		os.Remove(name)
		return fmt.Errorf("render: rename to %s: %w", path, err)
	}
	return nil
}
