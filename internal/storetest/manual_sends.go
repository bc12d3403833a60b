package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// testMessageNumbers: each application numbers its manual sends 1, 2, …
// on its own; concurrent callers never share a number; a verification
// keeps its number, and two of one application cannot have the same.
func testMessageNumbers(t *testing.T, st otp.Store) {
	p := createProject(t, st, "numbers")
	a := createApp(t, st, p.ID, otp.Live)
	b := createApp(t, st, p.ID, otp.Live)

	const n = 12
	got := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			num, err := st.NextMessageNumber(t.Context(), a.ID)
			if err != nil {
				t.Errorf("NextMessageNumber: %v", err)
			}
			got[i] = num
		})
	}
	wg.Wait()
	slices.Sort(got)
	for i, num := range got {
		if num != int64(i+1) {
			t.Fatalf("concurrent numbers = %v, want 1 to %d, each once", got, n)
		}
	}
	if num, err := st.NextMessageNumber(t.Context(), b.ID); err != nil || num != 1 {
		t.Errorf("another application's first number = %d, %v; want 1", num, err)
	}
	_, err := st.NextMessageNumber(t.Context(), otp.NewID("app"))
	wantNotFound(t, "the number of an unknown application", err)

	v := newVerification(a, "+15550001111", t0)
	v.MessageNumber = 3
	createVerification(t, st, v, time.Time{})
	if got := getVerification(t, st, a.ID, v.ID); got.MessageNumber != 3 {
		t.Errorf("MessageNumber = %d, want 3", got.MessageNumber)
	}
	dup := newVerification(a, "+15550002222", t0)
	dup.MessageNumber = 3
	err = st.CreateVerification(t.Context(), dup, otp.Effects{}, nil)
	wantErr(t, "a second verification with number 3", err, otp.ErrConflict)
	other := newVerification(b, "+15550002222", t0)
	other.MessageNumber = 3
	createVerification(t, st, other, time.Time{}) // numbers are per application
}

// testCallbacks: a per-send callback is a webhook delivery with its URL,
// written with a change's effects and claimed like any delivery; a
// verification has one at most, whichever change writes a second; an
// endpoint's log does not list it; it goes with its application.
func testCallbacks(t *testing.T, st otp.Store) {
	p := createProject(t, st, "callbacks")
	a := createApp(t, st, p.ID, otp.Live)
	w := &otp.Webhook{ID: otp.NewID("whk"), AppID: a.ID, URL: "https://hooks.example.com/", Signing: otp.SigningStandard,
		Status: otp.WebhookEnabled, CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateWebhook(t.Context(), w); err != nil {
		t.Fatal(err)
	}
	v := newVerification(a, "+15550001111", t0)
	callback := func(v *otp.Verification, body string) otp.WebhookDelivery {
		e := newEvent(otp.EventSent, v, t0)
		return otp.WebhookDelivery{ID: otp.NewID("whd"), AppID: v.AppID, URL: "https://shop.example/cb?order=17",
			VerificationID: v.ID, EventID: e.ID, EventType: e.Type, Payload: []byte(body), Status: otp.WebhookPending,
			NextAttemptAt: t0, CreatedAt: t0, UpdatedAt: t0}
	}
	first := callback(v, `{"status":"delivered"}`)
	if err := st.CreateVerification(t.Context(), v, otp.Effects{Callbacks: []otp.WebhookDelivery{first}}, nil); err != nil {
		t.Fatalf("CreateVerification with a callback: %v", err)
	}
	// A later change of the same verification writes a second: dropped,
	// and the change itself goes through.
	_, err := st.UpdateVerification(t.Context(), a.ID, v.ID, func(cur *otp.Verification) (otp.Effects, error) {
		cur.DeliveryStatus = otp.DeliveryFailed
		return otp.Effects{Callbacks: []otp.WebhookDelivery{callback(cur, `{"status":"failed"}`)}}, nil
	})
	if err != nil {
		t.Fatalf("UpdateVerification with a second callback: %v", err)
	}
	if got := getVerification(t, st, a.ID, v.ID); got.DeliveryStatus != otp.DeliveryFailed {
		t.Errorf("the change with a dropped callback was not written: %s", got.DeliveryStatus)
	}
	// Another verification's callback is its own.
	v2 := newVerification(a, "+15550002222", t0)
	second := callback(v2, `{"status":"failed"}`)
	if err := st.CreateVerification(t.Context(), v2, otp.Effects{Callbacks: []otp.WebhookDelivery{second}}, nil); err != nil {
		t.Fatal(err)
	}

	claimed, err := st.ClaimWebhookDeliveries(t.Context(), t0, t0.Add(time.Minute), 10, 10)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(claimed, func(x, y otp.WebhookDelivery) int {
		return slices.Index([]string{first.ID, second.ID}, x.ID) - slices.Index([]string{first.ID, second.ID}, y.ID)
	})
	want := []otp.WebhookDelivery{first, second}
	for i := range want {
		want[i].Attempts = 1
	}
	diff(t, "claimed callbacks", want, claimed)

	c := claimed[0]
	c.Status, c.LastStatusCode, c.UpdatedAt = otp.WebhookDelivered, 204, t0.Add(time.Second)
	if err := st.RecordWebhookAttempt(t.Context(), &c, 1, &otp.WebhookAttempt{DeliveryID: c.ID, Attempt: 1, At: t0, StatusCode: 204}, nil); err != nil {
		t.Fatalf("RecordWebhookAttempt of a callback: %v", err)
	}
	if got, err := st.GetWebhookDelivery(t.Context(), c.ID); err != nil || got.Status != otp.WebhookDelivered || got.URL != first.URL {
		t.Errorf("callback after its attempt = %+v, %v", got, err)
	}
	if log, err := st.ListWebhookDeliveries(t.Context(), w.ID, otp.WebhookDeliveryFilter{Limit: 10}); err != nil || len(log) != 0 {
		t.Errorf("the endpoint's log = %+v, %v; want no callbacks in it", log, err)
	}
	if err := st.DeleteApplication(t.Context(), a.ID); err != nil {
		t.Fatal(err)
	}
	_, err = st.GetWebhookDelivery(t.Context(), second.ID)
	wantNotFound(t, "a deleted application's callback", err)
}
