package main

import (
	"context"
	"errors"
	"flag"
	"io"

	"github.com/otpd/otpd/internal/bench"
)

// runBench runs "otpd bench"; without -admin-token and -api-key it uses
// OTPD_ADMIN_TOKEN, as the server it drives does.
func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg bench.Config
	cfg.Flags(fs)
	floor := fs.Bool("floor", false, "run against an in-process stand-in that stores nothing, instead of -url: the ceiling of this machine and of the load generator")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.AdminToken == "" && cfg.APIKey == "" {
		cfg.AdminToken = getenv("OTPD_ADMIN_TOKEN")
	}
	if *floor && cfg.CompareFloor {
		return errors.New("bench: -compare-floor runs the floor beside the server at -url; with -floor there is no server to compare")
	}
	if *floor {
		return bench.RunFloor(ctx, cfg, stdout)
	}
	return bench.Run(ctx, cfg, stdout)
}
