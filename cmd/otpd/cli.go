package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/ratelimit"
)

// openService builds a Service over the configured store for the CLI commands.
func openService(ctx context.Context, cfg config, stderr io.Writer) (*otp.Service, func() error, error) {
	keys, err := cfg.serverKey(stderr)
	if err != nil {
		return nil, nil, err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	svc, err := otp.NewService(otp.Config{Store: store, Limiter: ratelimit.NewMemory(nil), Keys: keys,
		DefaultDailySends: cfg.DefaultDailySends})
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return svc, store.Close, nil
}

func projectCommand(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: otpd project create -name NAME [-description TEXT]")
	}
	fs := flag.NewFlagSet("project create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "project name (required)")
	desc := fs.String("description", "", "project description")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	svc, closeStore, err := openService(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer closeStore()
	p, err := svc.CreateProject(ctx, otp.ProjectInput{Name: name, Description: desc})
	if err != nil {
		return err
	}
	return printJSON(stdout, map[string]any{"id": p.ID, "name": p.Name, "description": p.Description, "createdAt": p.CreatedAt})
}

func appCommand(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: otpd app create -project ID -name NAME [-env live|test]")
	}
	fs := flag.NewFlagSet("app create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	project := fs.String("project", "", "project id (required)")
	name := fs.String("name", "", "application name (required)")
	env := fs.String("env", "live", "environment: live or test")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	svc, closeStore, err := openService(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer closeStore()
	e := otp.Environment(*env)
	a, c, err := svc.CreateApplication(ctx, otp.ApplicationInput{Name: name, ProjectID: project, Environment: &e})
	if err != nil {
		return err
	}
	return printJSON(stdout, map[string]any{
		"id": a.ID, "name": a.Name, "projectId": a.ProjectID, "environment": a.Environment, "status": a.Status,
		"clientId": a.ClientID, "publicKey": a.PublicKey, "clientSecret": c.ClientSecret, "apiKey": c.APIKey,
		"webhookSecret": c.WebhookSecret, "createdAt": a.CreatedAt.Format(time.RFC3339),
	})
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
