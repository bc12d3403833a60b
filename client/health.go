package client

import (
	"context"
	"time"
)

// Health is otpd's liveness answer.
type Health struct {
	Status  string    `json:"status"`
	Service string    `json:"service"`
	Version string    `json:"version"`
	Time    time.Time `json:"time"`
}

// Health reads GET /v1/health, which needs no key.
func (c *Client) Health(ctx context.Context) (*Health, error) {
	h, _, _, err := call[*Health](ctx, c, "GET", "/v1/health", nil, nil)
	return h, err
}
