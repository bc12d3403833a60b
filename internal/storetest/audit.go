package storetest

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

func testAudit(t *testing.T, st otp.Store) {
	var want []otp.AuditEntry
	for i := range 3 {
		e := otp.AuditEntry{ID: otp.NewID("aud"), Actor: "admin", Action: "POST /v1/projects", Target: "/v1/projects",
			Status: 201 + i, RemoteAddr: "192.0.2.1", UserAgent: "curl/8", CreatedAt: t0.Add(time.Duration(i) * time.Second)}
		if err := st.AddAuditEntry(t.Context(), e); err != nil {
			t.Fatal(err)
		}
		want = append([]otp.AuditEntry{e}, want...)
	}
	got, err := st.ListAuditEntries(t.Context(), "", 10)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "audit log, newest first", want, got)
	rest, err := st.ListAuditEntries(t.Context(), want[0].ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "after a cursor", want[1:], rest)
}
