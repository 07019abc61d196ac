// Command stoke is Stoke's single binary: the operator and the command-line client.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/stokehq/stoke/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := cli.NewRootCommand().ExecuteContext(ctx)
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, "stoke:", err)
	if cli.IsUsageError(err) {
		os.Exit(2)
	}
	os.Exit(1)
}
