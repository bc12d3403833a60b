package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// checkTimeout bounds the reachability check of one provider.
const checkTimeout = 10 * time.Second

// providersCommand runs `otpd providers check`: it validates the
// configuration file, builds every provider and asks each whether it is
// reachable with its credentials, without sending anything.
func providersCommand(ctx context.Context, cfg config, getenv func(string) string, args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "check" {
		return fmt.Errorf("usage: otpd providers check")
	}
	if cfg.ConfigFile == "" {
		return fmt.Errorf("OTPD_CONFIG is not set: without a configuration file otpd delivers to the console only")
	}
	fc, err := loadConfigFile(cfg.ConfigFile, getenv)
	if err != nil {
		return err
	}
	d, err := newDeliverySetup(fc, providerEnv{
		Receipts: otp.ReceiptFunc(func(context.Context, otp.Receipt) error { return nil }),
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return err
	}
	defer d.close()

	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVIDER\tTYPE\tCHANNELS\tSTATUS")
	failed := 0
	for _, spec := range fc.Providers {
		p := d.providers[spec.Name]
		var channels []string
		for _, c := range p.Channels() {
			channels = append(channels, string(c))
		}
		status := "ok"
		switch c, ok := p.Provider.(otp.Checker); {
		case !ok || !p.Checkable:
			status = "not checked: the provider has no way to check without sending"
		default:
			cctx, cancel := context.WithTimeout(ctx, checkTimeout)
			err := c.Check(cctx)
			cancel()
			if err != nil {
				failed++
				status = "FAILED: " + strings.ReplaceAll(err.Error(), "\n", " ")
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", spec.Name, spec.Type, strings.Join(channels, ","), status)
	}
	tw.Flush()
	if failed > 0 {
		return fmt.Errorf("%d of %d providers failed their check", failed, len(fc.Providers))
	}
	return nil
}
