package oidc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// errFetch marks a failed fetch from the issuer: no answer, an answer
// other than 200, or a key set that is not one.
var errFetch = errors.New("fetch from the OpenID Connect issuer failed")

// maxFetchBody bounds a discovery document or key set; Google's are a
// few KB.
const maxFetchBody = 1 << 20

// spacedFetches is the http.RoundTripper of every request to the issuer.
// It fetches each URL at most once per interval and answers repeats
// within it with the last outcome, answer or failure. The key set is
// fetched again whenever no key held verifies a token (that is how key
// rotation is followed), so without this every forged token would make
// otpd fetch the issuer's keys: anyone could turn otpd against the issuer,
// and get it throttled there. Issuers publish a new key well before they
// sign with it, so one fetch per interval follows rotation all the same.
type spacedFetches struct {
	next     http.RoundTripper
	now      func() time.Time
	interval time.Duration
	log      *slog.Logger

	mu   sync.Mutex // held while fetching, so one URL is fetched once
	last map[string]*fetched
}

// fetched is the outcome of one fetch.
type fetched struct {
	at     time.Time
	header http.Header
	body   []byte
	err    error
}

func (t *spacedFetches) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet {
		return nil, fmt.Errorf("%w: only GET is sent to the issuer, not %s", errFetch, req.Method)
	}
	url := req.URL.String()
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.last[url]
	if !ok || t.now().Sub(f.at) >= t.interval {
		f = t.fetch(req)
		if req.Context().Err() != nil {
			// The caller gave up: that says nothing about the issuer.
			return nil, req.Context().Err()
		}
		t.last[url] = f
	}
	if f.err != nil {
		return nil, f.err
	}
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: f.header.Clone(), Body: io.NopCloser(bytes.NewReader(f.body)), ContentLength: int64(len(f.body)),
		Request: req,
	}, nil
}

// fetch asks the issuer once, logging a failure: that log line is how an
// operator learns why ID tokens are answered 503.
func (t *spacedFetches) fetch(req *http.Request) *fetched {
	f := &fetched{at: t.now()}
	body, header, err := t.get(req)
	if err != nil {
		f.err = fmt.Errorf("%w: %s: %v", errFetch, req.URL, err)
		if req.Context().Err() == nil {
			t.log.Warn("OpenID Connect issuer fetch failed; ID tokens are refused with 503 until it succeeds",
				"url", req.URL.String(), "err", err, "retry_in", t.interval)
		}
		return f
	}
	f.body, f.header = body, header
	return f
}

func (t *spacedFetches) get(req *http.Request) ([]byte, http.Header, error) {
	res, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxFetchBody+1))
	switch {
	case err != nil:
		return nil, nil, err
	case res.StatusCode != http.StatusOK:
		return nil, nil, fmt.Errorf("answered %s", res.Status)
	case len(body) > maxFetchBody:
		return nil, nil, fmt.Errorf("answer larger than %d bytes", maxFetchBody)
	}
	// A key set that is not a JSON object is an outage of the issuer, not
	// a verdict on the token being checked, which go-oidc would make it.
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, nil, fmt.Errorf("answer is not a JSON object: %v", err)
	}
	return body, res.Header, nil
}
