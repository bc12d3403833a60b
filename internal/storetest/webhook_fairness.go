package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// fairQueue queues deliveries for endpoints and claims them, for the
// fair-scheduling tests.
type fairQueue struct {
	t  *testing.T
	st otp.Store
	n  int
}

func (q *fairQueue) endpoint(a *otp.Application) *otp.Webhook {
	q.t.Helper()
	w := &otp.Webhook{ID: otp.NewID("whk"), AppID: a.ID, URL: "https://hooks.example.com/", Signing: otp.SigningStandard,
		Status: otp.WebhookEnabled, CreatedAt: t0, UpdatedAt: t0}
	if err := q.st.CreateWebhook(q.t.Context(), w); err != nil {
		q.t.Fatal(err)
	}
	return w
}

// enqueue queues one delivery for w, due a second after the last one.
func (q *fairQueue) enqueue(w *otp.Webhook) string {
	q.t.Helper()
	q.n++
	at := t0.Add(time.Duration(q.n) * time.Second)
	d := otp.WebhookDelivery{ID: otp.NewID("whd"), WebhookID: w.ID, AppID: w.AppID, EventID: otp.NewID("evt"),
		EventType: otp.EventCreated, Payload: []byte(`{}`), Status: otp.WebhookPending, NextAttemptAt: at, CreatedAt: at, UpdatedAt: at}
	if err := q.st.ConsumeEvents(q.t.Context(), []otp.WebhookDelivery{d}, nil, nil, nil, nil); err != nil {
		q.t.Fatal(err)
	}
	return d.ID
}

var fairNow = t0.Add(time.Hour)

// claim claims up to limit with an application cap of perApp and
// returns the ids, sorted, and the deliveries by id.
func (q *fairQueue) claim(limit, perApp int) ([]string, map[string]otp.WebhookDelivery) {
	q.t.Helper()
	ds, err := q.st.ClaimWebhookDeliveries(q.t.Context(), fairNow, fairNow.Add(time.Minute), limit, perApp)
	if err != nil {
		q.t.Fatal(err)
	}
	var ids []string
	byID := map[string]otp.WebhookDelivery{}
	for _, d := range ds {
		ids = append(ids, d.ID)
		byID[d.ID] = d
	}
	slices.Sort(ids)
	return ids, byID
}

// finish records d delivered by an attempt that was slow or not.
func (q *fairQueue) finish(d otp.WebhookDelivery, slow bool) {
	q.t.Helper()
	d.Status = otp.WebhookDelivered
	a := &otp.WebhookAttempt{DeliveryID: d.ID, Attempt: d.Attempts, At: fairNow, StatusCode: 200, Slow: slow}
	if err := q.st.RecordWebhookAttempt(q.t.Context(), &d, d.Attempts, a, nil); err != nil {
		q.t.Fatal(err)
	}
}

func sortedIDs(ids ...string) []string {
	return slices.Sorted(slices.Values(ids))
}

// testWebhookFairClaims: claims go round-robin across applications and
// never leave one more than its cap in flight, however old its backlog.
func testWebhookFairClaims(t *testing.T, st otp.Store) {
	q := &fairQueue{t: t, st: st}
	p := createProject(t, st, "fair")
	busy, quiet := q.endpoint(createApp(t, st, p.ID, otp.Live)), q.endpoint(createApp(t, st, p.ID, otp.Live))
	var old, late []string
	for range 6 {
		old = append(old, q.enqueue(busy)) // the busy application's backlog, older than anything else
	}
	for range 3 {
		late = append(late, q.enqueue(quiet))
	}
	// Two free senders: one delivery of each application, not the busy
	// one's two oldest.
	got, _ := q.claim(2, 2)
	diff(t, "first claim of 2", sortedIDs(old[0], late[0]), got)
	// Every sender free: each application up to its cap of 2 in flight.
	got, _ = q.claim(10, 2)
	diff(t, "second claim", sortedIDs(old[1], late[1]), got)
	if got, _ = q.claim(10, 2); len(got) != 0 {
		t.Errorf("claim with both applications at their cap = %v; want none", got)
	}
	// A post of the quiet application ends: its slot goes to its next.
	ds, err := st.GetWebhookDelivery(t.Context(), late[0])
	if err != nil {
		t.Fatal(err)
	}
	q.finish(*ds, false)
	got, _ = q.claim(10, 2)
	diff(t, "claim after the quiet application's post ended", []string{late[2]}, got)
}

// testWebhookSlowEndpoint: an endpoint whose attempts were mostly slow
// gets one delivery in flight, while its application's other endpoints
// keep their turns; fast attempts bring it back.
func testWebhookSlowEndpoint(t *testing.T, st otp.Store) {
	q := &fairQueue{t: t, st: st}
	p := createProject(t, st, "slow")
	a := createApp(t, st, p.ID, otp.Live)
	slow, other := q.endpoint(a), q.endpoint(a)
	var ds []string
	for range 4 {
		ds = append(ds, q.enqueue(slow))
	}
	fresh := q.enqueue(other)
	for i := range otp.WebhookSlowScore { // that many slow attempts make it slow
		got, claimed := q.claim(1, 3)
		diff(t, "claim of one", []string{ds[i]}, got)
		q.finish(claimed[ds[i]], true)
	}
	got, _ := q.claim(10, 3)
	diff(t, "claim with a slow endpoint", sortedIDs(ds[2], fresh), got)
	if got, _ = q.claim(10, 3); len(got) != 0 {
		t.Errorf("claim with the slow endpoint's one in flight = %v; want none", got)
	}
	d, err := st.GetWebhookDelivery(t.Context(), ds[2])
	if err != nil {
		t.Fatal(err)
	}
	q.finish(*d, false) // a fast attempt: the score drops below WebhookSlowScore
	got, _ = q.claim(10, 3)
	diff(t, "claim after a fast attempt", []string{ds[3]}, got)
}
