package client

import (
	"context"
	"net/url"
	"time"
)

// User is a destination that verified at least once.
type User struct {
	AppID string `json:"appId"`
	// PhoneNumber is the phone number or the email address.
	PhoneNumber       string         `json:"phoneNumber"`
	FirstVerifiedAt   time.Time      `json:"firstVerifiedAt"`
	LastVerifiedAt    time.Time      `json:"lastVerifiedAt"`
	VerifiedCount     int            `json:"verifiedCount"`
	VerifiedByChannel map[string]int `json:"verifiedByChannel"`
}

// Erasure counts what EraseUser removed.
type Erasure struct {
	Users         int `json:"users"`
	Verifications int `json:"verifications"`
	TestMessages  int `json:"testMessages"`
	ChatLinks     int `json:"chatLinks"`
	// Remaining verifications could not be removed yet (still running):
	// erase again once they end.
	Remaining int `json:"remaining"`
}

// ListUsers reads a page of the application's users, the most recently
// verified first: GET /v1/users. limit 0 is otpd's default.
func (c *Client) ListUsers(ctx context.Context, limit int, cursor string) ([]User, *Pagination, error) {
	q := url.Values{"limit": {positive(limit)}, "cursor": {cursor}}
	us, page, _, err := call[[]User](ctx, c, "GET", withQuery("/v1/users", q), nil, nil)
	return us, page, err
}

// GetUser reads the user of a phone number or email address:
// GET /v1/users/{phoneNumber}.
func (c *Client) GetUser(ctx context.Context, destination string) (*User, error) {
	u, _, _, err := call[*User](ctx, c, "GET", pathOf("v1", "users", destination), nil, nil)
	return u, err
}

// EraseUser erases what otpd keeps of a destination (GDPR art. 17):
// DELETE /v1/users/{phoneNumber}.
func (c *Client) EraseUser(ctx context.Context, destination string) (*Erasure, error) {
	e, _, _, err := call[*Erasure](ctx, c, "DELETE", pathOf("v1", "users", destination), nil, nil)
	return e, err
}
