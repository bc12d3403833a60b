package storetest

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// testProjectSenderIDs: the operator's approved sender ids are written
// alone, read back with the project, and not undone by UpdateProject.
func testProjectSenderIDs(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "senders")
	stale, err := st.GetProject(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetProjectSenderIDs(ctx, p.ID, []string{"ACME", "+14155550199"}, t0.Add(time.Minute)); err != nil {
		t.Fatalf("SetProjectSenderIDs: %v", err)
	}
	stale.Name, stale.UpdatedAt = "renamed by the owner", t0.Add(2*time.Minute)
	if err := st.UpdateProject(ctx, stale); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetProject(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "approved sender ids after an owner's update", []string{"ACME", "+14155550199"}, got.ApprovedSenderIDs)
	if got.Name != "renamed by the owner" {
		t.Errorf("name = %q", got.Name)
	}
	if err := st.SetProjectSenderIDs(ctx, p.ID, nil, t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, err = st.GetProject(ctx, p.ID); err != nil || len(got.ApprovedSenderIDs) != 0 {
		t.Errorf("approved sender ids after clearing = %v, %v; want none", got.ApprovedSenderIDs, err)
	}
	wantNotFound(t, "SetProjectSenderIDs of an unknown project", st.SetProjectSenderIDs(ctx, "prj_unknown", []string{"ACME"}, t0))
}
