package otp

import (
	"errors"
	"fmt"
	"testing"
)

func TestProviderErrorPermanence(t *testing.T) {
	perm := &ProviderError{Provider: "twilio", Code: "21211", Message: "invalid 'To' number", Permanent: true}
	temp := &ProviderError{Provider: "twilio", Code: "20429", Message: "too many requests"}
	if !errors.Is(fmt.Errorf("send: %w", perm), ErrPermanent) {
		t.Error("a wrapped permanent ProviderError is not ErrPermanent")
	}
	if errors.Is(temp, ErrPermanent) {
		t.Error("a transient ProviderError is ErrPermanent")
	}
	if got, want := perm.Error(), "twilio: invalid 'To' number (code 21211)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := (&ProviderError{Provider: "smpp", Message: "bind failed"}).Error(), "smpp: bind failed"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
