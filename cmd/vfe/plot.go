package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vfe-go/vfe/plot"
)

// plotConfig holds the flags of "vfe plot".
type plotConfig struct {
	Metric string // metric to overlay; "" with one run: every metric
	Out    string // output PNG; "" picks a name next to the runs
}

func newPlotCmd() *cobra.Command {
	var c plotConfig
	cmd := &cobra.Command{
		Use:   "plot RUN_DIR...",
		Short: "Plot the metrics of run directories as PNG",
		Long: `Plot reads run directories (metrics.csv or metrics.jsonl, config.json).

With one run and no --metric it draws every metric against the step, one
panel per metric family, into RUN_DIR/curves.png. With --metric it overlays
that metric across the runs: runs whose configs differ only in the seed are
drawn as their mean with a shaded 95% Student-t confidence band. The default
output is then overlay-METRIC.png in the first run's parent folder.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := runPlot(c, args)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "wrote", out)
			return nil
		},
	}
	cmd.Flags().StringVar(&c.Metric, "metric", "", "metric to overlay across runs (required with several runs)")
	cmd.Flags().StringVar(&c.Out, "out", "", "output PNG file (default RUN_DIR/curves.png, or overlay-METRIC.png next to the runs)")
	return cmd
}

// runPlot draws the figure and returns the file it wrote.
func runPlot(c plotConfig, dirs []string) (string, error) {
	if c.Out != "" && !strings.EqualFold(filepath.Ext(c.Out), ".png") {
		return "", usagef("--out %q must name a .png file", c.Out)
	}
	if c.Metric == "" {
		if len(dirs) > 1 {
			return "", usagef("--metric is required to overlay %d runs", len(dirs))
		}
		out := c.Out
		if out == "" {
			out = filepath.Join(dirs[0], "curves.png")
		}
		return out, plot.Curves(dirs[0], out)
	}
	out := c.Out
	if out == "" {
		name := strings.Map(func(r rune) rune {
			if r == '/' || r == '\\' || r == ' ' || r == ':' {
				return '_'
			}
			return r
		}, c.Metric)
		out = filepath.Join(filepath.Dir(filepath.Clean(dirs[0])), "overlay-"+name+".png")
	}
	return out, plot.Overlay(dirs, c.Metric, out)
}
