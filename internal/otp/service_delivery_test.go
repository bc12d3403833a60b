package otp_test

import (
	"context"
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

// senderFunc adapts a function to otp.Sender.
type senderFunc func(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error)

func (f senderFunc) Send(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	return f(ctx, m)
}

// A person may type the code before the provider has answered: the send
// is still recorded, and the verification stays verified.
func TestDeliverAfterTheCodeWasChecked(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := f.svc.ClaimDeliveries(t.Context(), 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("claimed %v (err %v), want one delivery", ds, err)
	}
	sender := senderFunc(func(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
		res, err := f.svc.Check(ctx, a, m.VerificationID, m.Code)
		if err != nil || !res.Valid {
			t.Errorf("check during the send: %+v, %v", res, err)
		}
		return otp.SendResult{Provider: "fake", ProviderMessageID: "m1"}, nil
	})
	if err := f.svc.Deliver(t.Context(), sender, ds[0]); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	got, err := f.svc.GetVerification(t.Context(), a, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != otp.StatusVerified || got.DeliveryStatus != otp.DeliverySent || got.SentAt.IsZero() {
		t.Errorf("verification = %s, delivery %s, sent at %s; want verified, sent, a time", got.Status, got.DeliveryStatus, got.SentAt)
	}
	if left, err := f.svc.ClaimDeliveries(t.Context(), 10); err != nil || len(left) != 0 {
		t.Errorf("outbox after Deliver: %v (err %v), want empty", left, err)
	}
}
