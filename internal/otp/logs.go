package otp

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// EventFilter pages through the event log, newest first. Zero fields match all.
type EventFilter struct {
	AppID          string // "" is every application
	VerificationID string // the events of one verification
	Type           EventType
	From           time.Time // created at or after
	To             time.Time // created before
	// Cursor is the Cursor of the last record of the previous page: the
	// records after it (older) are listed. One the store did not give
	// is an invalid cursor (CodeInvalidParameter).
	Cursor string
	Limit  int
	// OwnerID, with no AppID, keeps the events of this developer's
	// applications; nil keeps every application's.
	OwnerID *string
}

// EventRecord is an event with what the log shows of its verification.
type EventRecord struct {
	Event
	// Cursor is the record's place in the log, what to pass as
	// EventFilter.Cursor to list the records after it. It is the
	// store's, opaque to callers.
	Cursor         string
	Channel        Channel
	To             string
	Status         Status
	DeliveryStatus DeliveryStatus
}

// MaxLogPage bounds a page of the event log.
const MaxLogPage = 200

// ListLogs returns the event log of one application, or of every one for
// an empty f.AppID, newest first.
func (s *Service) ListLogs(ctx context.Context, f EventFilter) ([]EventRecord, error) {
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 1 || f.Limit > MaxLogPage+1 { // one more tells the caller there is a next page
		return nil, invalidField("limit", "out_of_range", fmt.Sprintf("limit must be between 1 and %d", MaxLogPage))
	}
	if f.Type != "" && !slices.Contains(EventTypes, f.Type) {
		return nil, invalidField("type", "invalid_query", "type must be an event type such as otp.verified")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return nil, invalidField("from", "invalid_query", "from must be before to")
	}
	// Without an application a developer reads the log of all of theirs,
	// the operator everyone's. One verification's events name their
	// application, which must be the caller's (another's is not found,
	// like any object of another tenant).
	f.OwnerID = ownerScope(ctx)
	if f.AppID != "" {
		if _, err := s.GetApplication(ctx, f.AppID); err != nil {
			return nil, err
		}
	}
	if f.VerificationID != "" {
		v, err := s.VerificationByID(ctx, f.VerificationID)
		if err != nil {
			return nil, err
		}
		if f.AppID != "" && f.AppID != v.AppID {
			return nil, nil // both filters apply and nothing matches both
		}
		f.AppID = v.AppID
	}
	return s.store.ListEventLog(ctx, f)
}

// ConsoleVerificationFilter selects verifications across applications.
type ConsoleVerificationFilter struct {
	AppID  string // "" is every application
	Status Status
	Cursor string
	Limit  int
}

// ListAllVerifications lists verifications of one application, or of
// every one the caller may see (a developer's own, or all for the
// operator), newest first, for the console.
func (s *Service) ListAllVerifications(ctx context.Context, f ConsoleVerificationFilter) ([]*Verification, error) {
	if f.AppID != "" {
		if _, err := s.GetApplication(ctx, f.AppID); err != nil {
			return nil, err
		}
	}
	vf := VerificationFilter{Status: f.Status, Cursor: f.Cursor, Limit: f.Limit, OwnerID: ownerScope(ctx)}
	if err := vf.validate(s.clock.Now()); err != nil {
		return nil, err
	}
	return s.store.ListVerifications(ctx, f.AppID, vf)
}

// VerificationByID returns any application's verification, for the console.
func (s *Service) VerificationByID(ctx context.Context, id string) (*Verification, error) {
	v, err := s.store.GetVerificationByID(ctx, id)
	if err != nil {
		return nil, s.notFound(err, "verification")
	}
	if _, err := s.GetApplication(ctx, v.AppID); err != nil {
		return nil, notFound("verification")
	}
	return v, nil
}
