package otp

import (
	"context"
	"fmt"
	"time"
)

// User is a destination that verified through an application: the
// "users" of the Cobinar console model.
type User struct {
	AppID         string
	Destination   string
	FirstVerified time.Time
	LastVerified  time.Time
	Verified      map[Channel]int // successful checks by the channel of the code
}

// UserVisit is one successful check, written with it.
type UserVisit struct {
	AppID       string
	Destination string
	Channel     Channel
	At          time.Time
}

// UserFilter pages through an application's users, the most recently
// verified first.
type UserFilter struct {
	Limit  int
	Cursor string // the Cursor of the last user of the previous page
}

// MaxUsersPage bounds a page of users.
const MaxUsersPage = 200

// Cursor marks the position of u in a list of users.
func (u User) Cursor() string {
	return fmt.Sprintf("%d.%s", u.LastVerified.UnixMicro(), u.Destination)
}

// ListUsers lists the application's users, the most recently verified first.
func (s *Service) ListUsers(ctx context.Context, appID string, f UserFilter) ([]User, error) {
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 1 || f.Limit > MaxUsersPage+1 { // one more tells the caller there is a next page
		return nil, invalidField("limit", "out_of_range", fmt.Sprintf("limit must be between 1 and %d", MaxUsersPage))
	}
	return s.store.ListUsers(ctx, appID, f)
}

// GetUser returns the user of a phone number or email, as people type it,
// or NOT_FOUND if it never verified through the application.
func (s *Service) GetUser(ctx context.Context, appID, destination string) (*User, error) {
	d, err := ParseDestination(destination, "phoneNumber")
	if err != nil {
		return nil, err
	}
	u, err := s.store.GetUser(ctx, appID, d.Value)
	if err != nil {
		return nil, s.notFound(err, "user")
	}
	return u, nil
}

// visit is the user record of a successful check of v.
func visit(v *Verification, now time.Time) UserVisit {
	return UserVisit{AppID: v.AppID, Destination: v.To, Channel: v.Channel, At: now}
}
