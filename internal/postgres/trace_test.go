package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/telemetry"
	"github.com/otpd/otpd/internal/telemetry/telemetrytest"
)

// TestStoreSpans: under a recording span, PostgreSQL's ways to the
// database (a transaction, the single-statement creation, the optimistic
// update and a read) are each a child span naming the engine, and a read
// records its SQL, whose placeholders keep the destination out of it.
func TestStoreSpans(t *testing.T) {
	rec := telemetrytest.Record(t)
	st := open(t, newSchema(t))
	defer st.Close()
	ctx, request := telemetry.Start(t.Context(), "request", telemetry.Internal)
	now := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	p := &otp.Project{ID: otp.NewID("prj"), Name: "p", Policy: otp.DefaultPolicy(), CreatedAt: now, UpdatedAt: now}
	a := &otp.Application{ID: otp.NewID("app"), ProjectID: p.ID, Name: "a", Environment: otp.Live, Status: otp.AppActive,
		ClientID: "c", PublicKey: "pk", APIKeyHash: []byte("hash"), CreatedAt: now, UpdatedAt: now}
	v := &otp.Verification{ID: otp.NewID("ver"), AppID: a.ID, To: "+15550001111", Channel: otp.SMS,
		Purpose: otp.PurposeVerification, Locale: "en", Status: otp.StatusPending, DeliveryStatus: otp.DeliveryQueued,
		CodeHash: []byte{1}, MaxAttempts: 5, MaxResends: 5, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Minute)}
	if err := st.CreateProject(ctx, p); err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	if err := st.CreateApplication(ctx, a); err != nil {
		t.Fatalf("CreateApplication: %v", err)
	}
	if err := st.CreateVerification(ctx, v, otp.Effects{}, nil); err != nil {
		t.Fatalf("CreateVerification: %v", err)
	}
	if _, err := st.UpdateVerification(ctx, a.ID, v.ID, func(cur *otp.Verification) (otp.Effects, error) {
		cur.Attempts++
		return otp.Effects{}, nil
	}); err != nil {
		t.Fatalf("UpdateVerification: %v", err)
	}
	if _, err := st.GetVerification(ctx, a.ID, v.ID); err != nil {
		t.Fatalf("GetVerification: %v", err)
	}
	request.End()
	// Outside any trace the store makes no span.
	if _, err := st.GetVerification(context.Background(), a.ID, v.ID); err != nil {
		t.Fatalf("GetVerification: %v", err)
	}

	txs, reads := telemetrytest.Named(rec, "sqlstore.tx"), telemetrytest.Named(rec, "sqlstore.read")
	// The project, the application, the creation and the update.
	if len(txs) < 4 || len(reads) == 0 {
		t.Fatalf("%d sqlstore.tx and %d sqlstore.read spans, want at least 4 and 1", len(txs), len(reads))
	}
	for _, s := range append(txs, reads...) {
		if s.ParentID() != request.SpanID() {
			t.Errorf("%s is not a child of the request's span", s.Name())
		}
		if got := s.Attr(telemetry.DBSystem); got != "postgresql" {
			t.Errorf("%s db.system.name %q, want postgresql", s.Name(), got)
		}
		for _, a := range s.Attrs() {
			if strings.Contains(a.Text(), "5550001111") {
				t.Errorf("%s attribute %s holds the destination", s.Name(), a.Key)
			}
		}
	}
	if q := reads[len(reads)-1].Attr(telemetry.DBQuery); !strings.Contains(q, "FROM verifications") || !strings.Contains(q, "$1") {
		t.Errorf("the read's db.query.text is %q, want the SQL with placeholders", q)
	}
	if n := len(rec.Ended()); n != len(txs)+len(reads)+1 {
		t.Errorf("%d spans ended, want the store's %d and the request: the read outside a trace made one", n, len(txs)+len(reads))
	}
}
