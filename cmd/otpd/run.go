package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/otpd/otpd/internal/version"
)

const usage = `otpd — self-hosted one-time-code verification

Usage:
  otpd serve                  run the server (SQLite in ./otpd-data unless OTPD_DATABASE_URL is set)
  otpd migrate                apply database migrations and exit
  otpd version                print the version
  otpd project create -name N create a project; prints it as JSON
  otpd app create -project ID -name N [-env live|test]
                              create an application; prints its credentials as JSON
  otpd keys rotate [-batch N] re-seal every stored secret and pending code with OTPD_SECRET_KEY
                              (OTPD_SECRET_KEY_PREVIOUS: the key being replaced); prints counts
  otpd providers check        validate OTPD_CONFIG and check each provider's reachability and credentials
  otpd bench [flags]          drive a running server and report requests/s and latency
  otpd health [-url URL]      ask the server on OTPD_ADDR for /v1/health; exits 1 unless it answers 200
  otpd config example         print a commented example configuration: every environment variable
                              and the OTPD_CONFIG file (providers, routing, prices, captcha)

Environment: OTPD_ADDR, OTPD_DATA_DIR, OTPD_DATABASE_URL, OTPD_SECRET_KEY,
OTPD_SECRET_KEY_PREVIOUS, OTPD_ADMIN_TOKEN, OTPD_REDIS_URL, OTPD_API_RATE_LIMIT, OTPD_DELIVERY_WORKERS,
OTPD_LOG_FORMAT, OTPD_REQUEST_TIMEOUT, OTPD_CONFIG (providers, routing, prices); all of them: otpd config example.
See README.md.
`

// run is otpd's real main: it takes its environment as arguments so tests
// can run the whole program in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("a command is required")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "otpd", version.String())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "bench":
		return runBench(ctx, rest, getenv, stdout, stderr)
	case "config":
		return configCommand(rest, stdout)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	switch cmd {
	case "serve":
		return serve(ctx, cfg, getenv, logger, stdout, stderr)
	case "migrate":
		return migrate(ctx, cfg, stdout)
	case "project", "projects":
		return projectCommand(ctx, cfg, rest, stdout, stderr)
	case "app", "apps", "application", "applications":
		return appCommand(ctx, cfg, rest, stdout, stderr)
	case "keys":
		return keysCommand(ctx, cfg, rest, stdout, stderr)
	case "providers":
		return providersCommand(ctx, cfg, getenv, rest, stdout)
	case "health":
		return healthCommand(ctx, cfg, rest, stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
