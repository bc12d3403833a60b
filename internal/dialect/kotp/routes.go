package kotp

import (
	"net/http"

	"github.com/otpd/otpd/internal/otp"
)

// route is one endpoint. The same table dispatches requests and writes
// the OpenAPI document, so the two cannot drift apart.
type route struct {
	method, path string
	summary      string
	// public routes need no API key (the OpenAPI document).
	public   bool
	request  any // the body's type, nil if none
	response any // the success answer's type
	query    []queryParam
	handler  handlerFunc
}

// queryParam documents a query parameter.
type queryParam struct {
	name, typ, description string
	enum                   []string
}

// routeTable lists every endpoint of the dialect.
func (d *Dialect) routeTable() []route {
	return []route{
		{method: "POST", path: "/v1/send", summary: "Send an OTP via SMS, email, or voice call",
			request: sendRequest{}, response: sentOTP{}, handler: d.send},
		{method: "POST", path: "/v1/verify", summary: "Verify an OTP code entered by the user",
			request: verifyRequest{}, response: verifiedOTP{}, handler: d.verify},
		{method: "GET", path: "/v1/status/{id}", summary: "Check the delivery status of an OTP",
			response: otpStatus{}, handler: d.status},
		{method: "GET", path: "/v1/otps", summary: "Get a list of OTPs with filtering options, newest first",
			response: otpList{}, handler: d.list, query: []queryParam{
				{"limit", "integer", "Number of results (max: 100, default: 20)", nil},
				{"offset", "integer", "Pagination offset (default: 0)", nil},
				{"method", "string", "Filter by delivery method", []string{"sms", "email", "voice", "telegram", "whatsapp"}},
				{"status", "string", "Filter by status", []string{statusPending, statusSent, statusDelivered, statusFailed, statusExpired, statusVerified}},
				{"from", "string", "Start date (ISO 8601), included: created at or after", nil},
				{"to", "string", "End date (ISO 8601), included at the precision given: a date takes in the whole day", nil},
			}},
		{method: "GET", path: "/openapi/kotp.json", summary: "This document", public: true, handler: d.openAPIDoc},
	}
}

func (d *Dialect) openAPIDoc(w http.ResponseWriter, r *http.Request, _ *otp.Application) error {
	w.Header().Set("Content-Type", "application/json")
	w.Write(d.openapi)
	return nil
}
