package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

func newSession(a *otp.Application, to string, created time.Time) *otp.VerificationSession {
	return &otp.VerificationSession{
		ID: otp.NewULID(created), AppID: a.ID, To: to, Locale: "ru", Status: otp.SessionOpen,
		LastSent: map[otp.Channel]time.Time{}, CreatedAt: created, ExpiresAt: created.Add(3 * time.Minute),
	}
}

func createSession(t *testing.T, st otp.Store, s *otp.VerificationSession) {
	t.Helper()
	if err := st.CreateVerificationSession(t.Context(), s); err != nil {
		t.Fatalf("CreateVerificationSession: %v", err)
	}
}

// testVerificationSessions: a session reads back as written; a
// destination has one open session at a time, an expired one giving way;
// sessions are the application's own.
func testVerificationSessions(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "p")
	a := createApp(t, st, p.ID, otp.Test)
	other := createApp(t, st, p.ID, otp.Test)

	s := newSession(a, "+14155552671", t0)
	s.LastSent = map[otp.Channel]time.Time{otp.SMS: t0.Add(time.Second)}
	createSession(t, st, s)
	got, err := st.GetVerificationSession(ctx, a.ID, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "GetVerificationSession", s, got)
	_, err = st.GetVerificationSession(ctx, other.ID, s.ID)
	wantNotFound(t, "GetVerificationSession of another application", err)

	got, err = st.LiveVerificationSession(ctx, a.ID, s.To, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "LiveVerificationSession", s, got)
	_, err = st.LiveVerificationSession(ctx, a.ID, s.To, s.ExpiresAt)
	wantNotFound(t, "LiveVerificationSession at its expiry", err)
	_, err = st.LiveVerificationSession(ctx, other.ID, s.To, t0)
	wantNotFound(t, "LiveVerificationSession of another application", err)

	second := newSession(a, s.To, t0.Add(time.Minute))
	wantErr(t, "a second open session of the destination", st.CreateVerificationSession(ctx, second), otp.ErrConflict)
	// Another application's session of the same destination is its own.
	createSession(t, st, newSession(other, s.To, t0.Add(time.Minute)))

	// Once the first has expired, a new one opens, and is the live one.
	third := newSession(a, s.To, s.ExpiresAt)
	createSession(t, st, third)
	got, err = st.LiveVerificationSession(ctx, a.ID, s.To, s.ExpiresAt)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != third.ID {
		t.Errorf("live session = %s, want the new one %s", got.ID, third.ID)
	}
	if old, err := st.GetVerificationSession(ctx, a.ID, s.ID); err != nil || old.Status != otp.SessionOpen {
		t.Errorf("the expired session = %+v, %v; want it kept as it was", old, err)
	}
}

// testUpdateVerificationSession: a change writes the session, the
// verification it returns (inserted when new, updated when the session's)
// and its effects in one transaction; a failed change writes nothing; a
// closed session frees its destination.
func testUpdateVerificationSession(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "p")
	a := createApp(t, st, p.ID, otp.Test)
	s := newSession(a, "+14155552671", t0)
	createSession(t, st, s)

	// The first send: no verification yet, a new one inserted.
	v := newVerification(a, s.To, t0)
	gotS, gotV, err := st.UpdateVerificationSession(ctx, a.ID, s.ID, func(cur *otp.VerificationSession, cv *otp.Verification) (*otp.Verification, otp.SessionWrite, error) {
		if cv != nil {
			t.Errorf("verification of a session without one = %+v, want nil", cv)
		}
		cur.VerificationID = v.ID
		cur.LastSent[otp.SMS] = t0.Add(time.Second)
		return v, otp.SessionWrite{Effects: otp.Effects{Events: []otp.Event{newEvent(otp.EventCreated, v, t0)}}}, nil
	})
	if err != nil {
		t.Fatalf("UpdateVerificationSession (insert): %v", err)
	}
	if gotV != v || gotS.VerificationID != v.ID {
		t.Errorf("returned %+v, %+v; want the session with the new verification", gotS, gotV)
	}
	diff(t, "the inserted verification", v, getVerification(t, st, a.ID, v.ID))
	s.VerificationID, s.LastSent = v.ID, map[otp.Channel]time.Time{otp.SMS: t0.Add(time.Second)}
	got, err := st.GetVerificationSession(ctx, a.ID, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "session after the first send", s, got)

	// A failed change writes nothing.
	boom := errors.New("boom")
	_, _, err = st.UpdateVerificationSession(ctx, a.ID, s.ID, func(cur *otp.VerificationSession, cv *otp.Verification) (*otp.Verification, otp.SessionWrite, error) {
		cur.Status = otp.SessionBlocked
		cv.Attempts = 99
		return cv, otp.SessionWrite{}, boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("failed change: error = %v, want the change's", err)
	}
	if got := getVerification(t, st, a.ID, v.ID); got.Attempts != v.Attempts {
		t.Errorf("attempts = %d after a failed change, want %d", got.Attempts, v.Attempts)
	}

	// The current verification is handed over and written back; the
	// session is verified, with its token.
	tok := &otp.VerifyToken{Hash: sum("token"), AppID: a.ID, SessionID: s.ID, VerificationID: v.ID, To: s.To,
		Channel: otp.SMS, VerifiedAt: t0.Add(time.Minute), ExpiresAt: t0.Add(11 * time.Minute)}
	_, _, err = st.UpdateVerificationSession(ctx, a.ID, s.ID, func(cur *otp.VerificationSession, cv *otp.Verification) (*otp.Verification, otp.SessionWrite, error) {
		if cv == nil || cv.ID != v.ID {
			return nil, otp.SessionWrite{}, fmt.Errorf("verification handed to the change = %+v, want %s", cv, v.ID)
		}
		cv.Attempts++
		cv.Status = otp.StatusVerified
		cur.Status, cur.ClosedAt = otp.SessionVerified, t0.Add(time.Minute)
		return cv, otp.SessionWrite{Token: tok, Effects: otp.Effects{Events: []otp.Event{newEvent(otp.EventVerified, cv, t0)},
			Users: []otp.UserVisit{{AppID: a.ID, Destination: s.To, Channel: otp.SMS, At: t0.Add(time.Minute)}}}}, nil
	})
	if err != nil {
		t.Fatalf("UpdateVerificationSession (update): %v", err)
	}
	if got := getVerification(t, st, a.ID, v.ID); got.Attempts != v.Attempts+1 || got.Status != otp.StatusVerified {
		t.Errorf("verification = %d attempts, %s; want %d, verified", got.Attempts, got.Status, v.Attempts+1)
	}
	if u, err := st.GetUser(ctx, a.ID, s.To); err != nil || u.Verified[otp.SMS] != 1 {
		t.Errorf("user = %+v, %v; want one sms verification", u, err)
	}
	if types, ok := eventTypes(t, st, a.ID); ok && (count(types, otp.EventCreated) != 1 || count(types, otp.EventVerified) != 1) {
		t.Errorf("events = %v, want one created and one verified", types)
	}
	redeemed, err := st.RedeemVerifyToken(ctx, a.ID, tok.Hash, t0.Add(2*time.Minute))
	if err != nil {
		t.Fatalf("RedeemVerifyToken: %v", err)
	}
	diff(t, "the token written with the change", tok, redeemed)

	// A closed session is no longer live, and a new one may open.
	_, err = st.LiveVerificationSession(ctx, a.ID, s.To, t0.Add(time.Minute))
	wantNotFound(t, "LiveVerificationSession of a verified session", err)
	createSession(t, st, newSession(a, s.To, t0.Add(time.Minute)))

	_, _, err = st.UpdateVerificationSession(ctx, "app_other", s.ID, func(*otp.VerificationSession, *otp.Verification) (*otp.Verification, otp.SessionWrite, error) {
		t.Error("change called for another application's session")
		return nil, otp.SessionWrite{}, nil
	})
	wantNotFound(t, "UpdateVerificationSession of another application", err)
}

// testVerifyTokens: a token is redeemed once, only by its application,
// only before it expires; of many concurrent redemptions one succeeds.
func testVerifyTokens(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "p")
	a := createApp(t, st, p.ID, otp.Test)
	other := createApp(t, st, p.ID, otp.Test)
	s := newSession(a, "user@example.com", t0)
	createSession(t, st, s)
	issue := func(name string) *otp.VerifyToken {
		tok := &otp.VerifyToken{Hash: sum(name), AppID: a.ID, SessionID: s.ID, VerificationID: "ver_1", To: s.To,
			Channel: otp.Email, VerifiedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)}
		_, _, err := st.UpdateVerificationSession(ctx, a.ID, s.ID, func(*otp.VerificationSession, *otp.Verification) (*otp.Verification, otp.SessionWrite, error) {
			return nil, otp.SessionWrite{Token: tok}, nil
		})
		if err != nil {
			t.Fatalf("issue %s: %v", name, err)
		}
		return tok
	}

	once := issue("once")
	_, err := st.RedeemVerifyToken(ctx, other.ID, once.Hash, t0)
	wantNotFound(t, "RedeemVerifyToken by another application", err)
	if _, err := st.RedeemVerifyToken(ctx, a.ID, once.Hash, t0); err != nil {
		t.Fatalf("RedeemVerifyToken: %v", err)
	}
	_, err = st.RedeemVerifyToken(ctx, a.ID, once.Hash, t0)
	wantNotFound(t, "RedeemVerifyToken a second time", err)

	late := issue("late")
	_, err = st.RedeemVerifyToken(ctx, a.ID, late.Hash, late.ExpiresAt)
	wantNotFound(t, "RedeemVerifyToken at its expiry", err)

	raced := issue("raced")
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			_, err := st.RedeemVerifyToken(ctx, a.ID, raced.Hash, t0)
			switch {
			case err == nil:
				wins.Add(1)
			case !errors.Is(err, otp.ErrNotFound):
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Errorf("%d of 16 concurrent redemptions succeeded, want 1", n)
	}
}

// testSessionBlocksAndSweep: block times are listed newest first from a
// time on; the sweep removes ended sessions and expired tokens only; a
// deleted application takes its sessions and tokens along.
func testSessionBlocksAndSweep(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "p")
	a := createApp(t, st, p.ID, otp.Test)
	kept := createApp(t, st, p.ID, otp.Test)
	to := "+14155552671"
	block := func(app *otp.Application, at time.Time) *otp.VerificationSession {
		s := newSession(app, to, at.Add(-time.Minute))
		createSession(t, st, s)
		_, _, err := st.UpdateVerificationSession(ctx, app.ID, s.ID, func(cur *otp.VerificationSession, _ *otp.Verification) (*otp.Verification, otp.SessionWrite, error) {
			cur.Status, cur.ClosedAt = otp.SessionBlocked, at
			return nil, otp.SessionWrite{}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := block(a, t0)
	block(a, t0.Add(10*time.Minute))
	block(a, t0.Add(20*time.Minute))
	block(kept, t0.Add(5*time.Minute))
	got, err := st.ListSessionBlocks(ctx, a.ID, to, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "ListSessionBlocks", []time.Time{t0.Add(20 * time.Minute), t0.Add(10 * time.Minute)}, got)

	live := issueToken(t, st, a, first, "live", t0.Add(time.Hour))
	issueToken(t, st, a, first, "expired", t0.Add(time.Minute))
	if _, err := st.DeleteEndedVerificationSessions(ctx, first.ExpiresAt.Add(time.Microsecond), t0.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	_, err = st.GetVerificationSession(ctx, a.ID, first.ID)
	wantNotFound(t, "a session expired before the sweep's time", err)
	got, err = st.ListSessionBlocks(ctx, a.ID, to, t0)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "ListSessionBlocks after the sweep", []time.Time{t0.Add(20 * time.Minute), t0.Add(10 * time.Minute)}, got)
	if _, err := st.RedeemVerifyToken(ctx, a.ID, sum("expired"), t0); !errors.Is(err, otp.ErrNotFound) {
		t.Errorf("an expired token redeemed after the sweep: %v", err)
	}

	if err := st.DeleteApplication(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := st.ListSessionBlocks(ctx, a.ID, to, t0); err != nil || len(got) != 0 {
		t.Errorf("blocks of a deleted application = %v, %v; want none", got, err)
	}
	_, err = st.RedeemVerifyToken(ctx, a.ID, live.Hash, t0)
	wantNotFound(t, "a token of a deleted application", err)
	if got, err := st.ListSessionBlocks(ctx, kept.ID, to, t0); err != nil || len(got) != 1 {
		t.Errorf("blocks of the other application = %v, %v; want its one", got, err)
	}
}

func issueToken(t *testing.T, st otp.Store, a *otp.Application, s *otp.VerificationSession, name string, expires time.Time) *otp.VerifyToken {
	t.Helper()
	tok := &otp.VerifyToken{Hash: sum(name), AppID: a.ID, SessionID: s.ID, VerificationID: "ver_1", To: s.To,
		Channel: otp.SMS, VerifiedAt: t0, ExpiresAt: expires}
	_, _, err := st.UpdateVerificationSession(t.Context(), a.ID, s.ID, func(*otp.VerificationSession, *otp.Verification) (*otp.Verification, otp.SessionWrite, error) {
		return nil, otp.SessionWrite{Token: tok}, nil
	})
	if err != nil {
		t.Fatalf("issue token %s: %v", name, err)
	}
	return tok
}
