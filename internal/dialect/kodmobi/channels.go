package kodmobi

import (
	"net/http"
	"time"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// channelView is kod.mobi's SessionChannel.
type channelView struct {
	Name        string `json:"name" description:"The channel's name, e.g. SMS, Telegram"`
	Type        string `json:"type" enum:"sms,email,telegram,whatsapp,voice"`
	IsActive    bool   `json:"is_active" description:"Whether the person can receive on it: false for the Telegram bot until they open its link and share their number"`
	Timeout     int    `json:"timeout" description:"Seconds until the channel may send again in the session (0 to 60)"`
	Description string `json:"description"`
	ImageURL    string `json:"image_url" description:"The channel's icon, served by otpd"`
	// Link is what the person opens to link the channel; null when none.
	Link *string `json:"link" description:"The Telegram bot's deep link, with a start token for the session's number; null for other channels"`
}

// channelText is a channel's name and description in one language.
type channelText struct{ name, description string }

// channelTexts are the channels' names and descriptions by language.
var channelTexts = map[string]map[otp.Channel]channelText{
	"en": {
		otp.SMS:      {"SMS", "A text message to your phone"},
		otp.Email:    {"Email", "A message to your email address"},
		otp.Telegram: {"Telegram", "A message in Telegram"},
		otp.WhatsApp: {"WhatsApp", "A message in WhatsApp"},
		otp.Voice:    {"Voice call", "A call that reads the code aloud"},
	},
	"ru": {
		otp.SMS:      {"SMS", "Сообщение на ваш телефон"},
		otp.Email:    {"Email", "Письмо на вашу почту"},
		otp.Telegram: {"Telegram", "Сообщение в Telegram"},
		otp.WhatsApp: {"WhatsApp", "Сообщение в WhatsApp"},
		otp.Voice:    {"Звонок", "Звонок, в котором продиктуют код"},
	},
}

// newChannelView renders a channel of the session flow for request r.
func newChannelView(r *http.Request, c otp.SessionChannel) channelView {
	t := channelTexts[httpjson.PreferredLanguage(r.Header.Get("Accept-Language"))][c.Channel]
	v := channelView{
		Name: t.name, Type: string(c.Channel), IsActive: c.Active, Timeout: seconds(c.Wait),
		Description: t.description, ImageURL: iconURL(r, c.Channel),
	}
	if c.Link != "" {
		link := c.Link
		v.Link = &link
	}
	return v
}

func channelViews(r *http.Request, cs []otp.SessionChannel) []channelView {
	out := make([]channelView, 0, len(cs))
	for _, c := range cs {
		out = append(out, newChannelView(r, c))
	}
	return out
}

// seconds rounds a wait up to whole seconds, so that a client that waits
// that long is not refused.
func seconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}
