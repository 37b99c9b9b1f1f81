package plot

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/vfe-go/vfe/run"
)

// Panel size for one plot.
const (
	panelW = 12 * vg.Centimeter
	panelH = 8 * vg.Centimeter
	dpi    = 110
)

// xKeys are the metric names used as the x axis, in order of preference; the
// first one a run logs is its x axis and is not plotted as a metric.
var xKeys = []string{"step", "global_step", "epoch", "episode", "iteration"}

// xAxis returns the x-axis key for keys ("" when there is none: row index).
func xAxis(keys []string) string {
	for _, k := range xKeys {
		if slices.Contains(keys, k) {
			return k
		}
	}
	return ""
}

// Family returns the panel a metric is drawn in: "accuracy" for names
// containing "acc", "energy", "return" and "losses" (names with "loss" or
// the "losses/" namespace) likewise; any other metric gets its own panel.
func Family(key string) string {
	k := strings.ToLower(key)
	switch {
	case strings.Contains(k, "acc"):
		return "accuracy"
	case strings.Contains(k, "energy"):
		return "energy"
	case strings.Contains(k, "return"):
		return "return"
	case strings.Contains(k, "loss"):
		return "losses"
	}
	return key
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// series extracts the finite (x, key) points of rows, x from xKey or the row
// index.
func series(rows []map[string]float64, xKey, key string) plotter.XYs {
	var pts plotter.XYs
	for i, r := range rows {
		v, ok := r[key]
		if !ok || !finite(v) {
			continue
		}
		x := float64(i)
		if xKey != "" {
			if x, ok = r[xKey]; !ok || !finite(x) {
				continue
			}
		}
		pts = append(pts, plotter.XY{X: x, Y: v})
	}
	return pts
}

func xLabel(xKey string) string {
	if xKey == "" {
		return "row"
	}
	return xKey
}

// Curves draws every metric of the run in runDir against its x axis (the
// first of step, global_step, epoch, episode, iteration it logs; else the
// row number) into outPNG, one panel per metric Family, in a grid.
func Curves(runDir, outPNG string) error {
	rows, keys, err := run.ReadMetrics(runDir)
	if err != nil {
		return fmt.Errorf("plot: %w", unprefix(err))
	}
	xKey := xAxis(keys)
	var families []string
	members := map[string][]string{}
	for _, k := range keys {
		if slices.Contains(xKeys, k) {
			continue
		}
		f := Family(k)
		if _, ok := members[f]; !ok {
			families = append(families, f)
		}
		members[f] = append(members[f], k)
	}
	var plots []*gplot.Plot
	for _, f := range families {
		p := newPlot(f, xLabel(xKey), "")
		n := 0
		for i, k := range members[f] {
			pts := series(rows, xKey, k)
			if len(pts) == 0 {
				continue
			}
			if err := addLine(p, pts, k, plotutil.Color(i), len(members[f]) > 1); err != nil {
				return err
			}
			n++
		}
		if n == 1 && len(members[f]) == 1 && members[f][0] != f {
			p.Y.Label.Text = members[f][0]
		}
		if n > 0 {
			plots = append(plots, p)
		}
	}
	if len(plots) == 0 {
		return fmt.Errorf("plot: %s has no finite metric values to plot", runDir)
	}
	return saveGrid(plots, outPNG)
}

func newPlot(title, x, y string) *gplot.Plot {
	p := gplot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Add(plotter.NewGrid())
	return p
}

func addLine(p *gplot.Plot, pts plotter.XYs, name string, c color.Color, legend bool) error {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return fmt.Errorf("plot: %s: %w", name, err)
	}
	l.Color = c
	l.Width = vg.Points(1.2)
	p.Add(l)
	if len(pts) == 1 { // a single point draws no line; mark it
		s, _ := plotter.NewScatter(pts)
		s.Color = c
		p.Add(s)
	}
	if legend {
		p.Legend.Add(name, l)
	}
	return nil
}

// saveGrid lays plots out in a grid of up to 3 columns and writes a PNG.
// Legends are drawn below their plot, outside the data area, so they never
// hide a curve.
func saveGrid(plots []*gplot.Plot, outPNG string) error {
	n := len(plots)
	cols := 3
	switch {
	case n == 1:
		cols = 1
	case n <= 4:
		cols = 2
	}
	rowsN := (n + cols - 1) / cols
	grid := make([][]*gplot.Plot, rowsN)
	for i := range grid {
		grid[i] = make([]*gplot.Plot, cols)
	}
	// Take the legends out of the plots and measure them.
	legends := make([]gplot.Legend, n)
	heights := make([]vg.Length, n)
	var legendH vg.Length
	probe := draw.New(vgimg.New(panelW, panelH))
	for i, p := range plots {
		grid[i/cols][i%cols] = p
		legends[i] = p.Legend
		legends[i].Padding = vg.Points(2)
		r := legends[i].Rectangle(probe)
		heights[i] = r.Max.Y - r.Min.Y
		legendH = max(legendH, heights[i])
		p.Legend = gplot.NewLegend()
	}
	if legendH > 0 {
		legendH += 2 * vg.Millimeter
	}
	img := vgimg.NewWith(vgimg.UseWH(vg.Length(cols)*panelW, vg.Length(rowsN)*(panelH+legendH)), vgimg.UseDPI(dpi))
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	t := draw.Tiles{Rows: rowsN, Cols: cols, PadX: vg.Centimeter, PadY: vg.Centimeter,
		PadTop: vg.Millimeter * 3, PadBottom: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 3}
	canvases := gplot.Align(grid, t, dc)
	for i, p := range plots {
		c := canvases[i/cols][i%cols]
		p.Draw(draw.Crop(c, 0, 0, legendH, 0))
		if heights[i] == 0 {
			continue
		}
		l := legends[i]
		l.Top, l.Left = true, true
		l.XOffs, l.YOffs = vg.Centimeter, 0
		l.Padding = vg.Points(2)
		strip := c
		strip.Max.Y = c.Min.Y + legendH - 2*vg.Millimeter
		l.Draw(strip)
	}
	return savePNG(img, outPNG)
}

func savePNG(img *vgimg.Canvas, outPNG string) error {
	err := run.AtomicWrite(outPNG, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
	if err != nil {
		return fmt.Errorf("plot: %w", unprefix(err))
	}
	return nil
}

func unprefix(err error) error { return errors.New(strings.TrimPrefix(err.Error(), "run: ")) }

// runData is one run's metrics and seed-free config.
type runData struct {
	dir   string
	rows  []map[string]float64
	xKey  string
	group string         // canonical JSON of the config without seeds
	flat  map[string]any // flattened config without seeds
}

// Overlay draws metric from several runs into outPNG. Runs whose config.json
// files are equal once every field named "seed" (any case, any depth) is
// removed form one group, drawn as the mean across its runs at each x value
// logged by all of them, with a shaded 95% Student-t confidence band; a
// group of one run is a plain line. Groups are labelled by the config
// fields in which they differ (or by folder name). It is an error if a run
// lacks the metric.
func Overlay(runDirs []string, metric, outPNG string) error {
	if len(runDirs) == 0 {
		return errors.New("plot: no run directories to overlay")
	}
	runs, err := loadRuns(runDirs, metric)
	if err != nil {
		return err
	}
	order, groups := groupRuns(runs)
	labels := groupLabels(order, groups)
	xKey := runs[0].xKey
	p := newPlot(metric, xLabel(xKey), metric)
	for gi, g := range order {
		c := plotutil.Color(gi)
		members := groups[g]
		if len(members) == 1 {
			pts := series(members[0].rows, members[0].xKey, metric)
			if len(pts) == 0 {
				continue
			}
			if err := addLine(p, pts, labels[gi], c, true); err != nil {
				return err
			}
			continue
		}
		mean, lo, hi := aggregate(members, metric)
		if len(mean) == 0 {
			continue
		}
		if len(lo) > 1 {
			band := append(slices.Clone(lo), reversed(hi)...)
			poly, err := plotter.NewPolygon(band)
			if err != nil {
				return fmt.Errorf("plot: %w", err)
			}
			r, gr, b, _ := c.RGBA()
			poly.Color = color.NRGBA{uint8(r >> 8), uint8(gr >> 8), uint8(b >> 8), 60}
			poly.LineStyle.Width = 0
			p.Add(poly)
		}
		name := fmt.Sprintf("%s (mean ± 95%% CI, n=%d)", labels[gi], len(members))
		if err := addLine(p, mean, name, c, true); err != nil {
			return err
		}
	}
	return saveGrid([]*gplot.Plot{p}, outPNG)
}

// commonName is the longest common prefix of the runs' folder names, without
// trailing separators, or the first folder's name when that is empty.
func commonName(runs []*runData) string {
	first := filepath.Base(filepath.Clean(runs[0].dir))
	prefix := first
	for _, r := range runs[1:] {
		b := filepath.Base(filepath.Clean(r.dir))
		n := 0
		for n < len(prefix) && n < len(b) && prefix[n] == b[n] {
			n++
		}
		prefix = prefix[:n]
	}
	if prefix = strings.TrimRight(prefix, "-_. "); prefix == "" {
		return first
	}
	return prefix
}

// loadRuns reads the metrics and seed-free configs of runDirs, checking that
// each logs metric.
func loadRuns(runDirs []string, metric string) ([]*runData, error) {
	var runs []*runData
	for _, d := range runDirs {
		rows, keys, err := run.ReadMetrics(d)
		if err != nil {
			return nil, fmt.Errorf("plot: %w", unprefix(err))
		}
		if !slices.Contains(keys, metric) {
			return nil, fmt.Errorf("plot: run %s has no metric %q; it logs %s", d, metric, strings.Join(keys, ", "))
		}
		r := &runData{dir: d, rows: rows, xKey: xAxis(keys), flat: map[string]any{}}
		var cfg any
		if b, err := os.ReadFile(filepath.Join(d, run.ConfigFile)); err == nil && json.Unmarshal(b, &cfg) == nil {
			cfg = dropSeeds(cfg)
			canon, _ := json.Marshal(cfg)
			r.group = string(canon)
			flatten("", cfg, r.flat)
		} else {
			r.group = "dir:" + d // no readable config: a group of its own
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// groupRuns groups runs by seed-free config, in order of first appearance.
func groupRuns(runs []*runData) (order []string, groups map[string][]*runData) {
	groups = map[string][]*runData{}
	for _, r := range runs {
		if _, ok := groups[r.group]; !ok {
			order = append(order, r.group)
		}
		groups[r.group] = append(groups[r.group], r)
	}
	return order, groups
}

// aggregate returns, at every x value where all runs logged a finite metric,
// the mean and the 95% band bounds (where the interval is finite).
func aggregate(members []*runData, metric string) (mean, lo, hi plotter.XYs) {
	vals := map[float64][]float64{}
	for _, r := range members {
		for _, pt := range series(r.rows, r.xKey, metric) {
			vals[pt.X] = append(vals[pt.X], pt.Y)
		}
	}
	xs := make([]float64, 0, len(vals))
	for x, v := range vals {
		if len(v) == len(members) {
			xs = append(xs, x)
		}
	}
	sort.Float64s(xs)
	for _, x := range xs {
		m, h := run.MeanCI95(vals[x])
		mean = append(mean, plotter.XY{X: x, Y: m})
		if finite(h) {
			lo = append(lo, plotter.XY{X: x, Y: m - h})
			hi = append(hi, plotter.XY{X: x, Y: m + h})
		}
	}
	return mean, lo, hi
}

func reversed(p plotter.XYs) plotter.XYs {
	out := slices.Clone(p)
	slices.Reverse(out)
	return out
}

// dropSeeds removes object fields named "seed" (case-insensitive) at any
// depth.
func dropSeeds(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range t {
			if strings.EqualFold(k, "seed") {
				continue
			}
			out[k] = dropSeeds(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = dropSeeds(x)
		}
		return out
	}
	return v
}

// flatten maps nested objects to dotted keys.
func flatten(prefix string, v any, out map[string]any) {
	if m, ok := v.(map[string]any); ok {
		for k, x := range m {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flatten(key, x, out)
		}
		return
	}
	if prefix != "" {
		b, _ := json.Marshal(v)
		out[prefix] = string(b)
	}
}

// groupLabels names each group by the config fields whose values differ
// between groups ("method=pc lr=0.01"), or by its first folder's name.
func groupLabels(order []string, groups map[string][]*runData) []string {
	labels := make([]string, len(order))
	var diff []string
	if len(order) > 1 {
		all := map[string]bool{}
		for _, g := range order {
			for k := range groups[g][0].flat {
				all[k] = true
			}
		}
		for k := range all {
			first, firstOK := groups[order[0]][0].flat[k]
			for _, g := range order[1:] {
				v, ok := groups[g][0].flat[k]
				if ok != firstOK || v != first {
					diff = append(diff, k)
					break
				}
			}
		}
		slices.SortFunc(diff, cmp.Compare)
	}
	for i, g := range order {
		r := groups[g][0]
		var parts []string
		for _, k := range diff {
			if v, ok := r.flat[k]; ok {
				parts = append(parts, k+"="+strings.Trim(v.(string), `"`))
			}
		}
		if len(parts) == 0 || len(parts) > 4 {
			labels[i] = commonName(groups[g])
		} else {
			labels[i] = strings.Join(parts, " ")
		}
	}
	return labels
}
