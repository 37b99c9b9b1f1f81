// Command vfe trains, evaluates, renders and plots variational free-energy
// models: predictive-coding networks, RL baselines and the perception–action
// agent. Run "vfe help" for the subcommands.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
