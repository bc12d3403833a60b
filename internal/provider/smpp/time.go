package smpp

import "time"

// absoluteTime is t in the SMPP 3.4 absolute time format (7.1.1.1),
// "YYMMDDhhmmsstnnp", given in UTC: tenths 0, offset 00 quarter hours,
// "+". The tenths are dropped rather than rounded, so the SMSC never
// holds a message past t. The zero time is "", which leaves the choice to
// the SMSC (its default validity).
func absoluteTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("060102150405") + "000+"
}
