package client

import (
	"context"
	"net/url"
	"time"
)

// TestMessage is a message a test application's verification would have
// sent, with its code: test applications send nothing.
type TestMessage struct {
	ID             string    `json:"id"`
	VerificationID string    `json:"verificationId"`
	To             string    `json:"to"`
	Channel        string    `json:"channel"`
	Body           string    `json:"body"`
	Code           string    `json:"code"`
	CreatedAt      time.Time `json:"createdAt"`
}

// TestMessages reads a test application's inbox, newest first, of one
// destination or, when to is empty, of all: GET /v1/test/messages.
func (c *Client) TestMessages(ctx context.Context, to string) ([]TestMessage, error) {
	ms, _, _, err := call[[]TestMessage](ctx, c, "GET", withQuery("/v1/test/messages", url.Values{"to": {to}}), nil, nil)
	return ms, err
}
