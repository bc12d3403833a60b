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

// UserFilter pages through users, the most recently verified first.
type UserFilter struct {
	Limit  int
	Cursor string // the Cursor of the last user of the previous page
	// OwnerID, in a list across applications, keeps the users of this
	// developer's applications; nil keeps every application's.
	OwnerID *string
	// Destination, if set, keeps the records of this destination only.
	Destination string
}

// MaxUsersPage bounds a page of users.
const MaxUsersPage = 200

// Cursor marks the position of u in a list of users, of one application
// or of several.
func (u User) Cursor() string {
	return fmt.Sprintf("%d.%s.%s", u.LastVerified.UnixMicro(), u.AppID, u.Destination)
}

// ListUsers lists the application's users, the most recently verified
// first; with appID "" the users of every application the caller may see
// (a developer's own, or all for the operator).
func (s *Service) ListUsers(ctx context.Context, appID string, f UserFilter) ([]User, error) {
	f.OwnerID = nil
	if appID == "" {
		f.OwnerID = ownerScope(ctx)
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 1 || f.Limit > MaxUsersPage+1 { // one more tells the caller there is a next page
		return nil, invalidField("limit", "out_of_range", fmt.Sprintf("limit must be between 1 and %d", MaxUsersPage))
	}
	return s.store.ListUsers(ctx, appID, f)
}

// GetUser returns the user of a phone number or email, as people type it,
// or NOT_FOUND if it never verified through the application. With appID
// "" it is the identity across every application the caller may see (a
// developer's own, or all for the operator): its counters added up, its
// AppID empty.
func (s *Service) GetUser(ctx context.Context, appID, destination string) (*User, error) {
	d, err := parseLookup(destination, "phoneNumber")
	if err != nil {
		return nil, err
	}
	if appID == "" {
		return s.userAcross(ctx, d.Value)
	}
	u, err := s.store.GetUser(ctx, appID, d.Value)
	if err != nil {
		return nil, s.notFound(err, "user")
	}
	return u, nil
}

// maxUserApps bounds the applications one identity is added up over.
const maxUserApps = 1000

// userAcross adds up the user records of destination over the
// applications the caller may see.
func (s *Service) userAcross(ctx context.Context, destination string) (*User, error) {
	us, err := s.store.ListUsers(ctx, "", UserFilter{Destination: destination, OwnerID: ownerScope(ctx), Limit: maxUserApps})
	if err != nil {
		return nil, err
	}
	if len(us) == 0 {
		return nil, notFound("user")
	}
	sum := &User{Destination: destination, Verified: map[Channel]int{}}
	for _, u := range us {
		if sum.FirstVerified.IsZero() || u.FirstVerified.Before(sum.FirstVerified) {
			sum.FirstVerified = u.FirstVerified
		}
		if u.LastVerified.After(sum.LastVerified) {
			sum.LastVerified = u.LastVerified
		}
		for ch, n := range u.Verified {
			sum.Verified[ch] += n
		}
	}
	return sum, nil
}

// visit is the user record of a successful check of v.
func visit(v *Verification, now time.Time) UserVisit {
	return UserVisit{AppID: v.AppID, Destination: v.To, Channel: v.Channel, At: now}
}
