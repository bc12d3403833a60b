package kodmobi

import (
	"net/http"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// settingsView is the answer of GET /v2/settings.
type settingsView struct {
	Language  string            `json:"language" description:"The project's default language"`
	Project   projectView       `json:"project"`
	Code      codeView          `json:"code"`
	Challenge challengeSettings `json:"challenge"`
}

type projectView struct {
	Name string `json:"name"`
}

// codeView is how the project's codes look.
type codeView struct {
	Length  int  `json:"length"`
	Digits  bool `json:"digits"`
	Letters bool `json:"letters" description:"Letters A–Z without I, L and O; codes are checked without regard to case"`
}

// challengeSettings is the project's CAPTCHA, for the browser's widget.
type challengeSettings struct {
	Enabled bool `json:"enabled"`
	// APIKey is the provider's site key; null when the challenge is off.
	APIKey   *string `json:"api_key" description:"The CAPTCHA provider's site key; null when the challenge is off"`
	Provider *string `json:"provider" enum:"turnstile,recaptcha,hcaptcha,smartcaptcha" description:"null when the challenge is off"`
}

// createRequest is the body of POST /v2/create.
type createRequest struct {
	To   string `json:"to" description:"An E.164 phone number (the + may be left out) or an email address"`
	Type string `json:"type,omitempty" enum:"sms,email,telegram,whatsapp,voice" description:"The channel of the first send; omitted: the channel that last verified to, else the project's first that reaches it"`
	Send *bool  `json:"send,omitempty" description:"Send a code now; default true"`
}

// sessionView is the answer of POST /v2/create.
type sessionView struct {
	SessionID        string        `json:"session_id" description:"A ULID"`
	SessionExpiredAt time.Time     `json:"session_expired_at"`
	SentTo           *string       `json:"sent_to" description:"The channel a code was sent on by this call; null if none was"`
	Channels         []channelView `json:"channels"`
}

// sendRequest is the body of POST /v2/send.
type sendRequest struct {
	SessionID string `json:"session_id"`
	Type      string `json:"type" enum:"sms,email,telegram,whatsapp,voice"`
}

// sentView is the answer of POST /v2/send.
type sentView struct {
	SessionID        string      `json:"session_id"`
	SessionExpiredAt time.Time   `json:"session_expired_at"`
	Channel          channelView `json:"channel"`
}

// checkRequest is the body of POST /v2/check.
type checkRequest struct {
	SessionID string `json:"session_id"`
	Code      string `json:"code"`
}

// checkedView is the answer of POST /v2/check.
type checkedView struct {
	VerifyToken string `json:"verify_token" description:"Single use, valid 10 minutes: hand it to your server, which redeems it with POST /v2/verify and the secret key"`
	IsTest      bool   `json:"is_test" description:"The application is a test application"`
}

// verifyRequest is the body of POST /v2/verify.
type verifyRequest struct {
	VerifyToken string `json:"verify_token"`
}

// verifiedView is the answer of POST /v2/verify.
type verifiedView struct {
	Success    bool      `json:"success"`
	SessionID  string    `json:"session_id"`
	To         string    `json:"to" description:"The verified destination, as otpd normalised it (E.164, or a lower-case email)"`
	Channel    string    `json:"channel" enum:"sms,email,telegram,whatsapp,voice"`
	VerifiedAt time.Time `json:"verified_at"`
	IsTest     bool      `json:"is_test"`
}

func (d *Dialect) settings(c *call) (any, error) {
	s, err := d.svc.SessionSettings(c.r.Context(), c.app)
	if err != nil {
		return nil, err
	}
	v := settingsView{
		Language: s.Language, Project: projectView{Name: s.ProjectName},
		Code:      codeView{Length: s.CodeLength, Digits: s.CodeAlphabet.HasDigits(), Letters: s.CodeAlphabet.HasLetters()},
		Challenge: challengeSettings{Enabled: s.ChallengeEnabled},
	}
	if s.ChallengeEnabled {
		key, provider := s.ChallengeSiteKey, string(s.ChallengeProvider)
		v.Challenge.APIKey, v.Challenge.Provider = &key, &provider
	}
	return v, nil
}

func (d *Dialect) channels(c *call) (any, error) {
	id, err := c.in.str("session_id")
	if err != nil {
		return nil, err
	}
	cs, err := d.svc.SessionChannels(c.r.Context(), c.app, id)
	if err != nil {
		return nil, err
	}
	return channelViews(c.r, cs), nil
}

// sessionRequest reads create's fields; the legacy API's send defaults to
// true as well.
func (d *Dialect) sessionRequest(c *call) (otp.SessionRequest, error) {
	to, err := c.in.required("to")
	if err != nil {
		return otp.SessionRequest{}, err
	}
	typ, err := c.in.str("type")
	if err != nil {
		return otp.SessionRequest{}, err
	}
	send, err := c.in.boolean("send", true)
	if err != nil {
		return otp.SessionRequest{}, err
	}
	req := otp.SessionRequest{To: to, Channel: otp.Channel(typ), Send: send, Locale: requestLocale(c.r), ChallengeToken: challengeToken(c.r)}
	if c.kind == otp.KeyPublic {
		// The person's browser is the caller; a server's own address
		// would tell the CAPTCHA provider nothing about them.
		req.RemoteIP = remoteIP(c.r)
	}
	return req, nil
}

func (d *Dialect) create(c *call) (any, error) {
	req, err := d.sessionRequest(c)
	if err != nil {
		return nil, err
	}
	st, err := d.svc.StartSession(c.r.Context(), c.app, req)
	if err != nil {
		return nil, err
	}
	v := sessionView{SessionID: st.Session.ID, SessionExpiredAt: st.Session.ExpiresAt, Channels: channelViews(c.r, st.Channels)}
	if st.SentTo != "" {
		sent := string(st.SentTo)
		v.SentTo = &sent
	}
	return v, nil
}

// sendSession reads send's fields and sends.
func (d *Dialect) sendSession(c *call) (*otp.SessionState, error) {
	id, err := c.in.required("session_id")
	if err != nil {
		return nil, err
	}
	typ, err := c.in.str("type")
	if err != nil {
		return nil, err
	}
	ip := ""
	if c.kind == otp.KeyPublic {
		ip = remoteIP(c.r) // the person's browser: its address counts against the client-address limit
	}
	return d.svc.SendSession(c.r.Context(), c.app, id, otp.Channel(typ), ip)
}

func (d *Dialect) send(c *call) (any, error) {
	st, err := d.sendSession(c)
	if err != nil {
		return nil, err
	}
	return newSentView(c.r, st), nil
}

func newSentView(r *http.Request, st *otp.SessionState) sentView {
	v := sentView{SessionID: st.Session.ID, SessionExpiredAt: st.Session.ExpiresAt}
	for _, ch := range st.Channels {
		if ch.Channel == st.SentTo {
			v.Channel = newChannelView(r, ch)
		}
	}
	return v
}

// checkSession reads check's fields and checks.
func (d *Dialect) checkSession(c *call) (checkedView, error) {
	id, err := c.in.required("session_id")
	if err != nil {
		return checkedView{}, err
	}
	code, err := c.in.required("code")
	if err != nil {
		return checkedView{}, err
	}
	res, err := d.svc.CheckSession(c.r.Context(), c.app, id, code)
	if err != nil {
		return checkedView{}, err
	}
	return checkedView{VerifyToken: res.VerifyToken, IsTest: c.app.Environment == otp.Test}, nil
}

func (d *Dialect) check(c *call) (any, error) { return d.checkSession(c) }

func (d *Dialect) verify(c *call) (any, error) {
	token, err := c.in.str("verify_token")
	if err != nil {
		return nil, err
	}
	v, err := d.svc.RedeemVerifyToken(c.r.Context(), c.app, c.kind, token)
	if err != nil {
		return nil, err
	}
	return verifiedView{Success: true, SessionID: v.SessionID, To: v.To, Channel: string(v.Channel),
		VerifiedAt: v.VerifiedAt, IsTest: c.app.Environment == otp.Test}, nil
}

// challengeToken is the CAPTCHA token: x-challenge-token, or Turnstile's
// legacy x-cf-turnstile-token.
func challengeToken(r *http.Request) string {
	if t := r.Header.Get("x-challenge-token"); t != "" {
		return t
	}
	return r.Header.Get("x-cf-turnstile-token")
}

// remoteIP is the person's address, passed to the CAPTCHA provider: the
// session flow is called from their browser.
func remoteIP(r *http.Request) string {
	if ip := httpjson.RemoteIP(r); ip.IsValid() {
		return ip.String()
	}
	return ""
}

// requestLocale is the first language of Accept-Language, for the message
// that carries the code; "" when there is none.
func requestLocale(r *http.Request) string {
	first, _, _ := strings.Cut(r.Header.Get("Accept-Language"), ",")
	tag, _, _ := strings.Cut(first, ";")
	tag = strings.TrimSpace(tag)
	if tag == "*" {
		return ""
	}
	return tag
}
