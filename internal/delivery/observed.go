package delivery

import (
	"context"
	"errors"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// SendObserver is told of every message handed to a provider: the
// provider's configured name, how the send ended (SendOutcome) and how
// long the provider took.
type SendObserver func(provider string, outcome SendOutcome, took time.Duration)

// SendOutcome is how one send to a provider ended.
type SendOutcome string

// Send outcomes, from the provider's own answer, before the router
// decides what follows (another provider, a retry, or nothing).
const (
	SendAccepted  SendOutcome = "accepted"  // the provider took the message
	SendRefused   SendOutcome = "refused"   // this provider will not take it; another may
	SendPermanent SendOutcome = "permanent" // the destination cannot be reached
	SendTransient SendOutcome = "transient" // a failure worth retrying
)

// Observed returns p with each of its sends reported to observe under
// name. With a nil observe it returns p as it is.
func Observed(name string, p Provider, observe SendObserver) Provider {
	if observe == nil {
		return p
	}
	return observedProvider{Provider: p, sender: observedSender{p, name, observe}}
}

// ObservedSender is Observed for a sender that is not routed (the console
// of a deployment without providers).
func ObservedSender(name string, s otp.Sender, observe SendObserver) otp.Sender {
	if observe == nil {
		return s
	}
	return observedSender{s, name, observe}
}

type observedSender struct {
	otp.Sender
	name    string
	observe SendObserver
}

func (o observedSender) Send(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	begin := time.Now()
	res, err := o.Sender.Send(ctx, m)
	o.observe(o.name, sendOutcome(err), time.Since(begin))
	return res, err
}

type observedProvider struct {
	Provider
	sender observedSender
}

func (o observedProvider) Send(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	return o.sender.Send(ctx, m)
}

// sendOutcome classifies a provider's error as the router does.
func sendOutcome(err error) SendOutcome {
	if err == nil {
		return SendAccepted
	}
	var pe *otp.ProviderError
	switch {
	case errors.As(err, &pe) && pe.Permanent, errors.Is(err, otp.ErrPermanent):
		return SendPermanent
	case pe != nil && pe.Refused:
		return SendRefused
	}
	return SendTransient
}
