package otp_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// deliverAll claims every due message and delivers it through sender.
func (f *fixture) deliverAll(t *testing.T, sender otp.Sender) []otp.Delivery {
	t.Helper()
	ds, err := f.svc.ClaimDeliveries(t.Context(), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if err := f.svc.Deliver(t.Context(), sender, d); err != nil {
			t.Fatalf("Deliver %s: %v", d.ID, err)
		}
	}
	return ds
}

// recorder is a sender that keeps what it was given.
type recorder struct {
	sent []otp.OutgoingMessage
	err  error
}

func (r *recorder) Send(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	r.sent = append(r.sent, m)
	if r.err != nil {
		return otp.SendResult{}, r.err
	}
	return otp.SendResult{Provider: "fake", ProviderMessageID: "pm-" + m.ID}, nil
}

func TestFallbackSendsTheNextStepWithTheSameCode(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671", Fallback: []otp.FallbackStep{
		{Channel: otp.SMS, Timeout: time.Minute},
		{Channel: otp.Voice, Timeout: 30 * time.Second},
		{Channel: otp.Email, To: "Person@Example.com"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if v.Channel != otp.SMS || !v.NextStepAt.Equal(f.clock.Now().Add(time.Minute)) || v.FallbackStep != 0 {
		t.Fatalf("created %s, next step at %s, step %d; want sms, in a minute, step 0", v.Channel, v.NextStepAt, v.FallbackStep)
	}
	rec := &recorder{}
	f.deliverAll(t, rec)

	f.clock.Advance(59 * time.Second)
	if n, err := f.svc.SweepFallbacks(t.Context(), 10); n != 0 || err != nil {
		t.Fatalf("sweep before the timeout = %d, %v; want 0", n, err)
	}
	f.clock.Advance(time.Second)
	if n, err := f.svc.SweepFallbacks(t.Context(), 10); n != 1 || err != nil {
		t.Fatalf("sweep at the timeout = %d, %v; want 1", n, err)
	}
	f.deliverAll(t, rec)
	f.clock.Advance(30 * time.Second)
	if n, err := f.svc.SweepFallbacks(t.Context(), 10); n != 1 || err != nil {
		t.Fatalf("second sweep = %d, %v; want 1", n, err)
	}
	f.deliverAll(t, rec)
	f.clock.Advance(time.Minute)
	if n, err := f.svc.SweepFallbacks(t.Context(), 10); n != 0 || err != nil {
		t.Fatalf("sweep after the last step = %d, %v; want 0", n, err)
	}

	if len(rec.sent) != 3 {
		t.Fatalf("sent %d messages, want 3", len(rec.sent))
	}
	want := []struct {
		ch otp.Channel
		to string
	}{{otp.SMS, "+14155552671"}, {otp.Voice, "+14155552671"}, {otp.Email, "person@example.com"}}
	for i, m := range rec.sent {
		if m.Channel != want[i].ch || m.To != want[i].to {
			t.Errorf("message %d = %s to %s, want %s to %s", i, m.Channel, m.To, want[i].ch, want[i].to)
		}
		if m.Code != rec.sent[0].Code {
			t.Errorf("message %d has another code than the first", i)
		}
	}
	if rec.sent[2].Country != "" {
		t.Errorf("email step country = %q, want none", rec.sent[2].Country)
	}
	got, err := f.svc.GetVerification(t.Context(), a, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.FallbackStep != 2 || !got.NextStepAt.IsZero() || got.Channel != otp.Email {
		t.Errorf("after the last step: step %d, next %s, channel %s; want 2, none, email", got.FallbackStep, got.NextStepAt, got.Channel)
	}
	res, err := f.svc.Check(t.Context(), a, v.ID, rec.sent[0].Code)
	if err != nil || !res.Valid {
		t.Errorf("checking the code sent in every step = %+v, %v; want valid", res, err)
	}
}

func TestFallbackStopsWhenVerified(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671",
		Fallback: []otp.FallbackStep{{Channel: otp.SMS}, {Channel: otp.Voice}}})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	f.deliverAll(t, rec)
	if res, err := f.svc.Check(t.Context(), a, v.ID, rec.sent[0].Code); err != nil || !res.Valid {
		t.Fatalf("check = %+v, %v", res, err)
	}
	f.clock.Advance(2 * time.Minute)
	if n, err := f.svc.SweepFallbacks(t.Context(), 10); n != 0 || err != nil {
		t.Errorf("sweep after a successful check = %d, %v; want nothing sent", n, err)
	}
}

// A step whose message fails for good moves on at once, not after its timeout.
func TestFallbackMovesOnWhenAStepFails(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	_, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671",
		Fallback: []otp.FallbackStep{{Channel: otp.WhatsApp, Timeout: 2 * time.Minute}, {Channel: otp.SMS}}})
	if err != nil {
		t.Fatal(err)
	}
	failing := &recorder{err: &otp.ProviderError{Provider: "wa", Code: "131026", Message: "undeliverable", Permanent: true}}
	f.deliverAll(t, failing)
	if n, err := f.svc.SweepFallbacks(t.Context(), 10); n != 1 || err != nil {
		t.Fatalf("sweep right after the failure = %d, %v; want the next step", n, err)
	}
	rec := &recorder{}
	f.deliverAll(t, rec)
	if len(rec.sent) != 1 || rec.sent[0].Channel != otp.SMS {
		t.Errorf("sent %+v, want one sms", rec.sent)
	}
}

func TestReceipts(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	ds := f.deliverAll(t, rec)
	pmid := "pm-" + ds[0].ID
	f.clock.Advance(3 * time.Second)
	at := f.clock.Now().Add(-time.Second)

	// A failed receipt, then a delivered one (out of order) for the same message.
	if err := f.svc.RecordReceipt(t.Context(), otp.Receipt{Provider: "fake", ProviderMessageID: pmid, Status: otp.DeliveryFailed, Error: "UNDELIV 001"}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.GetVerification(t.Context(), a, v.ID)
	if got.DeliveryStatus != otp.DeliveryFailed || got.LastError != "fake: UNDELIV 001" {
		t.Errorf("after a failed receipt: %s %q, want failed with the provider's reason", got.DeliveryStatus, got.LastError)
	}
	if err := f.svc.RecordReceipt(t.Context(), otp.Receipt{Provider: "fake", ProviderMessageID: pmid, Status: otp.DeliveryDelivered, At: at}); err != nil {
		t.Fatal(err)
	}
	got, _ = f.svc.GetVerification(t.Context(), a, v.ID)
	if got.DeliveryStatus != otp.DeliveryDelivered || !got.DeliveredAt.Equal(at) || got.LastError != "" {
		t.Errorf("after a delivered receipt: %s at %s %q, want delivered at %s", got.DeliveryStatus, got.DeliveredAt, got.LastError, at)
	}
	// Repeats, later failures and unknown messages change nothing and are not errors.
	for _, r := range []otp.Receipt{
		{Provider: "fake", ProviderMessageID: pmid, Status: otp.DeliveryDelivered},
		{Provider: "fake", ProviderMessageID: pmid, Status: otp.DeliveryFailed},
		{Provider: "fake", ProviderMessageID: "unknown", Status: otp.DeliveryDelivered},
		{Provider: "other", ProviderMessageID: pmid, Status: otp.DeliveryDelivered},
		{Provider: "fake", ProviderMessageID: pmid, Status: otp.DeliverySent},
	} {
		if err := f.svc.RecordReceipt(t.Context(), r); err != nil {
			t.Errorf("RecordReceipt(%+v) = %v, want nil", r, err)
		}
	}
	again, _ := f.svc.GetVerification(t.Context(), a, v.ID)
	if again.DeliveryStatus != otp.DeliveryDelivered || !again.DeliveredAt.Equal(at) {
		t.Errorf("after repeats: %s at %s, want still delivered at %s", again.DeliveryStatus, again.DeliveredAt, at)
	}
	msgs, err := f.svc.Messages(t.Context(), a, v.ID)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Messages = %v, %v", msgs, err)
	}
	if m := msgs[0]; m.Status != otp.DeliveryDelivered || !m.DeliveredAt.Equal(at) || m.Provider != "fake" || m.ProviderMessageID != pmid {
		t.Errorf("message = %+v, want delivered at %s by fake", m, at)
	}
	if err := f.svc.RecordReceipt(t.Context(), otp.Receipt{Provider: "fake", Status: otp.DeliveryDelivered}); code(err) != otp.CodeInvalidParameter {
		t.Errorf("receipt without an id = %v, want INVALID_PARAMETER", err)
	}
}

type prices map[otp.Channel]otp.Money

func (p prices) Price(c otp.Channel, country string) (otp.Money, bool) {
	m, ok := p[c]
	if country == "DE" {
		m.Micros *= 10
	}
	return m, ok
}

func TestCostCountryAndCarrier(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	sms, _ := otp.ParseMoney("0.0075", "USD")
	svc, err := otp.NewService(otp.Config{Store: f.store, Limiter: f.limiter, Keys: mustKeys(t), Clock: f.clock, Prices: prices{otp.SMS: sms}})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	a, _ := f.newApp(t, otp.Live)
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+49 151 12345678", Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	if v.Country != "DE" || v.Carrier != "T-Mobile" {
		t.Errorf("country %q carrier %q, want DE and T-Mobile", v.Country, v.Carrier)
	}
	rec := &recorder{}
	f.deliverAll(t, rec)
	if _, err := f.svc.Resend(t.Context(), a, v.ID, otp.Voice); err != nil {
		f.clock.Advance(time.Minute)
		if _, err := f.svc.Resend(t.Context(), a, v.ID, otp.Voice); err != nil {
			t.Fatal(err)
		}
	}
	f.deliverAll(t, rec) // voice has no price
	got, _ := f.svc.GetVerification(t.Context(), a, v.ID)
	if got.Cost.Amount() != "0.075" || got.Cost.Currency != "USD" {
		t.Errorf("cost = %s %s, want 0.075 USD (one DE sms; voice unpriced)", got.Cost.Amount(), got.Cost.Currency)
	}
	if rec.sent[0].Country != "DE" {
		t.Errorf("message country = %q, want DE", rec.sent[0].Country)
	}
}

func TestProjectChannels(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	p := otp.DefaultPolicy()
	p.Channels = []otp.Channel{otp.WhatsApp, otp.SMS}
	if _, err := f.svc.UpdateProject(t.Context(), a.ProjectID, otp.ProjectInput{Policy: &p}); err != nil {
		t.Fatal(err)
	}
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671"})
	if err != nil || v.Channel != otp.WhatsApp {
		t.Fatalf("create without a channel = %v, %v; want the project's first channel, whatsapp", v, err)
	}
	_, _, err = f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552672", Channel: otp.Voice})
	if e := otp.ErrorOf(err); e == nil || e.Key != "channel_disabled" || e.Field != "channel" {
		t.Errorf("voice on a project without voice = %v, want channel_disabled", err)
	}
	_, _, err = f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "a@example.com"})
	if e := otp.ErrorOf(err); e == nil || e.Field != "channel" {
		t.Errorf("email destination with no email channel = %v, want a channel error", err)
	}
	if _, err := f.svc.Resend(t.Context(), a, v.ID, otp.Voice); !errors.Is(err, otp.ErrorOf(err)) || otp.ErrorOf(err).Key != "channel_disabled" {
		t.Errorf("resend on a disabled channel = %v, want channel_disabled", err)
	}
}

func mustKeys(t *testing.T) *otp.ServerKey {
	t.Helper()
	keys, err := otp.NewServerKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestChannelUnavailableWithoutProvider(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	svc, err := otp.NewService(otp.Config{Store: f.store, Limiter: f.limiter, Keys: mustKeys(t), Clock: f.clock,
		Deliverable: []otp.Channel{otp.SMS}})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	live, _ := f.newApp(t, otp.Live)
	_, _, err = f.svc.CreateVerification(t.Context(), live, otp.CreateRequest{To: "+14155552671", Channel: otp.Voice})
	if e := otp.ErrorOf(err); e == nil || e.Key != "channel_unavailable" {
		t.Errorf("live voice without a voice provider = %v, want channel_unavailable", err)
	}
	_, _, err = f.svc.CreateVerification(t.Context(), live, otp.CreateRequest{To: "+14155552671",
		Fallback: []otp.FallbackStep{{Channel: otp.SMS}, {Channel: otp.Voice}}})
	if e := otp.ErrorOf(err); e == nil || e.Key != "channel_unavailable" || e.Field != "fallback[1].channel" {
		t.Errorf("fallback to voice without a voice provider = %v, want channel_unavailable on fallback[1].channel", err)
	}
	_, _, err = f.svc.CreateVerification(t.Context(), live, otp.CreateRequest{To: "a@example.com"})
	if e := otp.ErrorOf(err); e == nil || e.Field != "channel" {
		t.Errorf("email without an email provider and no channel = %v, want a channel error", err)
	}
	test, _ := f.newApp(t, otp.Test)
	if _, _, err := f.svc.CreateVerification(t.Context(), test, otp.CreateRequest{To: "+14155552671", Channel: otp.Voice}); err != nil {
		t.Errorf("test application voice = %v, want accepted: the test inbox takes every channel", err)
	}
}
