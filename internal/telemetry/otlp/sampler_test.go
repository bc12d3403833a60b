package otlp

import (
	"context"
	"encoding/binary"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/telemetry"
	"github.com/otpd/otpd/internal/telemetry/telemetrytest"
)

func TestSamplerFromTheEnvironment(t *testing.T) {
	id := func(low uint64) (tid [16]byte) {
		binary.BigEndian.PutUint64(tid[8:], low)
		return tid
	}
	low, high := id(1<<62-1), id(1<<63+1<<62) // a quarter of the way, and three quarters
	for _, tc := range []struct {
		sampler, arg string
		follow       bool
		low, high    bool
	}{
		{"", "", true, true, true}, // parentbased_always_on
		{"always_off", "", false, false, false},
		{"traceidratio", "0.5", false, true, false},
		{"parentbased_traceidratio", "0.5", true, true, false},
	} {
		s, err := readSampler(envOf(map[string]string{"OTEL_TRACES_SAMPLER": tc.sampler, "OTEL_TRACES_SAMPLER_ARG": tc.arg}))
		if err != nil {
			t.Fatalf("%s: %v", tc.sampler, err)
		}
		if s.followParent != tc.follow || s.sample(low) != tc.low || s.sample(high) != tc.high {
			t.Errorf("%q %q: follows parent %v, samples %v %v; want %v, %v %v", tc.sampler, tc.arg,
				s.followParent, s.sample(low), s.sample(high), tc.follow, tc.low, tc.high)
		}
	}
	for _, env := range []map[string]string{{"OTEL_TRACES_SAMPLER": "jaeger_remote"},
		{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"}} {
		if _, err := readSampler(envOf(env)); err == nil || !strings.Contains(err.Error(), "OTEL_TRACES_SAMPLER") {
			t.Errorf("%v: error %v, want one naming the variable", env, err)
		}
	}
}

// With parentbased_ samplers, a caller's traceparent decides: a span
// under an unsampled parent records nothing but still carries the trace.
func TestAnUnsampledParentIsFollowed(t *testing.T) {
	telemetrytest.Record(t)
	parent, _ := telemetry.ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")
	_, span := telemetry.Start(telemetry.ContextWith(context.Background(), parent), "GET", telemetry.Server)
	if span.IsRecording() || span == nil || span.TraceIDHex() != "0af7651916cd43dd8448eb211c80319c" {
		t.Errorf("span %+v: want one that does not record, in the caller's trace", span)
	}
	if got := telemetry.Traceparent(span); !strings.HasPrefix(got, "00-0af7651916cd43dd8448eb211c80319c-") || !strings.HasSuffix(got, "-00") {
		t.Errorf("traceparent %q, want the caller's trace, not sampled", got)
	}
}

func TestResourceFromTheEnvironment(t *testing.T) {
	res, err := readResource(envOf(map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod,service.name=ignored%20here",
		"OTEL_SERVICE_NAME": "otpd-eu"}), "v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, kv := range res {
		got[kv[0]] = kv[1]
	}
	if got["service.name"] != "otpd-eu" || got["service.version"] != "v1.2.3" || got["deployment.environment"] != "prod" {
		t.Errorf("resource %v", got)
	}
	if _, err := readResource(envOf(map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "novalue"}), ""); err == nil {
		t.Error("a malformed OTEL_RESOURCE_ATTRIBUTES was accepted")
	}
}

// A full batch goes at once, without waiting for the schedule.
func TestBatcherExportsAFullBatchAtOnce(t *testing.T) {
	exported := make(chan int, 4)
	b := &batcher{cfg: batchConfig{delay: time.Hour, queue: 8, batch: 2, exportTimeout: time.Second},
		export: func(_ context.Context, spans []*telemetry.Span) error { exported <- len(spans); return nil },
		log:    slog.New(slog.DiscardHandler), queue: make(chan *telemetry.Span, 8), quit: make(chan struct{}), done: make(chan struct{})}
	go b.run(newExporter(exporterConfig{url: "http://127.0.0.1:1/v1/traces", timeout: time.Second}, nil))
	rec := telemetrytest.Record(t)
	for range 3 {
		_, s := telemetry.Start(context.Background(), "x", telemetry.Internal)
		s.End()
	}
	for _, s := range rec.Ended() {
		b.add(s)
	}
	if n := <-exported; n != 2 {
		t.Errorf("first export of %d spans, want the full batch of 2", n)
	}
	if err := b.stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := <-exported; n != 1 {
		t.Errorf("the stop exported %d spans, want the 1 left", n)
	}
	if _, err := readBatchConfig(envOf(map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "-1"})); err == nil ||
		!strings.Contains(err.Error(), "OTEL_BSP_SCHEDULE_DELAY") {
		t.Errorf("a negative OTEL_BSP_SCHEDULE_DELAY: %v, want an error naming it", err)
	}
}
