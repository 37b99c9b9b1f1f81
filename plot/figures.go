package plot

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strconv"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/vfe-go/vfe/run"
)

// grid adapts a row-major matrix to plotter.GridXYZ with row 0 at the top.
type grid struct{ m [][]float64 }

func (g grid) Dims() (c, r int)   { return len(g.m[0]), len(g.m) }
func (g grid) Z(c, r int) float64 { return g.m[len(g.m)-1-r][c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }

// Heatmap draws matrix (rows of equal length; NaN cells are left blank) as
// a colour-coded grid with each value printed in its cell, row 0 at the top,
// and writes it to outPNG. rowLabels and colLabels name the rows and
// columns (nil: their indices). The colour scale spans the finite values.
func Heatmap(matrix [][]float64, rowLabels, colLabels []string, title, outPNG string) error {
	if len(matrix) == 0 || len(matrix[0]) == 0 {
		return errors.New("plot: Heatmap of an empty matrix")
	}
	nr, nc := len(matrix), len(matrix[0])
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, row := range matrix {
		if len(row) != nc {
			return fmt.Errorf("plot: Heatmap row %d has %d values, want %d", i, len(row), nc)
		}
		for _, v := range row {
			if finite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if rowLabels != nil && len(rowLabels) != nr || colLabels != nil && len(colLabels) != nc {
		return fmt.Errorf("plot: Heatmap with %d row and %d column labels for a %d×%d matrix", len(rowLabels), len(colLabels), nr, nc)
	}
	if lo > hi { // no finite value
		lo, hi = 0, 1
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	cmap, err := moreland.NewLuminance(viridisControls)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	cmap.SetMin(lo)
	cmap.SetMax(hi)
	pal := cmap.Palette(64)
	h := plotter.NewHeatMap(grid{matrix}, pal)
	h.Min, h.Max = lo, hi
	h.NaN = color.White
	p := gplot.New()
	p.Title.Text = title
	p.Add(h)

	// Values in the cells, dark text on light cells and vice versa.
	var xys plotter.XYs
	var strs []string
	var styles []text.Style
	digits := 2
	if math.Max(math.Abs(lo), math.Abs(hi)) >= 10 {
		digits = 1
	}
	for i, row := range matrix {
		for j, v := range row {
			if !finite(v) {
				continue
			}
			xys = append(xys, plotter.XY{X: float64(j), Y: float64(nr - 1 - i)})
			strs = append(strs, strconv.FormatFloat(v, 'f', digits, 64))
			c, err := cmap.At(v)
			st := text.Style{Color: color.Black, XAlign: draw.XCenter, YAlign: draw.YCenter, Handler: p.Title.TextStyle.Handler}
			st.Font = p.X.Tick.Label.Font
			st.Font.Size = vg.Points(9)
			if err == nil && luminance(c) < 0.5 {
				st.Color = color.White
			}
			styles = append(styles, st)
		}
	}
	if len(xys) > 0 {
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: strs})
		if err != nil {
			return fmt.Errorf("plot: %w", err)
		}
		l.TextStyle = styles
		p.Add(l)
	}
	p.X.Tick.Marker = labelTicks(colLabels, nc, func(j int) float64 { return float64(j) })
	p.Y.Tick.Marker = labelTicks(rowLabels, nr, func(i int) float64 { return float64(nr - 1 - i) })
	p.X.Padding, p.Y.Padding = 0, 0
	p.X.Min, p.X.Max = -0.5, float64(nc)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(nr)-0.5
	w := vg.Length(math.Max(float64(nc)*1.6, 8)) * vg.Centimeter
	ht := vg.Length(math.Max(float64(nr)*1.2, 6)) * vg.Centimeter
	img := vgimg.NewWith(vgimg.UseWH(w, ht), vgimg.UseDPI(dpi))
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	p.Draw(draw.Crop(dc, vg.Millimeter*2, -vg.Millimeter*4, vg.Millimeter*2, -vg.Millimeter*2))
	return savePNG(img, outPNG)
}

func labelTicks(labels []string, n int, at func(int) float64) gplot.ConstantTicks {
	ticks := make(gplot.ConstantTicks, n)
	for i := range n {
		s := strconv.Itoa(i)
		if labels != nil {
			s = labels[i]
		}
		ticks[i] = gplot.Tick{Value: at(i), Label: s}
	}
	return ticks
}

// viridisControls are control points of the viridis colour map (van der
// Walt and Smith, matplotlib), whose luminance rises monotonically.
var viridisControls = []color.Color{
	color.NRGBA{0x44, 0x01, 0x54, 0xff},
	color.NRGBA{0x3b, 0x52, 0x8b, 0xff},
	color.NRGBA{0x21, 0x91, 0x8c, 0xff},
	color.NRGBA{0x5e, 0xc9, 0x62, 0xff},
	color.NRGBA{0xfd, 0xe7, 0x25, 0xff},
}

// luminance returns the relative luminance of c in [0, 1] (Rec. 709 weights).
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	return (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 0xffff
}

// Series is one line of a Lines plot: Y[i] holds the samples (one per seed)
// at xs[i]; an empty Y[i] leaves that x out.
type Series struct {
	Name string
	Y    [][]float64
}

// Axes labels a figure; LogX puts x on a logarithmic scale (all x > 0).
type Axes struct {
	Title, X, Y string
	LogX        bool
}

// Lines draws, for each series, the mean of its samples at every x as a
// line with markers and 95% Student-t confidence error bars (none where a
// point has a single sample), and writes outPNG. The x ticks sit at xs.
func Lines(xs []float64, series []Series, ax Axes, outPNG string) error {
	if len(xs) == 0 || len(series) == 0 {
		return errors.New("plot: Lines needs x values and at least one series")
	}
	p := newPlot(ax.Title, ax.X, ax.Y)
	if ax.LogX {
		for _, x := range xs {
			if !(x > 0) {
				return fmt.Errorf("plot: Lines with LogX needs x > 0, got %g", x)
			}
		}
		p.X.Scale = gplot.LogScale{}
	}
	ticks := make(gplot.ConstantTicks, len(xs))
	for i, x := range xs {
		ticks[i] = gplot.Tick{Value: x, Label: strconv.FormatFloat(x, 'g', 4, 64)}
	}
	p.X.Tick.Marker = ticks
	for si, s := range series {
		if len(s.Y) != len(xs) {
			return fmt.Errorf("plot: series %q has %d points for %d x values", s.Name, len(s.Y), len(xs))
		}
		var pts plotter.XYs
		var errs plotter.YErrors
		for i, ys := range s.Y {
			var fin []float64
			for _, y := range ys {
				if finite(y) {
					fin = append(fin, y)
				}
			}
			if len(fin) == 0 {
				continue
			}
			m, h := run.MeanCI95(fin)
			if !finite(h) {
				h = 0
			}
			pts = append(pts, plotter.XY{X: xs[i], Y: m})
			errs = append(errs, struct{ Low, High float64 }{h, h})
		}
		if len(pts) == 0 {
			continue
		}
		c := plotutil.Color(si)
		l, sc, err := plotter.NewLinePoints(pts)
		if err != nil {
			return fmt.Errorf("plot: %w", err)
		}
		l.Color, sc.Color = c, c
		sc.Shape = plotutil.Shape(si)
		eb, err := plotter.NewYErrorBars(errPoints{pts, errs})
		if err != nil {
			return fmt.Errorf("plot: %w", err)
		}
		eb.Color = c
		p.Add(l, sc, eb)
		p.Legend.Add(s.Name, l, sc)
	}
	return saveGrid([]*gplot.Plot{p}, outPNG)
}

type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// ImageGrid tiles square images (each a row-major side×side grayscale image
// with values in [0, 1], clamped, NaN drawn black; all the same size, e.g.
// 28×28) into rows×cols cells, filling row by row, and writes a plain
// grayscale PNG: each pixel drawn 3×3, cells separated by 2-pixel mid-gray
// lines. Empty cells stay gray.
func ImageGrid(images [][]float32, rows, cols int, outPNG string) error {
	if len(images) == 0 {
		return errors.New("plot: ImageGrid needs at least one image")
	}
	n := len(images[0])
	side := int(math.Round(math.Sqrt(float64(n))))
	if side*side != n || n == 0 {
		return fmt.Errorf("plot: ImageGrid image of %d pixels is not square; use ImageGridHW", n)
	}
	return ImageGridHW(images, side, side, rows, cols, outPNG)
}

// ImageGridHW is ImageGrid for h×w images (len h·w each, row-major).
func ImageGridHW(images [][]float32, h, w, rows, cols int, outPNG string) error {
	if len(images) == 0 || rows < 1 || cols < 1 || h < 1 || w < 1 {
		return errors.New("plot: ImageGrid needs images, h, w ≥ 1 and rows, cols ≥ 1")
	}
	if len(images) > rows*cols {
		return fmt.Errorf("plot: %d images do not fit a %d×%d grid", len(images), rows, cols)
	}
	n := h * w
	const scale, gap = 3, 2
	cellW, cellH := w*scale+gap, h*scale+gap
	img := image.NewGray(image.Rect(0, 0, cols*cellW+gap, rows*cellH+gap))
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	for k, im := range images {
		if len(im) != n {
			return fmt.Errorf("plot: ImageGrid image %d has %d pixels, want %d", k, len(im), n)
		}
		x0, y0 := gap+(k%cols)*cellW, gap+(k/cols)*cellH
		for r := range h {
			for c := range w {
				v := float64(im[r*w+c])
				if math.IsNaN(v) {
					v = 0
				}
				g := uint8(math.Round(255 * math.Min(1, math.Max(0, v))))
				for dy := range scale {
					row := img.Pix[(y0+r*scale+dy)*img.Stride:]
					for dx := range scale {
						row[x0+c*scale+dx] = g
					}
				}
			}
		}
	}
	err := run.AtomicWrite(outPNG, func(w io.Writer) error { return png.Encode(w, img) })
	if err != nil {
		return fmt.Errorf("plot: %w", unprefix(err))
	}
	return nil
}
