package sqlstore

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// An outage is logged twice whatever its length: an ERROR with the cause
// when it starts, an INFO with its duration and the failed calls when the
// first call succeeds again. Calls in between log nothing.
func TestOutageTrackerLogsStartAndEndOnce(t *testing.T) {
	var logs bytes.Buffer
	now := time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC)
	tr := newOutageTracker(func() time.Time { return now },
		slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{ReplaceAttr: dropTime})))

	tr.succeeded() // healthy: nothing to say
	cause := errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")
	for range 1000 {
		tr.failed(cause)
		now = now.Add(10 * time.Millisecond)
	}
	now = now.Add(2 * time.Second) // 12 s since the first failure
	tr.succeeded()
	tr.succeeded()

	want := `level=ERROR msg="database unavailable" err="dial tcp 127.0.0.1:5432: connect: connection refused"
level=INFO msg="database available again" duration=12s failed_calls=1000
`
	if got := logs.String(); got != want {
		t.Errorf("logged\n%s\nwant\n%s", got, want)
	}

	// A second outage is a new one, counted from its own start.
	logs.Reset()
	tr.failed(cause)
	now = now.Add(time.Second)
	tr.succeeded()
	if got := logs.String(); strings.Count(got, "\n") != 2 || !strings.Contains(got, "duration=1s failed_calls=1") {
		t.Errorf("second outage logged\n%s", got)
	}
}

func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}
