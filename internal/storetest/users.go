package storetest

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

func testUsers(t *testing.T, st otp.Store) {
	p := createProject(t, st, "users")
	a := createApp(t, st, p.ID, otp.Live)
	b := createApp(t, st, p.ID, otp.Live)
	visit := func(app *otp.Application, to string, ch otp.Channel, at time.Time) {
		t.Helper()
		v := newVerification(app, to, at)
		v.Channel = ch
		createVerification(t, st, v, time.Time{})
		_, err := st.UpdateVerification(t.Context(), app.ID, v.ID, func(v *otp.Verification) (otp.Effects, error) {
			v.Status = otp.StatusVerified
			return otp.Effects{Users: []otp.UserVisit{{AppID: app.ID, Destination: to, Channel: ch, At: at}}}, nil
		})
		if err != nil {
			t.Fatalf("UpdateVerification: %v", err)
		}
	}
	visit(a, "+14155550001", otp.SMS, t0)
	visit(a, "+14155550001", otp.SMS, t0.Add(time.Hour))
	visit(a, "+14155550001", otp.Voice, t0.Add(2*time.Hour))
	visit(a, "x@example.com", otp.Email, t0.Add(30*time.Minute))
	visit(a, "+14155550002", otp.WhatsApp, t0.Add(2*time.Hour)) // same time as 0001: the destination orders
	visit(b, "+14155550001", otp.Telegram, t0)

	u, err := st.GetUser(t.Context(), a.ID, "+14155550001")
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "user", &otp.User{AppID: a.ID, Destination: "+14155550001", FirstVerified: t0, LastVerified: t0.Add(2 * time.Hour),
		Verified: map[otp.Channel]int{otp.SMS: 2, otp.Voice: 1}}, u)
	_, err = st.GetUser(t.Context(), a.ID, "+14155559999")
	wantNotFound(t, "GetUser of a destination that never verified", err)

	var got []string
	cursor := ""
	for range 10 {
		page, err := st.ListUsers(t.Context(), a.ID, otp.UserFilter{Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page {
			got = append(got, u.Destination)
		}
		if len(page) < 2 {
			break
		}
		cursor = page[len(page)-1].Cursor()
	}
	diff(t, "users, most recent first, in pages of 2", []string{"+14155550002", "+14155550001", "x@example.com"}, got)
	bs, err := st.ListUsers(t.Context(), b.ID, otp.UserFilter{Limit: 10})
	if err != nil || len(bs) != 1 || bs[0].Verified[otp.Telegram] != 1 {
		t.Errorf("b's users = %+v, %v; want only its own telegram user", bs, err)
	}

	// The event log, newest first, with the verification's fields.
	recs, err := st.ListEventLog(t.Context(), otp.EventFilter{AppID: b.ID, Limit: 10})
	if err != nil || len(recs) != 1 || recs[0].Type != otp.EventCreated || recs[0].To != "+14155550001" || recs[0].Status != otp.StatusVerified {
		t.Errorf("b's log = %+v, %v; want its one created event with the verification", recs, err)
	}
	all, err := st.ListEventLog(t.Context(), otp.EventFilter{Limit: 100})
	if err != nil || len(all) < 6 {
		t.Fatalf("the whole log = %d records, %v", len(all), err)
	}
	// Newest first: the events were written in id order (otp.NewID
	// counts up within a process).
	for i := 1; i < len(all); i++ {
		if all[i].ID >= all[i-1].ID {
			t.Fatalf("log not newest first at %d", i)
		}
	}
	next, err := st.ListEventLog(t.Context(), otp.EventFilter{Limit: 100, Cursor: all[2].Cursor})
	if err != nil || len(next) != len(all)-3 || next[0].ID != all[3].ID {
		t.Errorf("log after a cursor = %d records, want %d starting at the fourth", len(next), len(all)-3)
	}

	// The console reads verifications of every application.
	vs, err := st.ListVerifications(t.Context(), "", otp.VerificationFilter{Limit: 100})
	if err != nil || len(vs) < 6 {
		t.Fatalf("every application's verifications = %d, %v; want at least 6", len(vs), err)
	}
	byID, err := st.GetVerificationByID(t.Context(), vs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "GetVerificationByID", vs[0], byID)

	if err := st.DeleteApplication(t.Context(), a.ID); err != nil {
		t.Fatal(err)
	}
	_, err = st.GetUser(t.Context(), a.ID, "+14155550001")
	wantNotFound(t, "a deleted application's user", err)
}
