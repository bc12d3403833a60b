package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// testProjectFraud: a project's fraud settings are changed under its row
// lock by UpdateProjectFraud alone, read back with the project, left as
// they are by UpdateProject and by a change that fails.
func testProjectFraud(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "fraud")
	stale, err := st.GetProject(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	err = st.UpdateProjectFraud(ctx, p.ID, func(f *otp.FraudSettings) error {
		f.Safelist = append(f.Safelist, "+447700900123")
		return nil
	}, t0.Add(time.Minute))
	if err != nil {
		t.Fatalf("UpdateProjectFraud: %v", err)
	}
	stale.Name, stale.UpdatedAt = "renamed by the owner", t0.Add(2*time.Minute)
	if err := st.UpdateProject(ctx, stale); err != nil {
		t.Fatal(err)
	}
	refused := errors.New("refused")
	err = st.UpdateProjectFraud(ctx, p.ID, func(f *otp.FraudSettings) error {
		f.Safelist = nil
		return refused
	}, t0.Add(3*time.Minute))
	if !errors.Is(err, refused) {
		t.Errorf("UpdateProjectFraud with a refusing change = %v, want its error", err)
	}
	got, err := st.GetProject(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "safelist after an owner's update and a refused change", []string{"+447700900123"}, got.Fraud.Safelist)
	list, err := st.ListProjects(ctx, otp.ProjectFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("ListProjects = %d projects, %v", len(list), err)
	}
	diff(t, "safelist in a listed project", []string{"+447700900123"}, list[0].Fraud.Safelist)
	wantNotFound(t, "UpdateProjectFraud of an unknown project",
		st.UpdateProjectFraud(ctx, "prj_unknown", func(*otp.FraudSettings) error { return nil }, t0))
}
