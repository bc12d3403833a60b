package main

import (
	"context"
	"flag"
	"io"

	"github.com/otpd/otpd/internal/bench"
)

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg bench.Config
	cfg.Flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	return bench.Run(ctx, cfg, stdout)
}
