package api_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/delivery"
	"github.com/otpd/otpd/internal/metrics"
	"github.com/otpd/otpd/internal/otp"
)

// metricsHarness is the harness with metrics wired as cmd/otpd wires
// them: the domain's hooks, the request middleware around the API, and
// GET /metrics beside it.
func metricsHarness(t *testing.T) (*harness, *metrics.Metrics) {
	m := metrics.New()
	h := newHarness(t, harnessOptions{
		config: func(c *otp.Config) { c.Metrics = m },
		wrap: func(api http.Handler) http.Handler {
			mux := http.NewServeMux()
			mux.Handle("GET /metrics", m.Handler())
			mux.Handle("/", m.Instrument(api, nil))
			return mux
		},
	})
	m.WatchQueues(h.svc.QueueStats)
	return h, m
}

// scrape reads /metrics through the server.
func scrape(t *testing.T, h *harness) string {
	t.Helper()
	res, err := http.Get(h.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d %v\n%s", res.StatusCode, err, body)
	}
	return string(body)
}

// sample is the line of the text format for name with labels, which the
// format writes sorted by label name, and value.
func sample(name string, value float64, labels ...string) string {
	pairs := make([]string, 0, len(labels)/2)
	for i := 0; i+1 < len(labels); i += 2 {
		pairs = append(pairs, fmt.Sprintf("%s=%q", labels[i], labels[i+1]))
	}
	sort.Strings(pairs)
	if len(pairs) == 0 {
		return fmt.Sprintf("%s %v", name, value)
	}
	return fmt.Sprintf("%s{%s} %v", name, strings.Join(pairs, ","), value)
}

func wantSamples(t *testing.T, text string, want ...string) {
	t.Helper()
	lines := strings.Split(text, "\n")
	for _, w := range want {
		if !slices.Contains(lines, w) {
			name, _, _ := strings.Cut(w, "{")
			var got []string
			for _, l := range lines {
				if strings.HasPrefix(l, name) {
					got = append(got, l)
				}
			}
			t.Errorf("no line %s; %s has:\n%s", w, name, strings.Join(got, "\n"))
		}
	}
}

// A create, a wrong check, a right check and a check after the expiry
// show in /metrics with exact counts, by channel, country and outcome;
// so do the requests by route pattern, refusals, the outbox, and a
// provider send.
func TestMetricsCountAVerificationsLife(t *testing.T) {
	h, m := metricsHarness(t)
	_, key := h.createApp("test")

	id := h.send(key, "+44 20 7946 0958", "sms")
	code := h.inboxCode(key, "+442079460958")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	wrongCheck := h.mustStatus(h.do("POST", "/v1/verifications/"+id+"/check", key, map[string]any{"code": wrong}), 200)
	if wrongCheck.data()["valid"] != false {
		t.Fatalf("wrong check: %s", wrongCheck.raw)
	}
	if r := h.mustStatus(h.do("POST", "/v1/verifications/"+id+"/check", key, map[string]any{"code": code}), 200); r.data()["valid"] != true {
		t.Fatalf("right check: %s", r.raw)
	}
	late := h.send(key, "someone@example.com", "email")
	// Asked again at once, the resend is refused by its cooldown.
	h.mustStatus(h.do("POST", "/v1/verifications/"+late+"/resend", key, map[string]any{}), 429)
	h.clock.Advance(time.Hour)
	expired := h.mustStatus(h.do("POST", "/v1/verifications/"+late+"/check", key, map[string]any{"code": "123456"}), 200)
	if expired.data()["status"] != "expired" {
		t.Fatalf("check after the expiry: %s", expired.raw)
	}

	// A live application's message waits in the outbox for a provider.
	_, liveKey := h.createApp("live")
	h.send(liveKey, "+1 415 555 2671", "sms")
	// A premium-rate number is refused by the fraud screens.
	h.mustStatus(h.do("POST", "/v1/verifications", liveKey, map[string]any{"to": "+449012345678", "channel": "sms"}), 403)
	before := scrape(t, h)
	wantSamples(t, before, sample("otpd_outbox_messages", 1), sample("otpd_outbox_oldest_age_seconds", 0))
	h.deliverThrough(delivery.ObservedSender("recorder", h.sender, m.ProviderSend))

	text := scrape(t, h)
	wantSamples(t, text,
		sample("otpd_verifications_created_total", 1, "channel", "sms", "country", "GB"),
		sample("otpd_verifications_created_total", 1, "channel", "email", "country", "none"),
		sample("otpd_verifications_created_total", 1, "channel", "sms", "country", "US"),
		sample("otpd_verifications_checked_total", 1, "outcome", "wrong_code", "channel", "sms", "country", "GB"),
		sample("otpd_verifications_checked_total", 1, "outcome", "verified", "channel", "sms", "country", "GB"),
		sample("otpd_verifications_checked_total", 1, "outcome", "expired", "channel", "email", "country", "none"),
		sample("otpd_verifications_expired_total", 1, "channel", "email", "country", "none"),
		sample("otpd_deliveries_total", 1, "provider", "recorder", "outcome", "accepted"),
		sample("otpd_http_requests_total", 3, "route", "POST /v1/verifications", "method", "POST", "code", "201", "dialect", "native"),
		sample("otpd_refusals_total", 1, "kind", "rate_limit", "reason", "resend_cooldown"),
		sample("otpd_refusals_total", 1, "kind", "fraud", "reason", "number_type_not_allowed"),
		sample("otpd_http_requests_total", 1, "route", "POST /v1/verifications", "method", "POST", "code", "403", "dialect", "native"),
		sample("otpd_http_requests_total", 3, "route", "POST /v1/verifications/{id}/check", "method", "POST", "code", "200", "dialect", "native"),
		sample("otpd_http_requests_total", 1, "route", "POST /v1/verifications/{id}/resend", "method", "POST", "code", "429", "dialect", "native"),
		sample("otpd_http_request_duration_seconds_count", 4, "route", "POST /v1/verifications", "method", "POST", "dialect", "native"),
	)
}

// allowedLabels are every label name a metric may have: each takes its
// values from a small fixed set. A new label must be added here, after
// checking that its values are bounded (no ids, destinations or names).
var allowedLabels = []string{
	"route", "method", "code", "dialect", // requests
	"channel", "country", "outcome", // verifications, deliveries, webhooks
	"provider",       // configured provider names
	"kind", "reason", // refusals: fixed error keys
	"version",  // go_info: the Go version
	"quantile", // go_gc_duration_seconds
}

// No metric carries a label whose values could grow without bound: every
// label name is in allowedLabels, and no value is an id, a destination,
// a raw path or a client's made-up method, whatever the requests were.
func TestMetricLabelsAreBounded(t *testing.T) {
	h, m := metricsHarness(t)
	_, key := h.createApp("test")
	id := h.send(key, "+44 20 7946 0958", "sms")
	h.do("POST", "/v1/verifications/"+id+"/check", key, map[string]any{"code": "000000"})
	h.do("GET", "/v1/verifications/"+id, key, nil)
	h.do("GET", "/v1/no/such/path/"+id, key, nil)
	h.do("BREW", "/v1/verifications/"+id, key, nil)
	mail := h.send(key, "someone@example.com", "email")
	scrape(t, h)

	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{id, mail, "7946", "someone", key, "BREW", "/v1/no/such"}
	for _, f := range families {
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if !slices.Contains(allowedLabels, l.GetName()) {
					t.Errorf("%s has label %q, which is not in allowedLabels", f.GetName(), l.GetName())
				}
				for _, secret := range secrets {
					if strings.Contains(l.GetValue(), secret) {
						t.Errorf("%s{%s=%q} carries %q", f.GetName(), l.GetName(), l.GetValue(), secret)
					}
				}
				if l.GetName() == "route" && !strings.Contains(l.GetValue(), " /") && l.GetValue() != "/" && l.GetValue() != "unmatched" {
					t.Errorf("%s{route=%q} is not a mux pattern", f.GetName(), l.GetValue())
				}
			}
		}
	}
}
