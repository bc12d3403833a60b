package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/otpd/otpd/internal/otp"
)

const keysUsage = "usage: otpd keys rotate [-batch N]   (OTPD_SECRET_KEY: the new key; OTPD_SECRET_KEY_PREVIOUS: the old one)"

// keysCommand runs `otpd keys rotate`: every stored sealed value is sealed
// again with OTPD_SECRET_KEY, in batches, each value only if it did not
// change meanwhile, so it may run beside a serving otpd. It is resumable:
// run again after an interruption, it only reads the values already done.
func keysCommand(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		return fmt.Errorf("%s", keysUsage)
	}
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	batch := fs.Int("batch", 500, "values read and re-sealed per batch")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *batch < 1 {
		return fmt.Errorf("-batch must be at least 1")
	}
	svc, closeStore, err := openService(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer closeStore()
	keys, err := cfg.serverKey(stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "re-sealing with key %s", keys.ID())
	if prev := keys.Previous(); prev != nil {
		fmt.Fprintf(stdout, " (previous key %s)", prev.ID())
	}
	fmt.Fprintln(stdout)
	var unreadable []string
	for _, kind := range otp.SealedKinds {
		var total otp.ResealBatch
		after := ""
		for {
			b, err := svc.ResealValues(ctx, kind, after, *batch)
			if err != nil {
				return err
			}
			total.Resealed += b.Resealed
			total.Current += b.Current
			total.Changed += b.Changed
			for _, v := range b.Unreadable {
				unreadable = append(unreadable, string(kind)+" of "+v.ID)
			}
			total.Unreadable = append(total.Unreadable, b.Unreadable...)
			if after = b.Next; after == "" {
				break
			}
		}
		fmt.Fprintf(stdout, "%s: %d re-sealed, %d already current, %d changed meanwhile, %d unreadable\n",
			kind, total.Resealed, total.Current, total.Changed, len(total.Unreadable))
	}
	if len(unreadable) > 0 {
		shown := unreadable[:min(len(unreadable), 10)]
		return fmt.Errorf("%d values open with neither OTPD_SECRET_KEY nor OTPD_SECRET_KEY_PREVIOUS: %s", len(unreadable), strings.Join(shown, ", "))
	}
	fmt.Fprintln(stdout, "done. Values that changed meanwhile are left as they were: run again to re-seal them. Keep "+
		"OTPD_SECRET_KEY_PREVIOUS set until the codes sent before the rotation have expired (their HMACs are made with the key "+
		"of their time), then remove it.")
	return nil
}
