package otp

import (
	"fmt"
	"time"

	"github.com/otpd/otpd/internal/templates"
)

// renderMessage writes the texts of m from the project's override for its
// template set, channel, purpose and locale, or the built-in templates. An override that
// no longer renders (it was valid when saved) falls back to the built-in
// text rather than leaving the person without a code.
func renderMessage(mp MessagePolicy, m OutgoingMessage, opts SendOptions, now time.Time) (templates.Content, error) {
	tx := opts.Transaction
	minutes := int((m.ExpiresAt.Sub(now) + time.Minute - 1) / time.Minute)
	// Names stored before otpd refused unsafe characters are stripped of them here.
	vars := templates.Vars{Code: m.Code, AppName: SafeText(m.AppName), Minutes: max(minutes, 1)}
	if tx != nil {
		vars.Amount, vars.Payee = SafeText(tx.Amount), SafeText(tx.Payee)
	}
	req := templates.Request{
		Channel: string(m.Channel), Purpose: string(m.Purpose), Locale: m.Locale, Vars: vars,
		Options: templates.Options{NoShareLine: mp.NoShareLine, SMSAppHash: mp.SMSAppHash, WebOTPDomain: mp.WebOTPDomain},
	}
	if o := mp.override(opts.Template, m.Channel, m.Purpose, m.Locale); o != nil {
		req.Override = &templates.Override{Body: o.Body, Subject: o.Subject}
		if c, err := templates.Render(req); err == nil {
			// An override's text was checked when saved, but a template can
			// write what its source does not show ({{"\u202E"}}).
			c.Body, c.Subject, c.HTML = stripUnsafe(c.Body, true), SafeText(c.Subject), stripBidi(c.HTML)
			return c, nil
		}
		req.Override = nil
	}
	c, err := templates.Render(req)
	if err != nil {
		return c, fmt.Errorf("render %s message: %w", m.Channel, err)
	}
	return c, nil
}
