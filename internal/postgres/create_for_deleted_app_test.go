package postgres_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/ratelimit"
)

// An instance whose cache still holds an application that another
// instance deleted answers a creation for it as authentication will once
// the cache forgets it: UNAUTHENTICATED, not an internal error. On
// PostgreSQL the store finds the deletion's mark (migration 0040).
func TestCreateForApplicationDeletedElsewhere(t *testing.T) {
	ctx := t.Context()
	st := open(t, newSchema(t))
	defer st.Close()
	keys, err := otp.NewServerKey(bytes.Repeat([]byte{0x5a}, otp.ServerKeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := otp.NewService(otp.Config{Store: st, Limiter: ratelimit.NewMemory(time.Now), Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	name := "p"
	p, err := svc.CreateProject(ctx, otp.ProjectInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := svc.CreateApplication(ctx, otp.ApplicationInput{Name: &name, ProjectID: &p.ID})
	if err != nil {
		t.Fatal(err)
	}
	req := otp.CreateRequest{To: "+14155552671", Channel: otp.SMS}
	if _, _, err := svc.CreateVerification(ctx, a, req); err != nil {
		t.Fatalf("creation before the deletion: %v", err)
	}
	if err := st.DeleteApplication(ctx, a.ID); err != nil { // another instance's deletion
		t.Fatal(err)
	}
	_, _, err = svc.CreateVerification(ctx, a, req)
	if e := otp.ErrorOf(err); e == nil || e.Code != otp.CodeUnauthenticated {
		t.Errorf("creation after the deletion: %v, want UNAUTHENTICATED", err)
	}
}
