// Command taito is the Taito e-learning backend: `taito serve` runs the HTTP API, and the other
// subcommands manage its data. Run `taito help` for the list.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // message dates are shown in Finnish time on any host
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "taito:", err)
		os.Exit(exitCode(err))
	}
}
