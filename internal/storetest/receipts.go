package storetest

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

func testApplyReceipt(t *testing.T, st otp.Store) {
	p := createProject(t, st, "receipts")
	a := createApp(t, st, p.ID, otp.Live)
	v := newVerification(a, "+14155552671", t0)
	d := createVerification(t, st, v, t0)
	sent := otp.Message{ID: d.ID, AppID: a.ID, VerificationID: v.ID, Channel: otp.SMS, To: d.To,
		Provider: "smpp-main", ProviderMessageID: "smsc-42", Status: otp.DeliverySent, Attempts: 1,
		Cost: otp.Money{Micros: 7500, Currency: "USD"}, CreatedAt: t0, SentAt: t0.Add(time.Second)}
	err := st.FinishDelivery(t.Context(), d, func(v *otp.Verification) (otp.Effects, error) {
		return otp.Effects{Messages: []otp.Message{sent}}, nil
	})
	if err != nil {
		t.Fatalf("FinishDelivery: %v", err)
	}
	if ms, ok := messages(t, st, a.ID, v.ID); ok {
		diff(t, "message as written", []otp.Message{sent}, ms)
	}

	wantNotFound(t, "ApplyReceipt of an unknown message", st.ApplyReceipt(t.Context(), "smpp-main", "nope",
		func(*otp.Verification, *otp.Message) (otp.Effects, error) { return otp.Effects{}, nil }))
	wantNotFound(t, "ApplyReceipt of another provider's id", st.ApplyReceipt(t.Context(), "twilio", "smsc-42",
		func(*otp.Verification, *otp.Message) (otp.Effects, error) { return otp.Effects{}, nil }))

	at := t0.Add(9 * time.Second)
	ev := newEvent(otp.EventDelivered, v, at)
	err = st.ApplyReceipt(t.Context(), "smpp-main", "smsc-42", func(gv *otp.Verification, m *otp.Message) (otp.Effects, error) {
		if gv.ID != v.ID || m.ID != d.ID {
			t.Errorf("change got verification %s message %s, want %s and %s", gv.ID, m.ID, v.ID, d.ID)
		}
		gv.DeliveryStatus, gv.DeliveredAt = otp.DeliveryDelivered, at
		m.Status, m.DeliveredAt, m.Error = otp.DeliveryDelivered, at, "none"
		return otp.Effects{Events: []otp.Event{ev}}, nil
	})
	if err != nil {
		t.Fatalf("ApplyReceipt: %v", err)
	}
	got := getVerification(t, st, a.ID, v.ID)
	if got.DeliveryStatus != otp.DeliveryDelivered || !got.DeliveredAt.Equal(at) {
		t.Errorf("verification after the receipt: %s at %s, want delivered at %s", got.DeliveryStatus, got.DeliveredAt, at)
	}
	if ms, ok := messages(t, st, a.ID, v.ID); ok {
		want := sent
		want.Status, want.DeliveredAt, want.Error = otp.DeliveryDelivered, at, "none"
		diff(t, "message after the receipt", []otp.Message{want}, ms)
	}
	if types, ok := eventTypes(t, st, a.ID); ok {
		diff(t, "events", []otp.EventType{otp.EventCreated, otp.EventDelivered}, types)
	}

	// A change that fails writes nothing.
	boom := &otp.Error{Code: otp.CodeConflict, Key: "boom"}
	err = st.ApplyReceipt(t.Context(), "smpp-main", "smsc-42", func(gv *otp.Verification, m *otp.Message) (otp.Effects, error) {
		gv.DeliveryStatus, m.Status = otp.DeliveryFailed, otp.DeliveryFailed
		return otp.Effects{}, boom
	})
	wantErr(t, "ApplyReceipt with a failing change", err, boom)
	if got := getVerification(t, st, a.ID, v.ID); got.DeliveryStatus != otp.DeliveryDelivered {
		t.Errorf("after a failed change the verification is %s, want delivered", got.DeliveryStatus)
	}
}

func testListDueFallbacks(t *testing.T, st otp.Store) {
	p := createProject(t, st, "fallbacks")
	a := createApp(t, st, p.ID, otp.Live)
	due := newVerification(a, "+14155550001", t0)
	due.NextStepAt = t0.Add(time.Minute)
	later := newVerification(a, "+14155550002", t0)
	later.NextStepAt = t0.Add(2 * time.Minute)
	none := newVerification(a, "+14155550003", t0)
	none.NextStepAt = time.Time{}
	done := newVerification(a, "+14155550004", t0)
	done.Status = otp.StatusVerified
	for _, v := range []*otp.Verification{due, later, none, done} {
		createVerification(t, st, v, time.Time{})
	}
	refs, err := st.ListDueFallbacks(t.Context(), t0.Add(90*time.Second), 10)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "due fallbacks", []otp.VerificationRef{{AppID: a.ID, ID: due.ID}}, refs)
	refs, err = st.ListDueFallbacks(t.Context(), t0.Add(3*time.Minute), 1)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "due fallbacks, limit 1", []otp.VerificationRef{{AppID: a.ID, ID: due.ID}}, refs)
}
