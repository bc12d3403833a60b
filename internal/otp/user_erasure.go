package otp

import (
	"context"
	"fmt"
	"time"
)

// UserErasure names what an erasure request (GDPR art. 17) removes: what
// is stored of one destination in some applications.
type UserErasure struct {
	Destination string
	AppIDs      []string // the applications erased from; none erases nothing there
	// ChatLinks also removes the destination's chat links (a messenger
	// chat linked to the number). They belong to the operator's bot and
	// serve every application, so only an erasure over all of them does.
	ChatLinks bool
	// TestInboxSince is the start of the test inbox's retention: the
	// test-inbox messages sent since are the ones erased (and counted).
	TestInboxSince time.Time
}

// ErasedUser counts what an erasure removed, and the verifications it had
// to leave.
type ErasedUser struct {
	Users         int // user records (one per application)
	Verifications int // finished verifications, with their messages, events and callbacks
	TestMessages  int
	ChatLinks     int
	// Remaining are verifications of the destination that could not be
	// removed yet: still pending, in an open session-flow session, or
	// with events not yet counted. They end within their TTL (at most 15
	// minutes) or their session's; the request can then be repeated.
	Remaining int
}

// EraseUser removes what otpd stores of a phone number or email, as
// people type it: its user record, its finished verifications with their
// messages, events and per-send callbacks, and its test-inbox messages,
// in the application appID; with appID "" in every application the
// caller may see (a developer's own, or all of them for the operator, who
// also removes its chat links). The daily analytics rollup, which counts
// without naming anyone, is kept. A destination of which nothing is
// stored there is NOT_FOUND.
func (s *Service) EraseUser(ctx context.Context, appID, destination string) (ErasedUser, error) {
	d, err := parseLookup(destination, "phoneNumber")
	if err != nil {
		return ErasedUser{}, err
	}
	e := UserErasure{Destination: d.Value, TestInboxSince: s.clock.Now().Add(-s.cfg.TestInboxRetention)}
	if appID != "" {
		e.AppIDs = []string{appID}
	} else {
		apps, err := s.ListApplications(ctx, ApplicationFilter{})
		if err != nil {
			return ErasedUser{}, err
		}
		for _, a := range apps {
			e.AppIDs = append(e.AppIDs, a.ID)
		}
		e.ChatLinks = principalOf(ctx).Developer == nil
	}
	n, err := s.store.EraseUser(ctx, e)
	if err != nil {
		return ErasedUser{}, fmt.Errorf("erase user: %w", err)
	}
	if n == (ErasedUser{}) {
		return n, notFound("user") // nothing of it here, as GetUser would say
	}
	return n, nil
}

// DefaultUserRetention is how long a user record is kept after its last
// successful check when Limits.UserRetention is not set.
const DefaultUserRetention = 400 * 24 * time.Hour
