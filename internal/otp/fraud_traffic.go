package otp

import (
	"context"
	"time"
)

// The traffic history the pumping detector reads: per project, per phone
// prefix and per bucket of time, the messages sent and the verifications
// verified. The event consumer writes it from the otp.sent and
// otp.verified events, so the send path pays nothing for it.
const (
	// TrafficBucket is the span one row counts: short enough that the
	// detector sees an attack minutes after it starts, long enough that
	// a busy prefix has a few rows an hour, not one a send.
	TrafficBucket = 5 * time.Minute
	// TrafficPrefixDigits is how many digits of a number a row keeps:
	// the longest prefix the detector blocks. Shorter prefixes are sums.
	TrafficPrefixDigits = 6
	// TrafficRetention is how long rows stay: the detector's baseline
	// (a week) and a day of slack.
	TrafficRetention = 8 * 24 * time.Hour
)

// TrafficDelta is what some events add to one row of the traffic history.
type TrafficDelta struct {
	ProjectID string
	Prefix    string // "+" and the number's first TrafficPrefixDigits digits
	Country   string
	Bucket    time.Time // the bucket's start
	Sends     int
	Verified  int
}

// TrafficCount is the traffic of one prefix (and country) over a span.
type TrafficCount struct {
	Prefix   string
	Country  string
	Sends    int
	Verified int
}

// TrafficHour is the traffic of one country in one hour.
type TrafficHour struct {
	Country  string
	Hour     time.Time
	Sends    int
	Verified int
}

// bucketOf is the start of the traffic bucket t falls in.
func bucketOf(t time.Time) time.Time { return t.UTC().Truncate(TrafficBucket) }

// trafficPrefix is the prefix a phone number's traffic is counted under,
// "" for an email address (it has none).
func trafficPrefix(dest string) string {
	if len(dest) < 2 || dest[0] != '+' {
		return ""
	}
	return dest[:min(len(dest), 1+TrafficPrefixDigits)]
}

// trafficOf adds up the sends and verifications among events by project,
// prefix, country and bucket. An event whose application or project is
// gone is left out, as is one without a phone destination.
func (s *Service) trafficOf(ctx context.Context, events []Event) ([]TrafficDelta, error) {
	type key struct {
		project, prefix, country string
		bucket                   int64
	}
	byKey := map[key]*TrafficDelta{}
	var order []key
	for _, e := range events {
		if e.Type != EventSent && e.Type != EventVerified {
			continue
		}
		prefix := trafficPrefix(e.Destination)
		if prefix == "" {
			continue
		}
		a, err := s.applicationByID(ctx, e.AppID)
		if isCode(err, CodeNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		b := bucketOf(e.CreatedAt)
		k := key{a.ProjectID, prefix, e.Country, b.UnixMicro()}
		d := byKey[k]
		if d == nil {
			d = &TrafficDelta{ProjectID: a.ProjectID, Prefix: prefix, Country: e.Country, Bucket: b}
			byKey[k] = d
			order = append(order, k)
		}
		if e.Type == EventSent {
			d.Sends++
		} else {
			d.Verified++
		}
	}
	out := make([]TrafficDelta, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	return out, nil
}
