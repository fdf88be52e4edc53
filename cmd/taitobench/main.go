// Command taitobench measures Taito as a cohort's deadline week would load it: it starts taito
// on the embedded default in a temporary directory (or targets --url), seeds a course and a
// cohort, runs each scenario for a fixed time at a fixed concurrency, verifies that no
// acknowledged statement was lost or doubled, and reports requests/s, latency percentiles and
// ratios against the ceilings of the parts Taito stands on.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "taitobench:", err)
		os.Exit(1)
	}
}
