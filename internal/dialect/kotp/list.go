package kotp

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// listedOTP is an OTP in the answer of GET /v1/otps.
type listedOTP struct {
	ID        string    `json:"id"`
	To        string    `json:"to"`
	Method    string    `json:"method"`
	Status    string    `json:"status" enum:"pending,sent,delivered,failed,expired,verified"`
	CreatedAt time.Time `json:"created_at"`
}

// otpList is the answer of GET /v1/otps.
type otpList struct {
	Data       []listedOTP `json:"data"`
	Pagination pagination  `json:"pagination"`
}

type pagination struct {
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
	// Total counts the OTPs that match the filters.
	Total   int  `json:"total"`
	HasMore bool `json:"has_more"`
}

// Bounds of a page.
const (
	defaultLimit = 20
	maxLimit     = 100
)

// list answers GET /v1/otps: the application's OTPs, newest first.
func (d *Dialect) list(w http.ResponseWriter, r *http.Request, a *otp.Application) error {
	q := r.URL.Query()
	values := map[string]any{}
	for k := range q {
		values[k] = q.Get(k)
	}
	f, err := listFilter(q)
	if err != nil {
		return withValues(err, values)
	}
	vs, err := d.svc.ListVerifications(r.Context(), a, f)
	if err != nil {
		return fromDomain(err, values)
	}
	total, err := d.svc.CountVerifications(r.Context(), a, f)
	if err != nil {
		return fromDomain(err, values)
	}
	now := d.svc.Now()
	out := otpList{Data: make([]listedOTP, len(vs)), Pagination: pagination{Limit: f.Limit, Offset: f.Offset, Total: total,
		HasMore: f.Offset+len(vs) < total}}
	for i, v := range vs {
		out.Data[i] = listedOTP{ID: wireID(v.ID), To: v.To, Method: string(v.Channel), Status: statusOfOTP(v, now),
			CreatedAt: wireTime(v.CreatedAt)}
	}
	httpjson.Write(w, http.StatusOK, out)
	return nil
}

// listFilter reads the query of GET /v1/otps. Unknown parameters are
// ignored, as clients of GET endpoints expect.
func listFilter(q url.Values) (otp.VerificationFilter, error) {
	f := otp.VerificationFilter{Limit: defaultLimit}
	var err error
	if s := q.Get("limit"); s != "" {
		if f.Limit, err = strconv.Atoi(s); err != nil || f.Limit < 1 || f.Limit > maxLimit {
			return f, invalid("limit", "out_of_range", "limit must be a whole number between 1 and 100")
		}
	}
	if s := q.Get("offset"); s != "" {
		if f.Offset, err = strconv.Atoi(s); err != nil || f.Offset < 0 {
			return f, invalid("offset", "out_of_range", "offset must be a whole number, 0 or more")
		}
	}
	if s := q.Get("method"); s != "" {
		if !slices.Contains(otp.Channels, otp.Channel(s)) {
			return f, invalid("method", "invalid_method", "method must be one of sms, email, voice")
		}
		f.Channel = otp.Channel(s)
	}
	if s := q.Get("status"); s != "" {
		states, ok := statesOf(s)
		if !ok {
			return f, invalid("status", "invalid_otp_status", "status must be one of pending, sent, delivered, failed, expired, verified")
		}
		f.States = states
	}
	if s := q.Get("from"); s != "" {
		from, _, ok := parseTime(s)
		if !ok {
			return f, invalid("from", "invalid_time", "from must be an ISO 8601 date or time, such as 2024-01-15 or 2024-01-15T10:30:00Z")
		}
		f.CreatedFrom = from
	}
	if s := q.Get("to"); s != "" {
		to, precision, ok := parseTime(s)
		if !ok {
			return f, invalid("to", "invalid_time", "to must be an ISO 8601 date or time, such as 2024-01-15 or 2024-01-15T10:30:00Z")
		}
		// The end is included at the precision it is given in: to=2024-01-15
		// takes in the whole day, to=...T10:30:00Z the whole second.
		f.CreatedBefore = to.Add(precision)
	}
	return f, nil
}

// parseTime reads an ISO 8601 date or an RFC 3339 time (a time without a
// zone is UTC; a fraction of a second may follow a comma, as ISO 8601
// allows) and returns it with the precision it was written in.
func parseTime(s string) (time.Time, time.Duration, bool) {
	// A "+" of a zone offset that the client did not escape arrives as a space.
	s = strings.Replace(s, " ", "+", 1)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, 24 * time.Hour, true
	}
	precision := time.Second
	// ISO 8601 writes a fraction of a second after a full stop or a comma;
	// time.Parse takes both.
	if i := strings.IndexAny(s, ".,"); i >= 0 {
		frac := s[i+1:]
		digits := len(frac) - len(strings.TrimLeft(frac, "0123456789"))
		precision = time.Duration(1)
		for range 9 - min(digits, 9) {
			precision *= 10
		}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, precision, true
		}
	}
	return time.Time{}, 0, false
}
