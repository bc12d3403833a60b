package dialecttest

import (
	"context"
	"slices"
	"sync"

	"github.com/otpd/otpd/internal/otp"
)

// Recorder is an otp.Sender that keeps the messages of live applications
// instead of sending them, so a test sees what a provider would be given
// (the caller id, the channel, the number).
type Recorder struct {
	mu   sync.Mutex
	msgs []otp.OutgoingMessage
}

// Send records m and accepts it.
func (s *Recorder) Send(_ context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	return otp.SendResult{Provider: "recorder", ProviderMessageID: m.ID}, nil
}

// Messages returns the messages recorded so far, oldest first.
func (s *Recorder) Messages() []otp.OutgoingMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// Deliver runs the delivery worker's work until no message is due: every
// queued message of a live application is claimed and handed to sender,
// as the server's worker hands it to the providers.
func (h *Harness) Deliver(sender otp.Sender) {
	h.T.Helper()
	ctx := context.Background()
	for {
		ds, err := h.Svc.ClaimDeliveries(ctx, 100)
		if err != nil {
			h.T.Fatal(err)
		}
		if len(ds) == 0 {
			return
		}
		for _, d := range ds {
			if err := h.Svc.Deliver(ctx, sender, d); err != nil {
				h.T.Fatal(err)
			}
		}
	}
}
