package sqlite_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/sqlite"
)

// Migration 0036 numbers the events and puts the consumer's cursor after
// those it had marked consumed: the consumer then takes exactly the
// others, in id order, and events written later come after them.
func TestMigrateEventsToCursor(t *testing.T) {
	path, conn, closeDB := olderDatabase(t, "0036")
	// Consumed and unconsumed events interleaved in id order, as a
	// consumer that read by id left them when later ids committed first.
	var pending []string
	for i, dispatched := range []int{1, 0, 1, 1, 0, 0, 1} {
		id := fmt.Sprintf("evt_%032d", i)
		_, err := conn.ExecContext(t.Context(), `INSERT INTO events (id, type, app_id, verification_id, created_at, dispatched,
			channel, country, cost_micros, cost_currency) VALUES ($1, 'otp.created', 'app_1', 'ver_1', 1000000, $2, 'sms', 'US', 0, '')`,
			id, dispatched)
		if err != nil {
			t.Fatal(err)
		}
		if dispatched == 0 {
			pending = append(pending, id)
		}
	}
	closeDB()

	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs, err := st.ListUndispatchedEvents(t.Context(), 100)
	if err != nil {
		t.Fatal(err)
	}
	if got := eventIDs(evs); !slices.Equal(got, pending) {
		t.Fatalf("events to consume after the migration = %v, want %v", got, pending)
	}
	if err := st.ConsumeEvents(t.Context(), nil, nil, nil, nil, evs); err != nil {
		t.Fatal(err)
	}
	// A new event comes after every migrated one.
	e := otp.Event{ID: otp.NewID("evt"), Type: otp.EventFraudBlocked, AppID: "app_1", CreatedAt: time.Now()}
	if err := st.AddEvents(t.Context(), []otp.Event{e}); err != nil {
		t.Fatal(err)
	}
	evs, err = st.ListUndispatchedEvents(t.Context(), 100)
	if err != nil {
		t.Fatal(err)
	}
	if got := eventIDs(evs); !slices.Equal(got, []string{e.ID}) {
		t.Errorf("events to consume after a new one = %v, want %v", got, []string{e.ID})
	}
}

func eventIDs(evs []otp.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}
