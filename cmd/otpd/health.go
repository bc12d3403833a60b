package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// healthCommand runs `otpd health`: it asks the server listening on
// OTPD_ADDR for GET /v1/health and fails unless the answer is 200. It
// exists for the container image's HEALTHCHECK: the image has no shell and
// no curl to ask with.
func healthCommand(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "", "the URL to ask (default: /v1/health on OTPD_ADDR, over loopback when it listens on every interface)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("usage: otpd health [-url URL] [-timeout 5s]")
	}
	if *url == "" {
		u, err := healthURL(cfg.Addr)
		if err != nil {
			return err
		}
		*url = u
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20)) // lets the connection close cleanly
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s answered %s", *url, res.Status)
	}
	fmt.Fprintf(stdout, "ok: %s answered %s\n", *url, res.Status)
	return nil
}

// healthURL is /v1/health on the listen address addr (OTPD_ADDR). A
// server listening on every interface (":8080", "0.0.0.0:8080",
// "[::]:8080") is asked over 127.0.0.1, which it also listens on.
func healthURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("health: OTPD_ADDR %q: %w", addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("health: OTPD_ADDR %q names no port to ask; pass -url", addr)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/v1/health", nil
}
