package otp_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/ratelimit"
	"github.com/otpd/otpd/internal/sqlite"
	"github.com/otpd/otpd/internal/sqlite/sqlitetest"
)

// TestDestinationBlockSurvivesRestart: the destination block is read from
// the store, so a service started afterwards (a restart, or another
// instance on the same database) refuses the destination as well.
func TestDestinationBlockSurvivesRestart(t *testing.T) {
	db, err := sqlite.Open(t.Context(), sqlitetest.Path(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	keys, err := otp.NewServerKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	clk := &testClock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	start := func() *otp.Service {
		svc, err := otp.NewService(otp.Config{Store: db, Limiter: ratelimit.NewMemory(clk.Now), Keys: keys, Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		return svc
	}
	first := start()
	f := &fixture{svc: first, clock: clk}
	a, _ := f.newApp(t, otp.Test)
	const to = "+14155552671"
	for round := range otp.SessionBlockThreshold {
		st, err := first.StartSession(t.Context(), a, otp.SessionRequest{To: to, Send: true})
		if err != nil {
			t.Fatalf("round %d: StartSession: %v", round, err)
		}
		ms, err := first.TestMessages(t.Context(), a, to)
		if err != nil || len(ms) == 0 {
			t.Fatalf("test inbox: %v, %v", ms, err)
		}
		bad := "1" + ms[0].Code[1:]
		if ms[0].Code[0] == '1' {
			bad = "2" + ms[0].Code[1:]
		}
		for range 5 {
			if _, err := first.CheckSession(t.Context(), a, st.Session.ID, bad); code(err) != otp.CodeInvalidParameter {
				t.Fatalf("round %d: wrong code: %v", round, err)
			}
		}
		if _, err := first.CheckSession(t.Context(), a, st.Session.ID, ms[0].Code); code(err) != otp.CodeForbidden {
			t.Fatalf("round %d: the right code after five wrong ones: %v, want the session blocked", round, err)
		}
		clk.Advance(5 * time.Minute)
	}
	restarted := start()
	_, err = restarted.StartSession(t.Context(), a, otp.SessionRequest{To: to})
	if e := otp.ErrorOf(err); e == nil || e.Key != "destination_blocked" || e.RetryAfter != 55*time.Minute {
		t.Fatalf("StartSession after a restart = %v, want destination_blocked for 55 more minutes", err)
	}
}
