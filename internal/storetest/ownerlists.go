package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// ownerWorld is what testOwnerLists reads: two applications of "mine" (in
// two projects), one of another developer and one of the operator.
type ownerWorld struct {
	mine, theirs       string
	a1, a2, b, op      *otp.Application
	myVerifications    []string // newest first
	allVerifications   []string // newest first
	myUsers, allUsers  []string // "destination app", in list order
	userAt             time.Time
	theirVerifications []string
}

func ownedApp(t *testing.T, st otp.Store, owner string) *otp.Application {
	t.Helper()
	p := &otp.Project{ID: otp.NewID("prj"), Name: "p", Policy: otp.DefaultPolicy(), OwnerID: owner, CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateProject(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	return createApp(t, st, p.ID, otp.Live)
}

// verifiedBy creates a verification of app to to, verified at at.
func verifiedBy(t *testing.T, st otp.Store, app *otp.Application, to string, at time.Time) string {
	t.Helper()
	v := newVerification(app, to, at)
	createVerification(t, st, v, time.Time{})
	_, err := st.UpdateVerification(t.Context(), app.ID, v.ID, func(v *otp.Verification) (otp.Effects, error) {
		v.Status = otp.StatusVerified
		return otp.Effects{Users: []otp.UserVisit{{AppID: app.ID, Destination: to, Channel: otp.SMS, At: at}}}, nil
	})
	if err != nil {
		t.Fatalf("UpdateVerification: %v", err)
	}
	return v.ID
}

func newOwnerWorld(t *testing.T, st otp.Store) ownerWorld {
	w := ownerWorld{mine: "dev_mine", theirs: "dev_theirs"}
	w.a1, w.a2 = ownedApp(t, st, w.mine), ownedApp(t, st, w.mine)
	w.b, w.op = ownedApp(t, st, w.theirs), ownedApp(t, st, "")
	w.userAt = t0.Add(time.Hour)
	// In creation order, so ids ascend; the lists are newest first.
	for i, c := range []struct {
		app *otp.Application
		to  string
	}{
		{w.a1, "+14155550001"}, {w.b, "+14155550001"}, {w.a2, "+14155550002"}, {w.op, "+14155550003"},
		{w.a1, "+14155550004"}, {w.a2, "+14155550004"}, {w.b, "+14155550005"},
	} {
		// Two of mine verify the same number at the same time: the
		// application breaks the tie.
		at := t0.Add(time.Duration(i) * time.Minute)
		if c.to == "+14155550004" {
			at = w.userAt
		}
		id := verifiedBy(t, st, c.app, c.to, at)
		w.allVerifications = append([]string{id}, w.allVerifications...)
		switch c.app {
		case w.a1, w.a2:
			w.myVerifications = append([]string{id}, w.myVerifications...)
		case w.b:
			w.theirVerifications = append(w.theirVerifications, id)
		}
	}
	hi, lo := w.a1.ID, w.a2.ID
	if hi < lo {
		hi, lo = lo, hi
	}
	w.myUsers = []string{"+14155550004 " + hi, "+14155550004 " + lo, "+14155550002 " + w.a2.ID, "+14155550001 " + w.a1.ID}
	return w
}

// testOwnerLists: the lists across applications (no application named)
// keep, for an owner, the rows of its applications only, in the same
// order and pages as any list, and for nil every application's; an owner
// without applications reads nothing.
func testOwnerLists(t *testing.T, st otp.Store) {
	ctx := t.Context()
	w := newOwnerWorld(t, st)
	nobody := "dev_nobody"

	pageVerifications := func(f otp.VerificationFilter) []string {
		t.Helper()
		var ids []string
		for range 20 {
			vs, err := st.ListVerifications(ctx, "", f)
			if err != nil {
				t.Fatalf("ListVerifications: %v", err)
			}
			for _, v := range vs {
				ids = append(ids, v.ID)
			}
			if len(vs) < f.Limit {
				return ids
			}
			f.Cursor = vs[len(vs)-1].ID
		}
		t.Fatal("ListVerifications never ends")
		return nil
	}
	diff(t, "my verifications in pages of 2", w.myVerifications, pageVerifications(otp.VerificationFilter{OwnerID: &w.mine, Limit: 2}))
	diff(t, "their verifications", []string{w.theirVerifications[1], w.theirVerifications[0]},
		pageVerifications(otp.VerificationFilter{OwnerID: &w.theirs, Limit: 10}))
	diff(t, "every verification", w.allVerifications, pageVerifications(otp.VerificationFilter{Limit: 3}))
	if got := pageVerifications(otp.VerificationFilter{OwnerID: &nobody, Limit: 5}); len(got) != 0 {
		t.Errorf("verifications of an owner without applications = %v, want none", got)
	}
	if got := pageVerifications(otp.VerificationFilter{OwnerID: &w.mine, To: "+14155550004", Limit: 5}); len(got) != 2 {
		t.Errorf("my verifications to +14155550004 = %v, want 2", got)
	}
	if vs, err := st.ListVerifications(ctx, "", otp.VerificationFilter{OwnerID: &w.mine}); err != nil || len(vs) != len(w.myVerifications) {
		t.Errorf("my verifications without a limit = %d, %v; want %d", len(vs), err, len(w.myVerifications))
	}
	// A named application wins over the owner.
	if vs, err := st.ListVerifications(ctx, w.b.ID, otp.VerificationFilter{OwnerID: &w.mine, Limit: 10}); err != nil || len(vs) != 2 {
		t.Errorf("b's verifications with my owner filter = %d, %v; want b's 2", len(vs), err)
	}

	pageLog := func(f otp.EventFilter) []string {
		t.Helper()
		var ids []string
		for range 20 {
			recs, err := st.ListEventLog(ctx, f)
			if err != nil {
				t.Fatalf("ListEventLog: %v", err)
			}
			for _, r := range recs {
				ids = append(ids, r.VerificationID)
				if r.To == "" || r.Status != otp.StatusVerified {
					t.Errorf("log record %+v lacks its verification", r)
				}
			}
			if len(recs) < f.Limit {
				return ids
			}
			f.Cursor = recs[len(recs)-1].Cursor
		}
		t.Fatal("ListEventLog never ends")
		return nil
	}
	diff(t, "my log in pages of 2", w.myVerifications, pageLog(otp.EventFilter{OwnerID: &w.mine, Type: otp.EventCreated, Limit: 2}))
	diff(t, "the whole log", w.allVerifications, pageLog(otp.EventFilter{Limit: 4}))
	if got := pageLog(otp.EventFilter{OwnerID: &nobody, Limit: 5}); len(got) != 0 {
		t.Errorf("log of an owner without applications = %v", got)
	}
	if got := pageLog(otp.EventFilter{OwnerID: &w.mine, Type: otp.EventVerified, Limit: 5}); len(got) != 0 {
		t.Errorf("my otp.verified events = %v, want none (none were written)", got)
	}

	pageUsers := func(f otp.UserFilter) []string {
		t.Helper()
		var got []string
		for range 20 {
			us, err := st.ListUsers(ctx, "", f)
			if err != nil {
				t.Fatalf("ListUsers: %v", err)
			}
			for _, u := range us {
				got = append(got, u.Destination+" "+u.AppID)
			}
			if len(us) < f.Limit {
				return got
			}
			f.Cursor = us[len(us)-1].Cursor()
		}
		t.Fatal("ListUsers never ends")
		return nil
	}
	diff(t, "my users in pages of 1", w.myUsers, pageUsers(otp.UserFilter{OwnerID: &w.mine, Limit: 1}))
	diff(t, "my users in one page", w.myUsers, pageUsers(otp.UserFilter{OwnerID: &w.mine, Limit: 10}))
	all := pageUsers(otp.UserFilter{Limit: 2})
	if len(all) != 7 || all[0] != w.myUsers[0] || all[1] != w.myUsers[1] {
		t.Errorf("every user in pages of 2 = %v; want 7, the tie of mine first", all)
	}
	diff(t, "my users of one number", w.myUsers[:2], pageUsers(otp.UserFilter{OwnerID: &w.mine, Destination: "+14155550004", Limit: 5}))
	if got := pageUsers(otp.UserFilter{Destination: "+14155550001", Limit: 5}); len(got) != 2 {
		t.Errorf("every user of +14155550001 = %v, want mine and theirs", got)
	}
	if got := pageUsers(otp.UserFilter{OwnerID: &nobody, Limit: 5}); len(got) != 0 {
		t.Errorf("users of an owner without applications = %v", got)
	}
	// One application's list takes the same cursors.
	first, err := st.ListUsers(ctx, w.a1.ID, otp.UserFilter{Limit: 1})
	if err != nil || len(first) != 1 {
		t.Fatalf("a1's first user = %v, %v", first, err)
	}
	rest, err := st.ListUsers(ctx, w.a1.ID, otp.UserFilter{Limit: 5, Cursor: first[0].Cursor()})
	if err != nil || len(rest) != 1 || rest[0].Destination != "+14155550001" {
		t.Errorf("a1's users after %s = %v, %v; want +14155550001", first[0].Cursor(), rest, err)
	}
	if _, err := st.ListUsers(ctx, "", otp.UserFilter{Limit: 5, Cursor: "123.nodot"}); err == nil {
		t.Error("a malformed cursor was accepted")
	}
}

// testOwnerListsManyApps: an owner with more applications than are read
// one by one gets the same lists.
func testOwnerListsManyApps(t *testing.T, st otp.Store) {
	ctx := t.Context()
	owner := "dev_many"
	p := &otp.Project{ID: otp.NewID("prj"), Name: "many", Policy: otp.DefaultPolicy(), OwnerID: owner, CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	other := ownedApp(t, st, "dev_other")
	verifiedBy(t, st, other, "+14155550999", t0)
	var want []string
	for i := range 101 {
		a := createApp(t, st, p.ID, otp.Live)
		to := fmt.Sprintf("+1415555%04d", i)
		want = append(want, verifiedBy(t, st, a, to, t0.Add(time.Duration(i)*time.Second)))
	}
	slices.Reverse(want)
	vs, err := st.ListVerifications(ctx, "", otp.VerificationFilter{OwnerID: &owner, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, v.ID)
	}
	diff(t, "verifications of 101 applications", want, got)
	recs, err := st.ListEventLog(ctx, otp.EventFilter{OwnerID: &owner, Limit: 3})
	if err != nil || len(recs) != 3 || recs[0].VerificationID != want[0] {
		t.Errorf("log of 101 applications = %v, %v; want the newest 3", recs, err)
	}
	us, err := st.ListUsers(ctx, "", otp.UserFilter{OwnerID: &owner, Limit: 2})
	if err != nil || len(us) != 2 || us[0].Destination != "+14155550100" || us[1].Destination != "+14155550099" {
		t.Errorf("users of 101 applications = %v, %v; want the two most recent", us, err)
	}
	next, err := st.ListUsers(ctx, "", otp.UserFilter{OwnerID: &owner, Limit: 200, Cursor: us[1].Cursor()})
	if err != nil || len(next) != 99 {
		t.Errorf("users after the first page = %d, %v; want 99", len(next), err)
	}
}

// testCobinarFields round-trips what the Cobinar conformance added: a
// policy's per-application limits, a developer's virtual phone number and
// a webhook's opt-in to full destinations.
func testCobinarFields(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "limits")
	p.Policy.AppSendsPerMinute, p.Policy.AppChecksPerMinute = 7, 0
	if err := st.UpdateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	gp, err := st.GetProject(ctx, p.ID)
	if err != nil || gp.Policy.AppSendsPerMinute != 7 || gp.Policy.AppChecksPerMinute != 0 {
		t.Errorf("policy limits = %+v, %v; want 7 and 0", gp, err)
	}
	p.Policy.AppChecksPerMinute = 12
	if err := st.UpdateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	if gp, err := st.GetProject(ctx, p.ID); err != nil || gp.Policy.AppChecksPerMinute != 12 {
		t.Errorf("checks limit = %+v, %v; want 12", gp, err)
	}

	d := &otp.Developer{ID: otp.NewID("dev"), Email: "v@example.com", PasswordHash: "x", Plan: otp.DefaultPlan,
		VirtualPhoneNumber: "+999482918102", Status: otp.DeveloperActive, CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateDeveloper(ctx, d); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetDeveloper(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "developer with a virtual number", d, got)
	d.VirtualPhoneNumber = ""
	if err := st.UpdateDeveloper(ctx, d); err != nil {
		t.Fatal(err)
	}
	if got, err := st.GetDeveloperByEmail(ctx, d.Email); err != nil || got.VirtualPhoneNumber != "" {
		t.Errorf("virtual number after removal = %+v, %v", got, err)
	}

	a := createApp(t, st, p.ID, otp.Live)
	w := &otp.Webhook{ID: otp.NewID("whk"), AppID: a.ID, URL: "https://hooks.example.com/", Signing: otp.SigningCobinar,
		Status: otp.WebhookEnabled, IncludeDestination: true, CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	gw, err := st.GetWebhook(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "webhook with full destinations", w, gw)
	w.IncludeDestination = false
	if err := st.UpdateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	if ws, err := st.ListWebhooks(ctx, a.ID); err != nil || len(ws) != 1 || ws[0].IncludeDestination {
		t.Errorf("webhook after opting out = %v, %v", ws, err)
	}
}
