package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// verifiedUser writes a finished verification of to in app that adds a
// user record at at, with a test-inbox message.
func verifiedUser(t *testing.T, st otp.Store, app *otp.Application, to string, at time.Time) *otp.Verification {
	t.Helper()
	v := newVerification(app, to, at)
	v.Status = otp.StatusVerified // finished from the start: a pending one would supersede the test's pending one
	fx := otp.Effects{Events: []otp.Event{newEvent(otp.EventCreated, v, at)}, Messages: []otp.Message{inboxMessage(v, at)}}
	if err := st.CreateVerification(t.Context(), v, fx, nil); err != nil {
		t.Fatalf("CreateVerification: %v", err)
	}
	_, err := st.UpdateVerification(t.Context(), app.ID, v.ID, func(v *otp.Verification) (otp.Effects, error) {
		v.Status = otp.StatusVerified
		return otp.Effects{Users: []otp.UserVisit{{AppID: app.ID, Destination: to, Channel: otp.SMS, At: at}}}, nil
	})
	if err != nil {
		t.Fatalf("UpdateVerification: %v", err)
	}
	return v
}

func testEraseUser(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "erasure")
	a, b := createApp(t, st, p.ID, otp.Test), createApp(t, st, p.ID, otp.Test)
	const who, other = "+14155550101", "+14155550102"
	done := verifiedUser(t, st, a, who, t0)
	kept := verifiedUser(t, st, b, who, t0)        // another application's
	bystander := verifiedUser(t, st, a, other, t0) // another person's
	consumeAll(t, st, 3)
	pending := newVerification(a, who, t0.Add(time.Minute)) // still running: left, and counted
	createVerification(t, st, pending, time.Time{})
	for _, prov := range []string{"telegram-bot", "other-bot"} {
		if err := st.SaveChatLink(ctx, otp.ChatLink{Provider: prov, Phone: who, ChatID: "42", LinkedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}

	got, err := st.EraseUser(ctx, otp.UserErasure{Destination: who, AppIDs: []string{a.ID}})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "erasure in a", otp.ErasedUser{Users: 1, Verifications: 1, TestMessages: 1, Remaining: 1}, got)
	wantNotFound(t, "GetUser after the erasure", errOf(st.GetUser(ctx, a.ID, who)))
	wantNotFound(t, "the erased verification", errOf(st.GetVerification(ctx, a.ID, done.ID)))
	if ms, err := st.ListTestMessages(ctx, a.ID, who, time.Time{}, 10); err != nil || len(ms) != 0 {
		t.Errorf("a's test inbox of the erased destination = %d messages, %v; want none", len(ms), err)
	}
	if ms, ok := messages(t, st, a.ID, done.ID); ok && len(ms) != 0 {
		t.Errorf("messages of the erased verification = %v, want none", ms)
	}
	if evs, ok := events(t, st, a.ID); ok {
		for _, e := range evs {
			if e.VerificationID == done.ID {
				t.Errorf("event %s of the erased verification is left", e.Type)
			}
		}
	}
	getVerification(t, st, a.ID, pending.ID)
	getVerification(t, st, a.ID, bystander.ID)
	getVerification(t, st, b.ID, kept.ID)
	for _, u := range []struct{ app, to string }{{a.ID, other}, {b.ID, who}} {
		if _, err := st.GetUser(ctx, u.app, u.to); err != nil {
			t.Errorf("GetUser(%s, %s) after another's erasure: %v", u.app, u.to, err)
		}
	}
	if ms, err := st.ListTestMessages(ctx, b.ID, who, time.Time{}, 10); err != nil || len(ms) != 1 {
		t.Errorf("b's test inbox = %d messages, %v; want its one", len(ms), err)
	}
	if _, err := st.GetChatLink(ctx, "telegram-bot", who); err != nil {
		t.Errorf("a chat link went with an erasure in one application: %v", err)
	}

	// Over every application, with the chat links.
	got, err = st.EraseUser(ctx, otp.UserErasure{Destination: who, AppIDs: []string{a.ID, b.ID}, ChatLinks: true})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "erasure everywhere", otp.ErasedUser{Users: 1, Verifications: 1, TestMessages: 1, ChatLinks: 2, Remaining: 1}, got)
	wantNotFound(t, "the chat link after the erasure", errOf(st.GetChatLink(ctx, "telegram-bot", who)))
	if got, err := st.EraseUser(ctx, otp.UserErasure{Destination: who, AppIDs: nil, ChatLinks: false}); err != nil || got != (otp.ErasedUser{}) {
		t.Errorf("erasure in no application = %+v, %v; want nothing", got, err)
	}

	// An unconsumed event keeps its finished verification until it is counted.
	late := verifiedUser(t, st, a, who, t0.Add(time.Hour))
	got, err = st.EraseUser(ctx, otp.UserErasure{Destination: who, AppIDs: []string{a.ID}})
	if err != nil || got.Verifications != 0 || got.Remaining != 2 || got.Users != 1 {
		t.Errorf("erasure with an unconsumed event = %+v, %v; want the user, and 2 verifications remaining", got, err)
	}
	consumeAll(t, st, 2) // pending's and late's
	got, err = st.EraseUser(ctx, otp.UserErasure{Destination: who, AppIDs: []string{a.ID}})
	if err != nil || got.Verifications != 1 || got.Remaining != 1 {
		t.Errorf("erasure once consumed = %+v, %v; want %s removed, the pending one remaining", got, err, late.ID)
	}
}

func testDeleteUsersBefore(t *testing.T, st otp.Store) {
	p := createProject(t, st, "user retention")
	a := createApp(t, st, p.ID, otp.Live)
	for i := range 5 {
		verifiedUser(t, st, a, fmt.Sprintf("+1415555020%d", i), t0.Add(time.Duration(i)*time.Hour))
	}
	n, err := st.DeleteUsersBefore(t.Context(), t0.Add(3*time.Hour), 2)
	if err != nil || n != 2 {
		t.Fatalf("DeleteUsersBefore(limit 2) = %d, %v; want 2", n, err)
	}
	n, err = st.DeleteUsersBefore(t.Context(), t0.Add(3*time.Hour), 100)
	if err != nil || n != 1 {
		t.Fatalf("DeleteUsersBefore again = %d, %v; want the third", n, err)
	}
	us, err := st.ListUsers(t.Context(), a.ID, otp.UserFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, u := range us {
		left = append(left, u.Destination)
	}
	diff(t, "users verified since the cut", []string{"+14155550204", "+14155550203"}, left)
}

func testQuotaBoundUnderConcurrency(t *testing.T, st otp.Store) {
	dev := &otp.Developer{ID: otp.NewID("dev"), Email: "quota@example.com", Plan: otp.DefaultPlan, CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateDeveloper(t.Context(), dev); err != nil {
		t.Fatal(err)
	}
	const max, tries = 3, 16
	race := func(what string, create func(i int) error) {
		t.Helper()
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			created  int
			failures []error
		)
		for i := range tries {
			wg.Go(func() {
				err := create(i)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					created++
				case !errors.Is(err, otp.ErrConflict):
					failures = append(failures, err)
				}
			})
		}
		wg.Wait()
		for _, err := range failures {
			t.Errorf("%s: %v, want success or ErrConflict", what, err)
		}
		if created != max {
			t.Errorf("%s: %d of %d concurrent creations succeeded, want the bound %d", what, created, tries, max)
		}
	}
	race("CreateProjectWithQuota", func(i int) error {
		return st.CreateProjectWithQuota(t.Context(), &otp.Project{ID: otp.NewID("prj"), Name: fmt.Sprint("p", i),
			Policy: otp.DefaultPolicy(), OwnerID: dev.ID, CreatedAt: t0, UpdatedAt: t0}, max)
	})
	ps, err := st.ListProjects(t.Context(), otp.ProjectFilter{OwnerID: &dev.ID})
	if err != nil || len(ps) != max {
		t.Fatalf("ListProjects = %d, %v; want %d", len(ps), err, max)
	}
	race("CreateApplicationWithQuota", func(int) error {
		return st.CreateApplicationWithQuota(t.Context(), newApp(ps[0].ID, otp.Live), max)
	})
	as, err := st.ListApplications(t.Context(), otp.ApplicationFilter{ProjectID: ps[0].ID})
	if err != nil || len(as) != max {
		t.Errorf("ListApplications = %d, %v; want %d", len(as), err, max)
	}
	// Another project's count is its own; unknown owners and projects are not found.
	if err := st.CreateApplicationWithQuota(t.Context(), newApp(ps[1].ID, otp.Live), max); err != nil {
		t.Errorf("CreateApplicationWithQuota in another project: %v", err)
	}
	wantNotFound(t, "CreateApplicationWithQuota in no project", st.CreateApplicationWithQuota(t.Context(), newApp("prj_none", otp.Live), max))
	wantNotFound(t, "CreateProjectWithQuota of no developer", st.CreateProjectWithQuota(t.Context(),
		&otp.Project{ID: otp.NewID("prj"), Name: "x", Policy: otp.DefaultPolicy(), OwnerID: "dev_none", CreatedAt: t0, UpdatedAt: t0}, max))
}

func testCreateDeveloperWithInvitation(t *testing.T, st otp.Store) {
	ctx := t.Context()
	taken := &otp.Developer{ID: otp.NewID("dev"), Email: "taken@example.com", Plan: otp.DefaultPlan, CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateDeveloper(ctx, taken); err != nil {
		t.Fatal(err)
	}
	inv := &otp.Invitation{TokenHash: sum("inv"), Email: "taken@example.com", CreatedAt: t0, ExpiresAt: t0.Add(otp.InvitationTTL)}
	if err := st.CreateInvitation(ctx, inv); err != nil {
		t.Fatal(err)
	}
	dup := &otp.Developer{ID: otp.NewID("dev"), Email: "taken@example.com", Plan: otp.DefaultPlan, CreatedAt: t0, UpdatedAt: t0}
	wantErr(t, "CreateDeveloperWithInvitation with a taken email", st.CreateDeveloperWithInvitation(ctx, dup, sum("inv"), t0), otp.ErrConflict)
	if got, err := st.GetInvitation(ctx, sum("inv")); err != nil || !got.UsedAt.IsZero() {
		t.Fatalf("the invitation after a failed creation = %+v, %v; want it unused", got, err)
	}
	fresh := &otp.Developer{ID: otp.NewID("dev"), Email: "fresh@example.com", Plan: otp.DefaultPlan, CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateDeveloperWithInvitation(ctx, fresh, sum("inv"), t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, err := st.GetInvitation(ctx, sum("inv")); err != nil || !got.UsedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("the invitation after the creation = %+v, %v; want it used", got, err)
	}
	again := &otp.Developer{ID: otp.NewID("dev"), Email: "again@example.com", Plan: otp.DefaultPlan, CreatedAt: t0, UpdatedAt: t0}
	wantNotFound(t, "CreateDeveloperWithInvitation with a used invitation", st.CreateDeveloperWithInvitation(ctx, again, sum("inv"), t0))
	wantNotFound(t, "the account of a used invitation", errOf(st.GetDeveloper(ctx, again.ID)))
	wantNotFound(t, "CreateDeveloperWithInvitation with no invitation", st.CreateDeveloperWithInvitation(ctx, again, sum("none"), t0))
}

// errOf keeps the error of a two-valued call.
func errOf[T any](_ T, err error) error { return err }
