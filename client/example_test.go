package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/otpd/otpd/client"
)

// baseURL is an otpd run by this package's tests, and apiKey() the key
// of a new test application there, so that each example starts afresh;
// in your code both come from your configuration.

// Sending a code and checking what the person typed. A test
// application sends nothing; its test inbox shows the code instead.
func Example() {
	ctx := context.Background()
	c := client.New(baseURL, apiKey())

	v, err := c.CreateVerification(ctx, client.CreateVerificationRequest{
		To:      "+1 415 555 2671",
		Channel: client.SMS,
		// One key per intended send, so that a retry after a timeout
		// or a 503 sends nothing twice.
		IdempotencyKey: "signin-7f3c2a",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(v.To, v.Channel, v.Status)

	inbox, err := c.TestMessages(ctx, v.To)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := c.Check(ctx, v.ID, inbox[0].Code)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Valid, res.Status)
	// Output:
	// +14155552671 sms pending
	// true verified
}

// A retry of a create with the same Idempotency-Key gets the first
// answer back, and nothing is sent again.
func ExampleClient_CreateVerification_retry() {
	ctx := context.Background()
	c := client.New(baseURL, apiKey())
	req := client.CreateVerificationRequest{To: "+14155552672", IdempotencyKey: "signin-91be04"}

	first, err := c.CreateVerification(ctx, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	again, err := c.CreateVerification(ctx, req) // say the first answer was lost
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(first.Replayed, again.Replayed, again.ID == first.ID)
	// Output: false true true
}

// A wrong code is an answer, not an error.
func ExampleClient_CheckDestination() {
	ctx := context.Background()
	c := client.New(baseURL, apiKey())
	if _, err := c.CreateVerification(ctx, client.CreateVerificationRequest{To: "ada@example.com", Channel: client.Email}); err != nil {
		fmt.Println(err)
		return
	}
	res, err := c.CheckDestination(ctx, "ada@example.com", "000000")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Valid, res.Status, res.AttemptsRemaining)
	// Output: false pending 4
}

// Errors carry otpd's stable code, the field at fault and the HTTP status.
func ExampleError() {
	c := client.New(baseURL, apiKey())
	_, err := c.CreateVerification(context.Background(), client.CreateVerificationRequest{To: "not a number"})

	var e *client.Error
	if errors.As(err, &e) {
		fmt.Println(e.StatusCode, e.Code, e.Field())
	}
	// Output: 400 INVALID_PHONE to
}

// IsCode tells one error from another; RetryAfter says how long to wait.
// (Here a stand-in server answers as otpd does when a limit is reached.)
func ExampleIsCode() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprintln(w, `{"error":{"code":"RATE_LIMITED","message":"Too many requests","details":{"retryAfter":30}}}`)
	}))
	defer srv.Close()

	c := client.New(srv.URL, "otpd_test_api_example")
	_, err := c.CreateVerification(context.Background(), client.CreateVerificationRequest{To: "+14155552671"})
	if client.IsCode(err, "RATE_LIMITED") {
		var e *client.Error
		errors.As(err, &e)
		fmt.Println("wait", e.RetryAfter)
	}
	// Output: wait 30s
}

// Options: an http.Client with a timeout and a User-Agent naming the caller.
func ExampleNew() {
	c := client.New(baseURL, apiKey())
	c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	c.UserAgent = "shop-signin/2.3"

	h, err := c.Health(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(h.Status)
	// Output: operational
}
