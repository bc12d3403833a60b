package main

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/otpd/otpd/internal/telemetry"
	"github.com/otpd/otpd/internal/telemetry/telemetrytest"
)

// Every dialect otpd serves is wrapped so that it names itself on the
// request's span.
func TestDialectsNameThemselvesOnTheSpan(t *testing.T) {
	for _, d := range newDialects(nil, nil) {
		if _, ok := d.(tracedDialect); !ok {
			t.Errorf("dialect %s is not wrapped in tracedDialect", d.Name())
		}
	}
	rec := telemetrytest.Record(t)
	telemetry.Handler(tracedDialect{namedOnly{"kotp"}}).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil))
	if spans := telemetrytest.Named(rec, "POST"); len(spans) != 1 || spans[0].Attr(telemetry.Dialect) != "kotp" {
		t.Errorf("got %d POST spans, want one with otpd.dialect kotp", len(spans))
	}
}

// namedOnly is a dialect that has a name and answers nothing.
type namedOnly struct{ name string }

func (n namedOnly) Name() string                               { return n.name }
func (namedOnly) Title() string                                { return "" }
func (namedOnly) Patterns() []string                           { return nil }
func (namedOnly) ServeHTTP(http.ResponseWriter, *http.Request) {}
