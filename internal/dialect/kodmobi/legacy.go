package kodmobi

import (
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// legacyCreatedView is the data of GET /api/v1/message/create.
type legacyCreatedView struct {
	SessionID        string              `json:"session_id"`
	SessionExpiredAt time.Time           `json:"session_expired_at"`
	SentTo           *string             `json:"sent_to"`
	ClientChannels   []legacyChannelView `json:"client_channels"`
}

// legacyChannelView is a channel of the legacy create's answer.
type legacyChannelView struct {
	Type string  `json:"type"`
	Link *string `json:"link"`
}

// legacyChannelState is the data of GET /api/v1/channel/check.
type legacyChannelState struct {
	IsActive bool `json:"is_active"`
}

func (d *Dialect) legacyCreate(c *call) (any, error) {
	req, err := d.sessionRequest(c)
	if err != nil {
		return nil, err
	}
	req.To = legacyPhone(req.To)
	st, err := d.svc.StartSession(c.r.Context(), c.app, req)
	if err != nil {
		return nil, err
	}
	v := legacyCreatedView{SessionID: st.Session.ID, SessionExpiredAt: st.Session.ExpiresAt, ClientChannels: []legacyChannelView{}}
	if st.SentTo != "" {
		sent := string(st.SentTo)
		v.SentTo = &sent
	}
	for _, ch := range st.Channels {
		cv := legacyChannelView{Type: string(ch.Channel)}
		if ch.Link != "" {
			link := ch.Link
			cv.Link = &link
		}
		v.ClientChannels = append(v.ClientChannels, cv)
	}
	return v, nil
}

func (d *Dialect) legacySend(c *call) (any, error) {
	st, err := d.sendSession(c)
	if err != nil {
		return nil, err
	}
	return newSentView(c.r, st), nil
}

func (d *Dialect) legacyCheck(c *call) (any, error) { return d.checkSession(c) }

func (d *Dialect) legacyChannelCheck(c *call) (any, error) {
	id, err := c.in.required("session_id")
	if err != nil {
		return nil, err
	}
	typ, err := c.in.required("type")
	if err != nil {
		return nil, err
	}
	cs, err := d.svc.SessionChannels(c.r.Context(), c.app, id)
	if err != nil {
		return nil, err
	}
	for _, ch := range cs {
		if string(ch.Channel) == typ {
			return legacyChannelState{IsActive: ch.Active}, nil
		}
	}
	return nil, &otp.Error{Code: otp.CodeInvalidParameter, Key: "channel_disabled", Field: "type", Params: map[string]any{"channel": typ},
		Message: "channel " + typ + " is not enabled for this project"}
}

// legacyPhone reads a Russian number written with the domestic trunk
// prefix, 8 and ten digits, as +7: kod.mobi's v1 documented "7, +7 or 8".
func legacyPhone(to string) string {
	digits := strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return r
		case r == ' ' || r == '-' || r == '(' || r == ')':
			return -1
		}
		return 'x'
	}, to)
	if len(digits) == 11 && digits[0] == '8' && !strings.Contains(digits, "x") {
		return "+7" + digits[1:]
	}
	return to
}
