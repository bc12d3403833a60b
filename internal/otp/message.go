package otp

import (
	"fmt"
	"strings"
	"time"
)

// renderedMessage is the text of one message. (Interim: the templates
// package replaces this with per-locale templates.)
type renderedMessage struct{ Locale, Body, Subject, HTML string }

// renderMessage writes the texts of m.
func renderMessage(mp MessagePolicy, m OutgoingMessage, tx *Transaction, now time.Time) (renderedMessage, error) {
	_ = mp
	_ = tx
	minutes := int((m.ExpiresAt.Sub(now) + time.Minute - 1) / time.Minute)
	minutes = max(minutes, 1)
	name := m.AppName
	if strings.HasPrefix(m.Locale, "ru") {
		return renderedMessage{Locale: m.Locale, Body: fmt.Sprintf("%s — код подтверждения %s. Действует %d мин. Никому не сообщайте этот код.", name, m.Code, minutes)}, nil
	}
	unit := "minutes"
	if minutes == 1 {
		unit = "minute"
	}
	return renderedMessage{Locale: m.Locale, Body: fmt.Sprintf("Your %s verification code is %s. It expires in %d %s. Do not share this code with anyone.", name, m.Code, minutes, unit)}, nil
}

func resolveLocale(requested, country, def string) string {
	_ = country
	if requested != "" {
		return requested
	}
	return def
}

func validateTemplateOptions(hash, domain string) error { return nil }

func validateOverride(channel, purpose, body, subject string) error {
	if !strings.Contains(body, "{{.Code}}") {
		return fmt.Errorf("body must contain {{.Code}}")
	}
	return nil
}
