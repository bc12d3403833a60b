package kotp

import (
	"testing"
	"time"
)

// FuzzParseTime: a time from or to of GET /v1/otps accepts is exact at
// the precision parseTime reports (a day, a second or a power of ten of a
// fraction), so that the end of a range extended by it takes in exactly
// what was written; and writing it back in RFC 3339 reads the same instant.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2024-01-15T10:30:00Z", "2024-01-15T10:32:00Z", "2024-01-15T10:30:15Z", // seed 001's times
		"2024-01-15", "2024-01-15T10:30:00", "2024-01-15T13:30:00+03:00", "2024-01-15T13:30:00 03:00",
		"2024-01-15T10:30:00.250Z", "2024-01-15T10:30:00,5Z", "2024-01-15T10:30:00,250", "2024-01-15T10:30:00.1234567891Z",
		"2024-01-15T10:30", "15/01/2024", "2024-02-30", "2024-01-15T24:00:00Z", "", " ", "0000-01-01T00:00:00-23:59",
	} {
		f.Add(s)
	}
	precisions := map[time.Duration]bool{24 * time.Hour: true}
	for p := time.Second; p >= 1; p /= 10 {
		precisions[p] = true
	}
	f.Fuzz(func(t *testing.T, s string) {
		at, precision, ok := parseTime(s)
		if !ok {
			if !at.IsZero() || precision != 0 {
				t.Fatalf("parseTime(%q) refused with %v, %v", s, at, precision)
			}
			return
		}
		if !precisions[precision] {
			t.Fatalf("parseTime(%q) precision %v", s, precision)
		}
		if trunc := at.Truncate(precision); !trunc.Equal(at) {
			t.Errorf("parseTime(%q) = %v with precision %v: finer than its precision", s, at, precision)
		}
		again, _, ok := parseTime(at.Format(time.RFC3339Nano))
		if !ok || !again.Equal(at) {
			t.Errorf("parseTime(%q) = %v, which reads back as %v, %v", s, at, again, ok)
		}
	})
}
