package otp_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// logRecorder is a slog.Handler that keeps every record, its attributes
// flattened to strings.
type logRecorder struct {
	mu      sync.Mutex
	records []logRecord
}

type logRecord struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logRecorder) WithGroup(string) slog.Handler            { return h }

func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{level: r.Level, msg: r.Message, attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool {
		rec.attrs[a.Key] = a.Value.Resolve().String()
		return true
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, rec)
	return nil
}

func (h *logRecorder) all() []logRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.records)
}

// failing is a sender whose every send fails with err, recording what it
// was given.
type failing struct {
	err  error
	sent []otp.OutgoingMessage
}

func (f *failing) Send(_ context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	f.sent = append(f.sent, m)
	return otp.SendResult{}, f.err
}

// attempt summarises a message row for comparisons.
func attemptSummary(ms []otp.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%d %s %s", m.Attempts, m.Provider, m.Status))
	}
	return out
}

// With the defaults, a message whose provider keeps failing is retried
// until its code is about to expire: backoff from 1 s doubling up to 30 s,
// each attempt a message row (retrying, with its error and next attempt)
// and a warning, the verification queued with the latest error; then the
// message ends expired, not failed, logged once as an error. Nothing is
// sent in the code's last RetryExpiryMargin, and no log line holds the
// destination or the code.
func TestRetriesUntilTheCodeExpires(t *testing.T) {
	logs := &logRecorder{}
	f := newFixtureConfig(t, otp.Config{Logger: slog.New(logs)})
	a, _ := f.newApp(t, otp.Live)
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS, TTL: 3 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	sender := &failing{err: &otp.ProviderError{Provider: "smsc", Message: "connect to the SMSC: connection refused"}}
	for n := 1; n <= 100; n++ {
		before := len(sender.sent)
		f.deliverAll(t, sender)
		if len(sender.sent) != before+1 {
			t.Fatalf("round %d: %d sends, want 1", n, len(sender.sent)-before)
		}
		ms, err := f.svc.Messages(t.Context(), a, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := ms[len(ms)-1]
		if len(ms) != n || last.Attempts != n {
			t.Fatalf("round %d: messages %q, want one row per attempt", n, attemptSummary(ms))
		}
		if last.Status == otp.DeliveryExpired {
			break
		}
		if last.Status != otp.DeliveryRetrying || last.Provider != "smsc" || last.Error != "smsc: connect to the SMSC: connection refused" {
			t.Fatalf("round %d: message %+v, want retrying with smsc's error", n, last)
		}
		got, err := f.svc.GetVerification(t.Context(), a, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.DeliveryStatus != otp.DeliveryQueued || got.LastError != last.Error {
			t.Fatalf("round %d: verification %s, last error %q; want queued with the attempt's error", n, got.DeliveryStatus, got.LastError)
		}
		delay := last.NextAttemptAt.Sub(f.clock.Now())
		full := min(time.Second<<(n-1), 30*time.Second)
		if delay < full/2 || delay > full {
			t.Errorf("attempt %d: next attempt in %s, want within [%s, %s]", n, delay, full/2, full)
		}
		f.clock.Advance(delay)
	}
	for _, m := range sender.sent {
		if m.Attempt > 1 && !f.clock.Now().Before(v.ExpiresAt) {
			t.Errorf("attempt %d sent after the code expired", m.Attempt)
		}
	}
	if left := v.ExpiresAt.Sub(f.clock.Now()); left < 10*time.Second {
		t.Errorf("the last attempt was made %s before the expiry, want at least the 10 s margin", left)
	}
	ms, _ := f.svc.Messages(t.Context(), a, v.ID)
	last := ms[len(ms)-1]
	wantErr := "the code would expire before the next attempt could reach the person; last error: smsc: connect to the SMSC: connection refused"
	if last.Error != wantErr || !last.NextAttemptAt.IsZero() {
		t.Errorf("final message %+v, want expired with %q", last, wantErr)
	}
	got, err := f.svc.GetVerification(t.Context(), a, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.DeliveryStatus != otp.DeliveryExpired || got.LastError != wantErr || got.Status != otp.StatusPending {
		t.Errorf("verification %s/%s, last error %q; want pending (until the sweep), delivery expired, the reason", got.Status, got.DeliveryStatus, got.LastError)
	}
	if ds, _ := f.svc.ClaimDeliveries(t.Context(), 10); len(ds) != 0 {
		t.Errorf("outbox after the expiry: %d rows, want none", len(ds))
	}

	// The logs: a warning per failed attempt, an error at the end.
	var warns, errs []logRecord
	for _, r := range logs.all() {
		for k, val := range r.attrs {
			if strings.Contains(val, "4155552671") || k != "delivery" && k != "verification" && k != "app" && strings.Contains(val, sender.sent[0].Code) {
				t.Errorf("log %q: %s = %q holds the destination or the code", r.msg, k, val)
			}
		}
		switch {
		case r.level == slog.LevelWarn && r.msg == "delivery attempt failed":
			warns = append(warns, r)
		case r.level == slog.LevelError && r.msg == "delivery failed":
			errs = append(errs, r)
		default:
			t.Errorf("unexpected log %v %q", r.level, r.msg)
		}
	}
	if len(warns) != len(ms)-1 || len(errs) != 1 {
		t.Fatalf("%d warnings and %d errors for %d attempts, want one warning per retried attempt and one error", len(warns), len(errs), len(ms))
	}
	w := warns[0]
	for k, want := range map[string]string{"provider": "smsc", "delivery": ms[0].ID, "verification": v.ID, "app": a.ID,
		"channel": "sms", "attempt": "1", "err": "smsc: connect to the SMSC: connection refused"} {
		if w.attrs[k] != want {
			t.Errorf("warning %s = %q, want %q", k, w.attrs[k], want)
		}
	}
	if w.attrs["next_attempt_at"] == "" {
		t.Error("the warning does not say when the next attempt is due")
	}
	e := errs[0]
	if e.attrs["status"] != "expired" || e.attrs["err"] != wantErr || e.attrs["attempt"] != fmt.Sprint(len(ms)) {
		t.Errorf("error log %v, want status expired, the reason and the last attempt", e.attrs)
	}
}

// A message whose code expired before it was claimed (the sweep has not
// marked the verification yet) is never sent: it ends expired, naming
// the last provider error, and so does the verification's delivery.
// When an earlier message of the verification was sent (a resend
// expires), the verification is sent again, not expired.
func TestExpiredCodeIsNeverSent(t *testing.T) {
	logs := &logRecorder{}
	f := newFixtureConfig(t, otp.Config{Logger: slog.New(logs)})
	a, _ := f.newApp(t, otp.Live)
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS, TTL: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sender := &recorder{}
	f.clock.Advance(30 * time.Second)
	f.deliverAll(t, sender)
	if len(sender.sent) != 0 {
		t.Fatalf("sent %d messages with an expired code", len(sender.sent))
	}
	ms, _ := f.svc.Messages(t.Context(), a, v.ID)
	if len(ms) != 1 || ms[0].Status != otp.DeliveryExpired || ms[0].Error != "the code expired before a provider accepted the message" {
		t.Errorf("messages = %+v, want one expired", ms)
	}
	got, _ := f.svc.GetVerification(t.Context(), a, v.ID)
	if got.DeliveryStatus != otp.DeliveryExpired {
		t.Errorf("delivery status = %s, want expired", got.DeliveryStatus)
	}
	if n := len(logs.all()); n != 1 {
		t.Errorf("%d log lines, want the one error", n)
	}

	// Sent first, then a resend that cannot leave before the expiry.
	w, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552672", Channel: otp.SMS, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	f.deliverAll(t, sender)
	f.clock.Advance(31 * time.Second)
	if _, err := f.svc.Resend(t.Context(), a, w.ID, ""); err != nil {
		t.Fatalf("Resend: %v", err)
	}
	down := &failing{err: &otp.ProviderError{Provider: "smsc", Message: "timeout"}}
	f.deliverAll(t, down)
	f.clock.Advance(30 * time.Second)
	f.deliverAll(t, down)
	got, _ = f.svc.GetVerification(t.Context(), a, w.ID)
	ms, _ = f.svc.Messages(t.Context(), a, w.ID)
	want := []string{"1 fake sent", "1 smsc retrying", "2  expired"}
	if got.DeliveryStatus != otp.DeliverySent || !slices.Equal(attemptSummary(ms), want) {
		t.Errorf("verification %s, messages %q; want still sent, %q", got.DeliveryStatus, attemptSummary(ms), want)
	}
	if !strings.HasSuffix(ms[2].Error, "; last error: smsc: timeout") {
		t.Errorf("expired message's error %q, want the last provider error", ms[2].Error)
	}
}

// The next attempt's time: what a provider asked for (RetryAfter); at
// once after a failover or a refusal, whose provider is added to the skip
// list the next claim carries; the cap of MaxDeliveryAttempts when set.
func TestNextAttempt(t *testing.T) {
	f := newFixtureConfig(t, otp.Config{Limits: otp.Limits{MaxDeliveryAttempts: 4}})
	a, _ := f.newApp(t, otp.Live)
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	claim := func() otp.Delivery {
		t.Helper()
		ds, err := f.svc.ClaimDeliveries(t.Context(), 10)
		if err != nil || len(ds) != 1 {
			t.Fatalf("claimed %d (err %v), want 1", len(ds), err)
		}
		return ds[0]
	}
	deliver := func(d otp.Delivery, err error) otp.Message {
		t.Helper()
		if err := f.svc.Deliver(t.Context(), &failing{err: err}, d); err != nil {
			t.Fatal(err)
		}
		ms, _ := f.svc.Messages(t.Context(), a, v.ID)
		return ms[len(ms)-1]
	}
	now := f.clock.Now()
	m := deliver(claim(), &otp.ProviderError{Provider: "a", Message: "throttled", RetryAfter: 20 * time.Second})
	if !m.NextAttemptAt.Equal(now.Add(20 * time.Second)) {
		t.Errorf("after a RetryAfter of 20 s the next attempt is at +%s", m.NextAttemptAt.Sub(now))
	}
	f.clock.Advance(20 * time.Second)
	now = f.clock.Now()
	m = deliver(claim(), &otp.ProviderError{Provider: "a", Message: "HTTP 422", Refused: true})
	if !m.NextAttemptAt.Equal(now) {
		t.Errorf("after a refusal the next attempt is at +%s, want now", m.NextAttemptAt.Sub(now))
	}
	d := claim()
	if !slices.Equal(d.Skip, []string{"a"}) || d.LastError != "a: HTTP 422" {
		t.Errorf("claim after a refusal: skip %q, last error %q; want [a] and a's error", d.Skip, d.LastError)
	}
	m = deliver(d, &otp.ProviderError{Provider: "b", Message: "timeout", Failover: true})
	if !m.NextAttemptAt.Equal(now) {
		t.Errorf("after a failover the next attempt is at +%s, want now", m.NextAttemptAt.Sub(now))
	}
	if d := claim(); !slices.Equal(d.Skip, []string{"a"}) {
		t.Errorf("skip after a transient failure = %q, want [a] kept", d.Skip)
	} else if m := deliver(d, &otp.ProviderError{Provider: "b", Message: "timeout"}); m.Status != otp.DeliveryFailed || m.Attempts != 4 {
		t.Errorf("attempt 4 of MaxDeliveryAttempts 4 = %+v, want failed", m)
	}
	got, _ := f.svc.GetVerification(t.Context(), a, v.ID)
	if got.DeliveryStatus != otp.DeliveryFailed || got.LastError != "b: timeout" {
		t.Errorf("verification %s, %q; want failed with the last error", got.DeliveryStatus, got.LastError)
	}
}

// A receipt is never dated before the message was sent: a time that is
// missing, earlier than the send or in the future becomes the receipt's
// arrival.
func TestReceiptNotBeforeTheSend(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   func(sent time.Time) time.Time
		kept bool
	}{
		{"missing", func(time.Time) time.Time { return time.Time{} }, false},
		{"before the send (a minute-precision done date)", func(sent time.Time) time.Time { return sent.Add(-30 * time.Second) }, false},
		{"in the future", func(sent time.Time) time.Time { return sent.Add(time.Hour) }, false},
		{"between the send and now", func(sent time.Time) time.Time { return sent.Add(2 * time.Second) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, otp.Limits{})
			a, _ := f.newApp(t, otp.Live)
			v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS})
			if err != nil {
				t.Fatal(err)
			}
			sent := f.clock.Now()
			f.deliverAll(t, &recorder{})
			f.clock.Advance(5 * time.Second)
			at := tc.at(sent)
			ms, _ := f.svc.Messages(t.Context(), a, v.ID)
			err = f.svc.RecordReceipt(t.Context(), otp.Receipt{Provider: "fake", ProviderMessageID: ms[0].ProviderMessageID,
				Status: otp.DeliveryDelivered, At: at})
			if err != nil {
				t.Fatal(err)
			}
			want := f.clock.Now()
			if tc.kept {
				want = at
			}
			got, _ := f.svc.GetVerification(t.Context(), a, v.ID)
			ms, _ = f.svc.Messages(t.Context(), a, v.ID)
			if !got.DeliveredAt.Equal(want) || !ms[0].DeliveredAt.Equal(want) {
				t.Errorf("delivered at %s (message %s), want %s", got.DeliveredAt, ms[0].DeliveredAt, want)
			}
		})
	}
}
