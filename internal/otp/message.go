package otp

import (
	"fmt"
	"strings"
	"time"
)

// RenderBody writes the text of a message. This is the built-in English and
// Russian text; per-locale templates replace it in the delivery work.
func RenderBody(m OutgoingMessage, now time.Time) string {
	minutes := int(m.ExpiresAt.Sub(now).Round(time.Minute) / time.Minute)
	minutes = max(minutes, 1)
	name := m.AppName
	if strings.HasPrefix(m.Locale, "ru") {
		return fmt.Sprintf("%s — код подтверждения %s. Действует %d мин. Никому не сообщайте этот код.", name, m.Code, minutes)
	}
	unit := "minutes"
	if minutes == 1 {
		unit = "minute"
	}
	return fmt.Sprintf("Your %s verification code is %s. It expires in %d %s. Do not share this code with anyone.", name, m.Code, minutes, unit)
}
