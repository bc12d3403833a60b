package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// userView is a destination that verified through an application.
type userView struct {
	// AppID is the application; "" for a user looked up across
	// applications, whose counters are added up over all of them.
	AppID             string         `json:"appId"`
	PhoneNumber       string         `json:"phoneNumber"` // or the email address
	FirstVerifiedAt   time.Time      `json:"firstVerifiedAt"`
	LastVerifiedAt    time.Time      `json:"lastVerifiedAt"`
	VerifiedCount     int            `json:"verifiedCount"`
	VerifiedByChannel map[string]int `json:"verifiedByChannel"`
}

func newUserView(u otp.User) userView {
	v := userView{AppID: u.AppID, PhoneNumber: u.Destination, FirstVerifiedAt: u.FirstVerified, LastVerifiedAt: u.LastVerified,
		VerifiedByChannel: map[string]int{}}
	for ch, n := range u.Verified {
		v.VerifiedByChannel[string(ch)] = n
		v.VerifiedCount += n
	}
	return v
}

// logView is one event of the log with what it concerns.
type logView struct {
	ID             string    `json:"id"`
	Type           string    `json:"type"`
	AppID          string    `json:"appId"`
	VerificationID string    `json:"verificationId"`
	Channel        string    `json:"channel"`
	To             string    `json:"to"`
	Status         string    `json:"status"`
	DeliveryStatus string    `json:"deliveryStatus"`
	CreatedAt      time.Time `json:"createdAt"`
	Reason         string    `json:"reason,omitempty" description:"Why, where the type alone does not say: the budgets a monitor-mode send went beyond (fraud.flagged)"`
	// Block is what a fraud.blocked or fraud.released event is about
	// (it has no verification).
	Block *blockView `json:"block,omitempty" description:"The blocked prefix of a fraud.blocked or fraud.released event, which concerns no verification"`
}

// queryLimit reads ?limit, between 1 and max, default def.
func queryLimit(r *http.Request, def, max int) (int, error) {
	l := r.URL.Query().Get("limit")
	if l == "" {
		return def, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil || n < 1 || n > max {
		return 0, queryError("limit", "limit must be a whole number between 1 and "+strconv.Itoa(max))
	}
	return n, nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryLimit(r, 50, otp.MaxUsersPage)
	if err != nil {
		return err
	}
	appID := "" // the console's, without ?appId=: every application it may see
	if a := appOrNil(r); a != nil {
		appID = a.ID
	}
	us, err := s.svc.ListUsers(r.Context(), appID, otp.UserFilter{Limit: limit + 1, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	us, page := paginate(us, limit, func(u otp.User) string { return u.Cursor() })
	views := make([]userView, len(us))
	for i, u := range us {
		views[i] = newUserView(u)
	}
	writeJSON(w, http.StatusOK, listBody{Data: views, Pagination: page})
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	appID := "" // the console's, without ?appId=: every application it may see
	if a := appOrNil(r); a != nil {
		appID = a.ID
	}
	u, err := s.svc.GetUser(r.Context(), appID, r.PathValue("phoneNumber"))
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newUserView(*u))
	return nil
}

func (s *Server) listLogs(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryLimit(r, 50, otp.MaxLogPage)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := otp.EventFilter{AppID: q.Get("appId"), VerificationID: q.Get("verificationId"), Type: otp.EventType(q.Get("type")),
		Cursor: q.Get("cursor"), Limit: limit + 1}
	if f.From, err = queryTime(q.Get("from"), "from"); err != nil {
		return err
	}
	if f.To, err = queryTime(q.Get("to"), "to"); err != nil {
		return err
	}
	recs, err := s.svc.ListLogs(r.Context(), f)
	if err != nil {
		return err
	}
	recs, page := paginate(recs, limit, func(e otp.EventRecord) string { return e.Cursor })
	views := make([]logView, len(recs))
	for i, e := range recs {
		views[i] = logView{ID: e.ID, Type: string(e.Type), AppID: e.AppID, VerificationID: e.VerificationID,
			Channel: string(e.Channel), To: e.To, Status: string(e.Status), DeliveryStatus: string(e.DeliveryStatus), CreatedAt: e.CreatedAt, Reason: e.Reason}
		if e.Block != nil {
			b := newBlockView(*e.Block)
			views[i].Block = &b
		}
	}
	writeJSON(w, http.StatusOK, listBody{Data: views, Pagination: page})
	return nil
}

func (s *Server) listAllVerifications(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryLimit(r, 20, 100)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	vs, err := s.svc.ListAllVerifications(r.Context(), otp.ConsoleVerificationFilter{
		AppID: q.Get("appId"), Status: otp.Status(q.Get("status")), Cursor: q.Get("cursor"), Limit: limit + 1})
	if err != nil {
		return err
	}
	vs, page := paginate(vs, limit, func(v *otp.Verification) string { return v.ID })
	views := make([]verificationView, len(vs))
	for i, v := range vs {
		views[i] = newVerificationView(v)
	}
	writeJSON(w, http.StatusOK, listBody{Data: views, Pagination: page})
	return nil
}

func (s *Server) getAnyVerification(w http.ResponseWriter, r *http.Request) error {
	v, err := s.svc.VerificationByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newVerificationView(v))
	return nil
}

// auditView is one console action of the audit log.
type auditView struct {
	ID         string    `json:"id"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	Target     string    `json:"target"`
	Status     int       `json:"status"`
	RemoteAddr string    `json:"remoteAddr"`
	UserAgent  string    `json:"userAgent"`
	CreatedAt  time.Time `json:"createdAt"`
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryLimit(r, 50, 200)
	if err != nil {
		return err
	}
	es, err := s.svc.AuditLog(r.Context(), r.URL.Query().Get("cursor"), limit+1)
	if err != nil {
		return err
	}
	es, page := paginate(es, limit, func(e otp.AuditEntry) string { return e.ID })
	views := make([]auditView, len(es))
	for i, e := range es {
		views[i] = auditView{ID: e.ID, Actor: e.Actor, Action: e.Action, Target: e.Target, Status: e.Status,
			RemoteAddr: e.RemoteAddr, UserAgent: e.UserAgent, CreatedAt: e.CreatedAt}
	}
	writeJSON(w, http.StatusOK, listBody{Data: views, Pagination: page})
	return nil
}
