package otp

import (
	"context"
	"fmt"
	"time"
)

// StatDelta is what some events add to one row of the daily rollup.
type StatDelta struct {
	AppID    string
	Day      int64 // days since 1970-01-01, UTC
	Channel  Channel
	Country  string
	Created  int
	Sent     int
	Verified int
	Failed   int
	Cost     Money
}

// dayOf is the rollup day of t.
func dayOf(t time.Time) int64 { return t.UTC().Unix() / 86400 }

// statsOf adds up events by application, day, channel and country.
func statsOf(events []Event) []StatDelta {
	type key struct {
		app     string
		day     int64
		channel Channel
		country string
	}
	byKey := map[key]*StatDelta{}
	var order []key
	for _, e := range events {
		k := key{e.AppID, dayOf(e.CreatedAt), e.Channel, e.Country}
		d := byKey[k]
		if d == nil {
			d = &StatDelta{AppID: k.app, Day: k.day, Channel: k.channel, Country: k.country}
			byKey[k] = d
			order = append(order, k)
		}
		switch e.Type {
		case EventCreated:
			d.Created++
		case EventSent:
			d.Sent++
			if cost, err := d.Cost.Add(e.Cost); err == nil {
				d.Cost = cost
			}
		case EventVerified:
			d.Verified++
		case EventFailed:
			d.Failed++
		}
	}
	out := make([]StatDelta, 0, len(order))
	for _, k := range order {
		if d := byKey[k]; d.Created+d.Sent+d.Verified+d.Failed > 0 {
			out = append(out, *d)
		}
	}
	return out
}

// StatsFilter selects the rollup rows a report adds up. Zero fields match all.
type StatsFilter struct {
	AppID string
	// OwnerID, without AppID, keeps the applications of this developer's
	// projects; nil keeps every application's. The Service sets it from
	// the caller.
	OwnerID *string
	Channel Channel
	Country string
	From    time.Time // first day included
	To      time.Time // last day included
}

// StatsTotals are counters added up over some rollup rows.
type StatsTotals struct {
	Key      string // the channel or country of a breakdown row; "" for the total
	Created  int
	Sent     int
	Verified int
	Failed   int
	Cost     Money
}

// ConversionRate is the share of created verifications that were verified.
func (t StatsTotals) ConversionRate() float64 {
	if t.Created == 0 {
		return 0
	}
	return float64(t.Verified) / float64(t.Created)
}

// Summary is the analytics overview of a filter.
type Summary struct {
	From, To     time.Time // the days added up, both included (UTC)
	Applications int
	Totals       StatsTotals
	ActiveUsers  int // destinations that verified in the period
	ByChannel    []StatsTotals
	ByCountry    []StatsTotals
}

// DayStats are one day's counters of a time series.
type DayStats struct {
	Day      time.Time
	Sent     int
	Verified int
	Failed   int
}

// AnalyticsSummary adds up the rollup for f, by channel and by country too.
func (s *Service) AnalyticsSummary(ctx context.Context, f StatsFilter) (*Summary, error) {
	if err := s.checkStatsFilter(ctx, &f); err != nil {
		return nil, err
	}
	sum, err := s.store.StatsSummary(ctx, f, dayOf(f.From), dayOf(f.To))
	if err != nil {
		return nil, err
	}
	sum.From, sum.To = f.From.UTC(), f.To.UTC()
	return sum, nil
}

// AnalyticsTimeseries returns one row per day of the last days days
// (today included), zeros where nothing happened.
func (s *Service) AnalyticsTimeseries(ctx context.Context, f StatsFilter, days int) ([]DayStats, error) {
	if days < 1 || days > MaxAnalyticsDays {
		return nil, invalidField("range", "out_of_range", "range must be 7d, 30d or 90d")
	}
	today := s.clock.Now().UTC().Truncate(24 * time.Hour)
	f.From, f.To = today.AddDate(0, 0, -(days-1)), today
	if err := s.checkStatsFilter(ctx, &f); err != nil {
		return nil, err
	}
	rows, err := s.store.StatsByDay(ctx, f, dayOf(f.From), dayOf(f.To))
	if err != nil {
		return nil, err
	}
	byDay := map[int64]DayStats{}
	for _, r := range rows {
		byDay[dayOf(r.Day)] = r
	}
	out := make([]DayStats, 0, days)
	for d := f.From; !d.After(f.To); d = d.AddDate(0, 0, 1) {
		r := byDay[dayOf(d)]
		r.Day = d
		out = append(out, r)
	}
	return out, nil
}

func (s *Service) checkStatsFilter(ctx context.Context, f *StatsFilter) error {
	f.OwnerID = nil
	if f.AppID != "" {
		if _, err := s.GetApplication(ctx, f.AppID); err != nil {
			return err
		}
	} else {
		f.OwnerID = ownerScope(ctx) // a developer's own applications
	}
	switch f.Channel {
	case "", SMS, Voice, Email, Telegram, WhatsApp:
	default:
		return invalidField("channel", "invalid_query", "channel must be one of sms, voice, email, telegram, whatsapp")
	}
	if f.Country != "" && (len(f.Country) != 2 || f.Country[0] < 'A' || f.Country[0] > 'Z' || f.Country[1] < 'A' || f.Country[1] > 'Z') {
		return invalidField("country", "invalid_query", "country must be an ISO 3166 region such as GB")
	}
	if f.To.IsZero() {
		f.To = s.clock.Now()
	}
	if f.From.IsZero() {
		f.From = f.To.AddDate(0, 0, -29)
	}
	if f.From.After(f.To) {
		return invalidField("from", "invalid_query", "from must not be after to")
	}
	if days := dayOf(f.To) - dayOf(f.From) + 1; days > MaxAnalyticsDays {
		e := invalidField("from", "analytics_range_too_long", fmt.Sprintf("from and to may span at most %d days", MaxAnalyticsDays))
		e.Params = map[string]any{"reason": ReasonRangeTooLong, "maxDays": MaxAnalyticsDays}
		return e
	}
	return nil
}

// MaxAnalyticsDays bounds the days one analytics report adds up, so that
// one request cannot make the store read years of rollup rows.
const MaxAnalyticsDays = 400

// ReasonRangeTooLong is details.reason of an analytics request whose
// from and to are more than MaxAnalyticsDays days apart.
const ReasonRangeTooLong = "range_too_long"
