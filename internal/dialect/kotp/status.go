package kotp

import (
	"net/http"
	"time"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// K-OTP's single status of an OTP.
const (
	statusPending   = "pending"   // being processed: queued for a provider
	statusSent      = "sent"      // handed to the carrier or provider
	statusDelivered = "delivered" // the provider reported delivery
	statusFailed    = "failed"    // delivery failed, or the OTP can no longer be verified (attempts used up, canceled)
	statusExpired   = "expired"
	statusVerified  = "verified"
)

// wireStatuses maps each K-OTP status to the states of otpd's two
// dimensions (verification status, delivery status) that read as it,
// in the order they are tried: a verification reads as the first status
// one of whose states it is in. The list filter uses the same states, so
// the status an OTP shows and the status that lists it always agree.
var wireStatuses = []struct {
	name   string
	states []otp.State
}{
	{statusVerified, []otp.State{{Status: otp.StatusVerified}}},
	{statusExpired, []otp.State{{Status: otp.StatusExpired}}},
	// A message that expired unsent leaves its verification pending only
	// in its last seconds (its next attempt would have come too late): it
	// failed.
	{statusFailed, []otp.State{{Status: otp.StatusMaxAttempts}, {Status: otp.StatusCanceled},
		{Status: otp.StatusPending, Delivery: otp.DeliveryFailed}, {Status: otp.StatusPending, Delivery: otp.DeliveryExpired}}},
	{statusPending, []otp.State{{Status: otp.StatusPending, Delivery: otp.DeliveryQueued}}},
	{statusSent, []otp.State{{Status: otp.StatusPending, Delivery: otp.DeliverySent}}},
	{statusDelivered, []otp.State{{Status: otp.StatusPending, Delivery: otp.DeliveryDelivered}}},
}

// statusOfOTP is K-OTP's status of v as of now.
func statusOfOTP(v *otp.Verification, now time.Time) string {
	for _, s := range wireStatuses {
		for _, st := range s.states {
			if st.Matches(v, now) {
				return s.name
			}
		}
	}
	return statusPending // not reached: the states above cover every verification
}

// statesOf returns the states of K-OTP status name, false for an unknown name.
func statesOf(name string) ([]otp.State, bool) {
	for _, s := range wireStatuses {
		if s.name == name {
			return s.states, true
		}
	}
	return nil, false
}

// otpStatus is the answer of GET /v1/status/{id}, and the data of a
// webhook event.
type otpStatus struct {
	ID          string     `json:"id"`
	Status      string     `json:"status" enum:"pending,sent,delivered,failed,expired,verified"`
	To          string     `json:"to"`
	Method      string     `json:"method"`
	CreatedAt   time.Time  `json:"created_at"`
	DeliveredAt *time.Time `json:"delivered_at"`
	Attempts    int        `json:"attempts"`
	Verified    bool       `json:"verified"`
	// Carrier is the phone number's original carrier, when known (numbers
	// can be ported since); null for an email address.
	Carrier *string `json:"carrier"`
	// Country is the phone number's ISO 3166 region; null for an email address.
	Country *string `json:"country"`
}

// newOTPStatus is v as GET /v1/status/{id} shows it as of now, with
// destination to.
func newOTPStatus(v *otp.Verification, to string, now time.Time) otpStatus {
	return otpStatus{
		ID: wireID(v.ID), Status: statusOfOTP(v, now), To: to, Method: string(v.Channel),
		CreatedAt: wireTime(v.CreatedAt), DeliveredAt: timeOrNil(v.DeliveredAt), Attempts: v.Attempts,
		Verified: v.Status == otp.StatusVerified, Carrier: stringOrNil(v.Carrier), Country: stringOrNil(v.Country),
	}
}

// status answers GET /v1/status/{id}.
func (d *Dialect) status(w http.ResponseWriter, r *http.Request, a *otp.Application) error {
	raw := r.PathValue("id")
	id, ok := domainID(raw)
	if !ok {
		return withValues(errOTPNotFound, map[string]any{"id": raw})
	}
	v, err := d.svc.GetVerification(r.Context(), a, id)
	if err != nil {
		return fromDomain(err, map[string]any{"id": raw})
	}
	httpjson.Write(w, http.StatusOK, newOTPStatus(v, v.To, d.svc.Now()))
	return nil
}
