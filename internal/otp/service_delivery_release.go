package otp

import (
	"context"
	"fmt"
)

// ReleaseDeliveries hands messages a worker claimed but will not send
// back to the outbox, due at once and with the claim's attempt taken
// back, so that the next claim (this worker's or another instance's) is
// the attempt this one would have been, not one after it. A worker calls
// it for messages that waited too long for a sender and for those still
// queued when it shuts down, rather than leaving them to their lease.
// Only claims still held are released (see Store.ReleaseDeliveries); it
// returns how many were.
func (s *Service) ReleaseDeliveries(ctx context.Context, ds []Delivery) (int, error) {
	if len(ds) == 0 {
		return 0, nil
	}
	n, err := s.store.ReleaseDeliveries(ctx, ds)
	if err != nil {
		return 0, fmt.Errorf("release deliveries: %w", err)
	}
	if n > 0 {
		s.notify() // they are due now, not at the next poll
	}
	return n, nil
}
