package otp_test

import (
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

// Cost quotes the price table until a provider prices a message, then
// tells what the messages cost; test applications' messages are free.
func TestCost(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	sms, _ := otp.ParseMoney("0.0075", "USD")
	svc, err := otp.NewService(otp.Config{Store: f.store, Limiter: f.limiter, Keys: mustKeys(t), Clock: f.clock, Prices: prices{otp.SMS: sms}})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	live, _ := f.newApp(t, otp.Live)
	test, _ := f.newApp(t, otp.Test)

	v, _, err := f.svc.CreateVerification(t.Context(), live, otp.CreateRequest{To: "+4915112345678", Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.svc.Cost(live, v), (otp.Money{Micros: 75000, Currency: "USD"}); got != want {
		t.Errorf("cost before sending = %+v, want the table's price for Germany %+v", got, want)
	}
	f.deliverAll(t, &recorder{})
	v, err = f.svc.GetVerification(t.Context(), live, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.svc.Cost(live, v), v.Cost; got != want || want.Micros != 75000 {
		t.Errorf("cost once sent = %+v, want the message's price %+v (75000 micros)", got, want)
	}
	email, _, err := f.svc.CreateVerification(t.Context(), live, otp.CreateRequest{To: "a@example.com", Channel: otp.Email})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.svc.Cost(live, email); !got.IsZero() {
		t.Errorf("cost of a channel without a price = %+v, want none", got)
	}
	tv, _, err := f.svc.CreateVerification(t.Context(), test, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.svc.Cost(test, tv); !got.IsZero() {
		t.Errorf("cost of a test application's verification = %+v, want none", got)
	}
}

// A check says whether it evaluated the code: a final verification is
// not evaluated again, and its status tells why.
func TestCheckEvaluated(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Test)
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 6; i++ {
		res, err := f.svc.Check(t.Context(), a, v.ID, "000000x")
		if err != nil {
			t.Fatal(err)
		}
		wantEvaluated, wantStatus := i <= 5, otp.StatusPending
		if i >= 5 {
			wantStatus = otp.StatusMaxAttempts
		}
		if res.Valid || res.Evaluated != wantEvaluated || res.Verification.Status != wantStatus {
			t.Errorf("check %d: valid %v, evaluated %v, status %s; want false, %v, %s",
				i, res.Valid, res.Evaluated, res.Verification.Status, wantEvaluated, wantStatus)
		}
	}
	v2, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552672", Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(v2.ExpiresAt.Sub(f.clock.Now()))
	res, err := f.svc.Check(t.Context(), a, v2.ID, inbox(t, f, a, "+14155552672")[0].Code)
	if err != nil || res.Valid || res.Evaluated || res.Verification.Status != otp.StatusExpired {
		t.Errorf("check at expiry = %+v, %v; want not evaluated, expired", res, err)
	}
}
