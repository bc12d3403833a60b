package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// checkRequest is one prepared POST /v1/verifications/{id}/check.
type checkRequest struct {
	url   string
	body  []byte // {"code":"..."} with the code from the test inbox
	wrong []byte // {"code":"..."} with a code that is not it
}

// inboxAnswer is the part of GET /v1/test/messages' answer the bench reads.
type inboxAnswer struct {
	Data []struct {
		VerificationID string `json:"verificationId"`
		Code           string `json:"code"`
	} `json:"data"`
}

// checkAnswer is the part of a check's answer the bench reads.
type checkAnswer struct {
	Data struct {
		Valid  bool   `json:"valid"`
		Status string `json:"status"`
	} `json:"data"`
}

// inboxResult sums up the fetching of codes from the test inbox.
type inboxResult struct {
	missing int // verifications whose message never arrived
	limited int // 429 answers
	failed  int // transport errors, retried
	elapsed time.Duration
}

// fetchCodes reads the code of each verification from the test inbox and
// prepares its check, with workers requests at a time. The inbox fills
// asynchronously, as otpd's delivery worker catches up with the create
// phase, so each destination is polled until its message arrives; the
// polling gives up once no message at all has arrived for stall. The result
// has the checks of the verifications whose message arrived, in the order
// of vs.
func fetchCodes(ctx context.Context, c *client, auth string, vs []verification, workers int, stall time.Duration) ([]checkRequest, inboxResult, error) {
	start := time.Now()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	in := &inbox{client: c, auth: auth, stall: stall}
	in.lastProgress.Store(start.UnixNano())
	var (
		next    atomic.Int64
		missing atomic.Int64
		wg      sync.WaitGroup
	)
	checks := make([]checkRequest, len(vs))
	for range workers {
		wg.Go(func() {
			var resp bytes.Buffer
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(len(vs)) {
					return
				}
				code, err := in.await(ctx, vs[i], &resp)
				switch {
				case err != nil:
					cancel(err)
				case code == "":
					missing.Add(1)
				default:
					checks[i] = checkRequest{
						url:   c.base + "/v1/verifications/" + url.PathEscape(vs[i].id) + "/check",
						body:  codeBody(code),
						wrong: codeBody(wrongCode(code)),
					}
				}
			}
		})
	}
	wg.Wait()
	res := inboxResult{
		missing: int(missing.Load()),
		limited: int(in.limited.Load()),
		failed:  int(in.failed.Load()),
		elapsed: time.Since(start),
	}
	if err := context.Cause(ctx); err != nil {
		return nil, res, err
	}
	ready := checks[:0]
	for _, ch := range checks {
		if ch.url != "" {
			ready = append(ready, ch)
		}
	}
	return ready, res, nil
}

// codeBody is the body of a check with code.
func codeBody(code string) []byte {
	body, _ := json.Marshal(struct {
		Code string `json:"code"`
	}{code})
	return body
}

// wrongCode returns a code of the same length and alphabet as code that is
// not code: its last character moved one place along its alphabet (digits,
// lower-case or upper-case letters).
func wrongCode(code string) string {
	if code == "" {
		return "0"
	}
	b := []byte(code)
	c := &b[len(b)-1]
	switch {
	case *c >= '0' && *c <= '9':
		*c = '0' + (*c-'0'+1)%10
	case *c >= 'a' && *c <= 'z':
		*c = 'a' + (*c-'a'+1)%26
	case *c >= 'A' && *c <= 'Z':
		*c = 'A' + (*c-'A'+1)%26
	default:
		*c = '0'
	}
	return string(b)
}

// inbox polls the test inbox, shared by the workers of fetchCodes.
type inbox struct {
	client       *client
	auth         string
	stall        time.Duration
	lastProgress atomic.Int64 // when a code last arrived, in Unix nanoseconds
	limited      atomic.Int64 // 429 answers
	failed       atomic.Int64 // transport errors
}

// await polls the test inbox until v's code is there and returns it. It
// returns "" when the inbox has stalled, and an error when ctx ended or
// otpd answered what waiting cannot change.
func (in *inbox) await(ctx context.Context, v verification, resp *bytes.Buffer) (string, error) {
	u := in.client.base + "/v1/test/messages?to=" + url.QueryEscape(v.to)
	sleep := 10 * time.Millisecond
	for {
		status, header, err := in.client.do(ctx, http.MethodGet, u, in.auth, nil, resp)
		switch {
		case ctx.Err() != nil:
			return "", ctx.Err()
		case err != nil:
			in.failed.Add(1) // retried: the server may be catching up
		case status == http.StatusOK:
			var a inboxAnswer
			if err := json.Unmarshal(resp.Bytes(), &a); err != nil {
				return "", fmt.Errorf("decode the test inbox: %w", err)
			}
			if code := codeOf(a, v.id); code != "" {
				in.lastProgress.Store(time.Now().UnixNano())
				return code, nil
			}
		case status == http.StatusTooManyRequests:
			in.limited.Add(1)
			sleep = retryAfter(header)
		default:
			// A 404 or the like does not pass by waiting: most likely
			// the key is not a test application's.
			return "", fmt.Errorf("read the test inbox (is the API key a test application's?): %w", answerError(status, resp.Bytes()))
		}
		if time.Since(time.Unix(0, in.lastProgress.Load())) > in.stall {
			return "", nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(sleep):
		}
		sleep = min(2*sleep, 500*time.Millisecond)
	}
}

// codeOf finds the code sent for verification id among the inbox messages.
func codeOf(a inboxAnswer, id string) string {
	for _, m := range a.Data {
		if m.VerificationID == id && m.Code != "" {
			return m.Code
		}
	}
	return ""
}

// retryAfter reads a 429's Retry-After in seconds, bounded so that a large
// value cannot stall the run, and defaulting to a second.
func retryAfter(h http.Header) time.Duration {
	s, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || s < 1 {
		return time.Second
	}
	return min(time.Duration(s)*time.Second, 5*time.Second)
}

// postCheck POSTs one check and reads its answer; ok is false unless
// otpd answered 200 with a readable body. status is 0 when the request
// itself failed.
func postCheck(ctx context.Context, c *client, w *worker, auth, url string, body []byte) (status int, a checkAnswer, ok bool) {
	status, _, err := c.do(ctx, http.MethodPost, url, auth, body, &w.resp)
	if err != nil {
		return 0, a, false
	}
	if status != http.StatusOK {
		return status, a, false
	}
	return status, a, json.Unmarshal(w.resp.Bytes(), &a) == nil
}

// check runs the check phase: every prepared check once, with the right
// code. It reports which checks were accepted besides the measurements.
func check(ctx context.Context, c *client, auth string, cfg Config, checks []checkRequest) (*stats, []bool) {
	accepted := make([]bool, len(checks))
	st := runPhase(ctx, "check", cfg.Concurrency, int64(len(checks)), cfg.Duration, func(ctx context.Context, w *worker, i int64) (int, bool) {
		status, a, ok := postCheck(ctx, c, w, auth, checks[i].url, checks[i].body)
		accepted[i] = ok && a.Data.Valid && a.Data.Status == "verified"
		return status, accepted[i]
	})
	return st, accepted
}

// wrongCheck runs the wrong-check phase: every prepared check once, with a
// wrong code, before the right one. otpd must count the attempt and refuse
// it (valid:false, still pending), so the right check after it still
// succeeds: the verifications allow more than one attempt.
func wrongCheck(ctx context.Context, c *client, auth string, cfg Config, checks []checkRequest) *stats {
	return runPhase(ctx, "wrong", cfg.Concurrency, int64(len(checks)), cfg.Duration, func(ctx context.Context, w *worker, i int64) (int, bool) {
		status, a, ok := postCheck(ctx, c, w, auth, checks[i].url, checks[i].wrong)
		return status, ok && !a.Data.Valid && a.Data.Status == "pending"
	})
}

// maxReplays bounds the accepted checks that are sent a second time.
const maxReplays = 100

// replay sends up to maxReplays accepted checks again, one at a time and
// untimed, and returns how many were sent and how many otpd accepted a
// second time: a code must succeed at most once.
func replay(ctx context.Context, c *client, auth string, checks []checkRequest, accepted []bool) (sent, again int, err error) {
	var resp bytes.Buffer
	for i, ch := range checks {
		if sent == maxReplays {
			break
		}
		if !accepted[i] {
			continue
		}
		status, _, err := c.do(ctx, http.MethodPost, ch.url, auth, ch.body, &resp)
		if err != nil {
			return sent, again, fmt.Errorf("check a code again: %w", err)
		}
		sent++
		var a checkAnswer
		// Any refusal will do (valid:false, 409, ...); only a second
		// success breaks the rule.
		if status/100 == 2 && json.Unmarshal(resp.Bytes(), &a) == nil && a.Data.Valid {
			again++
		}
	}
	return sent, again, nil
}
