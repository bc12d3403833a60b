package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/otpd/otpd/internal/postgres"
	"github.com/otpd/otpd/internal/sqlite"
	"github.com/otpd/otpd/internal/sqlstore"
)

// openStore opens (and migrates) the database the configuration names.
func openStore(ctx context.Context, cfg config) (*sqlstore.Store, error) {
	if isPostgres(cfg.DatabaseURL) {
		s, err := postgres.Open(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		return s, nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	s, err := sqlite.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	return s, nil
}

func migrate(ctx context.Context, cfg config, stdout io.Writer) error {
	s, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "migrations applied")
	return s.Close()
}
