package storetest

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

// These tests drive the real otp.Service over the store under test, where
// the domain's promises depend on the store's transactions: a check is
// counted before it is evaluated, atomically, and succeeds at most once.

// unlimited is a Limiter that allows everything.
type unlimited struct{}

func (unlimited) Allow(_ context.Context, _ string, l otp.Limit) (otp.Decision, error) {
	return otp.Decision{Allowed: true, Limit: l.Count, Remaining: l.Count}, nil
}

func (unlimited) AllowAll(_ context.Context, takes []otp.Take) ([]otp.Decision, error) {
	ds := make([]otp.Decision, len(takes))
	for i, t := range takes {
		ds[i] = otp.Decision{Allowed: true, Limit: t.Limit.Count, Remaining: t.Limit.Count}
	}
	return ds, nil
}

// noSender fails the test if a message reaches it: test applications
// deliver to their inbox, never to a provider.
type noSender struct{ t *testing.T }

func (s noSender) Send(context.Context, otp.OutgoingMessage) (otp.SendResult, error) {
	s.t.Error("a test application's message reached a provider")
	return otp.SendResult{}, otp.ErrPermanent
}

func newService(t *testing.T, st otp.Store) *otp.Service {
	t.Helper()
	keys, err := otp.NewServerKey(bytes.Repeat([]byte{0x5a}, otp.ServerKeySize))
	if err != nil {
		t.Fatalf("NewServerKey: %v", err)
	}
	svc, err := otp.NewService(otp.Config{Store: st, Limiter: unlimited{}, Keys: keys})
	if err != nil {
		t.Fatalf("NewService: %v", err)
	}
	return svc
}

// newTestApp creates a project with the default policy and a test
// application in it, through the service.
func newTestApp(t *testing.T, svc *otp.Service) *otp.Application {
	t.Helper()
	name, env := "storetest", otp.Test
	p, err := svc.CreateProject(t.Context(), otp.ProjectInput{Name: &name})
	if err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	a, _, err := svc.CreateApplication(t.Context(), otp.ApplicationInput{Name: &name, ProjectID: &p.ID, Environment: &env})
	if err != nil {
		t.Fatalf("CreateApplication: %v", err)
	}
	return a
}

// sendCode creates a verification for to and returns it with the code
// read from the test inbox. A test application's message is delivered by
// the transaction that creates the verification: it is sent at once, and
// nothing is left in the outbox for a worker.
func sendCode(t *testing.T, svc *otp.Service, a *otp.Application, to string) (*otp.Verification, string) {
	t.Helper()
	ctx := t.Context()
	v, replayed, err := svc.CreateVerification(ctx, a, otp.CreateRequest{To: to, Channel: otp.Email})
	if err != nil || replayed {
		t.Fatalf("CreateVerification = replayed %v, %v; want a new verification", replayed, err)
	}
	if v.DeliveryStatus != otp.DeliverySent {
		t.Fatalf("delivery status after creation = %s, want sent to the test inbox", v.DeliveryStatus)
	}
	ds, err := svc.ClaimDeliveries(ctx, 10)
	if err != nil || len(ds) != 0 {
		t.Fatalf("ClaimDeliveries = %+v, %v; want nothing queued for a test application", ds, err)
	}
	inbox, err := svc.TestMessages(ctx, a, to)
	if err != nil {
		t.Fatalf("TestMessages: %v", err)
	}
	if len(inbox) != 1 {
		t.Fatalf("test inbox has %d messages, want 1", len(inbox))
	}
	m := inbox[0]
	if m.VerificationID != v.ID || m.AppID != a.ID || m.To != to || m.Channel != otp.Email {
		t.Fatalf("test message = %+v, want the message of %s to %s", m, v.ID, to)
	}
	if len(m.Code) != 6 || strings.Trim(m.Code, "0123456789") != "" {
		t.Fatalf("code %q, want 6 digits", m.Code)
	}
	if !strings.Contains(m.Body, m.Code) {
		t.Fatalf("body %q does not contain the code", m.Body)
	}
	return v, m.Code
}

// checkConcurrently checks each code from its own goroutine, all released
// at once, and returns how many were valid.
func checkConcurrently(t *testing.T, svc *otp.Service, a *otp.Application, id string, codes []string) int {
	t.Helper()
	var (
		valid atomic.Int32
		wg    sync.WaitGroup
	)
	start := make(chan struct{})
	for _, code := range codes {
		wg.Go(func() {
			<-start
			res, err := svc.Check(t.Context(), a, id, code)
			if err != nil {
				t.Errorf("Check: %v", err)
				return
			}
			if res.Valid {
				valid.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	return int(valid.Load())
}

func count[T comparable](s []T, x T) int {
	n := 0
	for _, y := range s {
		if y == x {
			n++
		}
	}
	return n
}

func testServiceConcurrentCorrect(t *testing.T, st otp.Store) {
	svc := newService(t, st)
	a := newTestApp(t, svc)
	v, code := sendCode(t, svc, a, "alice@example.com")

	codes := make([]string, 50)
	for i := range codes {
		codes[i] = code
	}
	if n := checkConcurrently(t, svc, a, v.ID, codes); n != 1 {
		t.Fatalf("%d of 50 concurrent checks of the right code were valid, want exactly 1", n)
	}
	got, err := svc.GetVerification(t.Context(), a, v.ID)
	if err != nil {
		t.Fatalf("GetVerification: %v", err)
	}
	if got.Status != otp.StatusVerified || got.Attempts != 1 || got.CodeSealed != nil || got.VerifiedAt.IsZero() {
		t.Errorf("verification = status %s, attempts %d, sealed code %v, verified at %v; want verified after 1 attempt, code wiped",
			got.Status, got.Attempts, got.CodeSealed != nil, got.VerifiedAt)
	}
	if types, ok := eventTypes(t, st, a.ID); ok && count(types, otp.EventVerified) != 1 {
		t.Errorf("events = %v, want exactly one %s", types, otp.EventVerified)
	}
}

func testServiceConcurrentWrong(t *testing.T, st otp.Store) {
	svc := newService(t, st)
	a := newTestApp(t, svc)
	v, code := sendCode(t, svc, a, "bob@example.com")
	if v.MaxAttempts != 5 {
		t.Fatalf("MaxAttempts = %d, want the default policy's 5", v.MaxAttempts)
	}

	// Wrong codes that differ from the right one in the last digit.
	wrong := make([]string, 50)
	for i := range wrong {
		d := (int(code[5]-'0') + 1 + i%9) % 10
		wrong[i] = code[:5] + string(rune('0'+d))
	}
	if n := checkConcurrently(t, svc, a, v.ID, wrong); n != 0 {
		t.Fatalf("%d wrong codes were valid", n)
	}
	got, err := svc.GetVerification(t.Context(), a, v.ID)
	if err != nil {
		t.Fatalf("GetVerification: %v", err)
	}
	if got.Attempts != 5 || got.Status != otp.StatusMaxAttempts || got.CodeSealed != nil {
		t.Fatalf("after 50 wrong checks: attempts %d, status %s; want exactly 5, %s",
			got.Attempts, got.Status, otp.StatusMaxAttempts)
	}
	res, err := svc.Check(t.Context(), a, v.ID, code)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if res.Valid || res.Verification.Attempts != 5 {
		t.Errorf("the right code after max attempts: valid %v, attempts %d; want not valid, attempts still 5",
			res.Valid, res.Verification.Attempts)
	}
	if types, ok := eventTypes(t, st, a.ID); ok && count(types, otp.EventMaxAttempts) != 1 {
		t.Errorf("events = %v, want exactly one %s", types, otp.EventMaxAttempts)
	}
}

func testServiceDeliver(t *testing.T, st otp.Store) {
	ctx := t.Context()
	svc := newService(t, st)
	a := newTestApp(t, svc)
	v, code := sendCode(t, svc, a, "carol@example.com")

	got, err := svc.GetVerification(ctx, a, v.ID)
	if err != nil {
		t.Fatalf("GetVerification: %v", err)
	}
	if got.DeliveryStatus != otp.DeliverySent || got.SentAt.IsZero() || got.Status != otp.StatusPending || got.LastError != "" {
		t.Errorf("after delivery: delivery status %s, sent at %v, status %s, last error %q; want sent, set, pending, none",
			got.DeliveryStatus, got.SentAt, got.Status, got.LastError)
	}
	if ds, err := svc.ClaimDeliveries(ctx, 10); err != nil || len(ds) != 0 {
		t.Errorf("ClaimDeliveries after delivery = %+v, %v; want none", ds, err)
	}
	if ms, ok := messages(t, st, a.ID, v.ID); ok {
		if len(ms) != 1 || ms[0].Provider != "test_inbox" || ms[0].Status != otp.DeliverySent || ms[0].Attempts != 1 {
			t.Errorf("messages = %+v, want one sent through test_inbox on the first attempt", ms)
		}
	}

	res, err := svc.Check(ctx, a, v.ID, code)
	if err != nil || !res.Valid {
		t.Fatalf("Check(code from the inbox) = valid %v, %v; want valid", res.Valid, err)
	}
	res, err = svc.Check(ctx, a, v.ID, code)
	if err != nil || res.Valid {
		t.Fatalf("Check(same code again) = valid %v, %v; want not valid", res.Valid, err)
	}
	if types, ok := eventTypes(t, st, a.ID); ok {
		diff(t, "events", []otp.EventType{otp.EventCreated, otp.EventSent, otp.EventVerified}, types)
	}
}
