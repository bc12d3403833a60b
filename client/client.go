package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// DefaultUserAgent is sent when Client.UserAgent is empty.
const DefaultUserAgent = "otpd-go-client/1"

// Client calls otpd's native API with one application's API key. Its
// fields may be set after New and before the first call; a Client is
// safe for concurrent use once set up.
type Client struct {
	// BaseURL is otpd's address without /v1, e.g. http://localhost:8080.
	BaseURL string
	// APIKey authenticates every call (Authorization: Bearer).
	APIKey string
	// HTTPClient sends the requests; nil is http.DefaultClient. Set its
	// Timeout, or pass contexts with deadlines, to bound a call.
	HTTPClient *http.Client
	// UserAgent names the caller; empty is DefaultUserAgent.
	UserAgent string
}

// New returns a Client for the otpd at baseURL, authenticated with apiKey.
func New(baseURL, apiKey string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), APIKey: apiKey}
}

// Pagination describes one page of a list; pass NextCursor as the next
// call's Cursor while HasMore.
type Pagination struct {
	Limit      int    `json:"limit"`
	HasMore    bool   `json:"hasMore"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// envelope is every successful answer's shape: {"data": …}, with
// "pagination" for the lists that have pages.
type envelope[T any] struct {
	Data       T           `json:"data"`
	Pagination *Pagination `json:"pagination"`
}

// call is one request: method and path (already escaped, with its query),
// an optional JSON body and extra headers. It decodes "data" into T and
// returns the answer's headers and pagination.
func call[T any](ctx context.Context, c *Client, method, path string, body any, header http.Header) (T, *Pagination, http.Header, error) {
	var zero T
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return zero, nil, nil, fmt.Errorf("otpd client: encoding the request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, rd)
	if err != nil {
		return zero, nil, nil, fmt.Errorf("otpd client: %w", err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Authorization", "Bearer "+c.APIKey)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	ua := c.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	req.Header.Set("User-Agent", ua)
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		return zero, nil, nil, fmt.Errorf("otpd client: %s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return zero, nil, res.Header, fmt.Errorf("otpd client: %s %s: reading the answer: %w", method, path, err)
	}
	if res.StatusCode >= 300 {
		return zero, nil, res.Header, newError(res, raw)
	}
	var env envelope[T]
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &env); err != nil {
			return zero, nil, res.Header, fmt.Errorf("otpd client: %s %s: the answer is not otpd's JSON: %w", method, path, err)
		}
	}
	return env.Data, env.Pagination, res.Header, nil
}

// pathOf joins escaped path segments: an id or a phone number is one
// segment, whatever it holds ("+" and "@" included).
func pathOf(segments ...string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// withQuery adds the query q to path, leaving out empty values.
func withQuery(path string, q url.Values) string {
	for k, vs := range q {
		if len(vs) == 1 && vs[0] == "" {
			delete(q, k)
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
