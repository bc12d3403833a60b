package api

import (
	"net/http"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

type breakdownView struct {
	Key            string  `json:"key"` // the channel or the country
	Sent           int     `json:"sent"`
	Created        int     `json:"created"`
	Verified       int     `json:"verified"`
	Failed         int     `json:"failed"`
	ConversionRate float64 `json:"conversionRate"` // verified / created
}

type summaryView struct {
	From         string          `json:"from"` // first day, UTC
	To           string          `json:"to"`   // last day, UTC
	Applications int             `json:"applications"`
	OTPRequests  int             `json:"otpRequests"`
	OTPSent      int             `json:"otpSent"`
	OTPVerified  int             `json:"otpVerified"`
	OTPFailed    int             `json:"otpFailed"`
	SuccessRate  float64         `json:"successRate"` // verified / requested
	ActiveUsers  int             `json:"activeUsers"` // destinations that verified in the period
	Cost         *moneyView      `json:"cost"`
	ByChannel    []breakdownView `json:"byChannel"`
	ByCountry    []breakdownView `json:"byCountry"`
}

type timeseriesPoint struct {
	Date     string `json:"date"`
	Sent     int    `json:"sent"`
	Verified int    `json:"verified"`
	Failed   int    `json:"failed"`
}

type timeseriesView struct {
	Range  string            `json:"range" enum:"7d,30d,90d"`
	Points []timeseriesPoint `json:"points"`
}

const dayLayout = "2006-01-02"

func statsFilter(r *http.Request) (otp.StatsFilter, error) {
	q := r.URL.Query()
	f := otp.StatsFilter{AppID: q.Get("appId"), Channel: otp.Channel(q.Get("channel")), Country: q.Get("country")}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(dayLayout, v)
			if err != nil {
				return f, queryError(p.name, p.name+" must be a date such as 2026-11-22")
			}
			*p.dst = t
		}
	}
	return f, nil
}

func breakdown(ts []otp.StatsTotals) []breakdownView {
	out := make([]breakdownView, len(ts))
	for i, t := range ts {
		out[i] = breakdownView{Key: t.Key, Sent: t.Sent, Created: t.Created, Verified: t.Verified, Failed: t.Failed, ConversionRate: t.ConversionRate()}
	}
	return out
}

func (s *Server) analyticsSummary(w http.ResponseWriter, r *http.Request) error {
	f, err := statsFilter(r)
	if err != nil {
		return err
	}
	sum, err := s.svc.AnalyticsSummary(r.Context(), f)
	if err != nil {
		return err
	}
	t := sum.Totals
	writeData(w, http.StatusOK, summaryView{
		From: sum.From.Format(dayLayout), To: sum.To.Format(dayLayout),
		Applications: sum.Applications, OTPRequests: t.Created, OTPSent: t.Sent, OTPVerified: t.Verified, OTPFailed: t.Failed,
		SuccessRate: t.ConversionRate(), ActiveUsers: sum.ActiveUsers, Cost: newMoneyView(t.Cost),
		ByChannel: breakdown(sum.ByChannel), ByCountry: breakdown(sum.ByCountry),
	})
	return nil
}

func (s *Server) analyticsTimeseries(w http.ResponseWriter, r *http.Request) error {
	f, err := statsFilter(r)
	if err != nil {
		return err
	}
	rng := r.URL.Query().Get("range")
	days := map[string]int{"": 30, "7d": 7, "30d": 30, "90d": 90}[rng]
	if days == 0 {
		return queryError("range", "range must be 7d, 30d or 90d")
	}
	if rng == "" {
		rng = "30d"
	}
	rows, err := s.svc.AnalyticsTimeseries(r.Context(), f, days)
	if err != nil {
		return err
	}
	v := timeseriesView{Range: rng, Points: make([]timeseriesPoint, len(rows))}
	for i, d := range rows {
		v.Points[i] = timeseriesPoint{Date: d.Day.Format(dayLayout), Sent: d.Sent, Verified: d.Verified, Failed: d.Failed}
	}
	writeData(w, http.StatusOK, v)
	return nil
}
