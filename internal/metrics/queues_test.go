package metrics

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/otpd/otpd/internal/otp"
)

// A scrape within queueCacheFor of the last reading answers from it; a
// later one reads again; a failed read shows no gauge and counts an error.
func TestQueueGaugesAreCachedBetweenScrapes(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	reads := 0
	var fail error
	c := &queueCollector{now: func() time.Time { return now }, read: func(ctx context.Context) (otp.QueueStats, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("the queue read has no deadline")
		}
		reads++
		return otp.QueueStats{Outbox: reads, OutboxOldest: 3 * time.Second, Webhooks: 2 * reads}, fail
	}}
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	want := func(what, text string) {
		t.Helper()
		if err := testutil.GatherAndCompare(reg, strings.NewReader(text),
			"otpd_outbox_messages", "otpd_outbox_oldest_age_seconds", "otpd_webhook_queue_deliveries", "otpd_queue_read_errors_total"); err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	gauges := func(outbox, hooks, errs int) string {
		return strings.NewReplacer("OUTBOX", strconv.Itoa(outbox), "HOOKS", strconv.Itoa(hooks), "ERRS", strconv.Itoa(errs)).Replace(`
# HELP otpd_outbox_messages Messages in the outbox: queued for a provider or being sent.
# TYPE otpd_outbox_messages gauge
otpd_outbox_messages OUTBOX
# HELP otpd_outbox_oldest_age_seconds Age of the oldest message in the outbox; 0 when it is empty.
# TYPE otpd_outbox_oldest_age_seconds gauge
otpd_outbox_oldest_age_seconds 3
# HELP otpd_queue_read_errors_total Scrapes whose read of the queues failed or timed out.
# TYPE otpd_queue_read_errors_total counter
otpd_queue_read_errors_total ERRS
# HELP otpd_webhook_queue_deliveries Webhook deliveries pending (queued or being retried).
# TYPE otpd_webhook_queue_deliveries gauge
otpd_webhook_queue_deliveries HOOKS
`)
	}
	want("first scrape", gauges(1, 2, 0))
	now = now.Add(queueCacheFor - time.Millisecond)
	want("scrape within the cache", gauges(1, 2, 0))
	if reads != 1 {
		t.Errorf("%d reads within the cache, want 1", reads)
	}
	now = now.Add(time.Millisecond)
	want("scrape after the cache", gauges(2, 4, 0))

	fail = errors.New("database is down")
	now = now.Add(queueCacheFor)
	want("failed read", `
# HELP otpd_queue_read_errors_total Scrapes whose read of the queues failed or timed out.
# TYPE otpd_queue_read_errors_total counter
otpd_queue_read_errors_total 1
`)
}

func TestCountryLabelIsAnISOCodeOrNoneOrOther(t *testing.T) {
	for in, want := range map[string]string{"GB": "GB", "": "none", "001": "other", "gb": "other", "GBR": "other", "+4": "other"} {
		if got := countryLabel(in); got != want {
			t.Errorf("countryLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
