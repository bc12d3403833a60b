package bench

import (
	"flag"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(n int) []time.Duration {
		d := make([]time.Duration, n)
		for i := range d {
			d[i] = time.Duration(i+1) * time.Millisecond
		}
		return d
	}
	tests := []struct {
		name      string
		latencies []time.Duration // sorted
		p         int
		want      time.Duration
	}{
		{name: "none", latencies: nil, p: 50, want: 0},
		{name: "one", latencies: ms(1), p: 99, want: time.Millisecond},
		{name: "median of 10", latencies: ms(10), p: 50, want: 5 * time.Millisecond},
		{name: "p90 of 10", latencies: ms(10), p: 90, want: 9 * time.Millisecond},
		{name: "p99 of 10", latencies: ms(10), p: 99, want: 10 * time.Millisecond},
		{name: "p99 of 1000", latencies: ms(1000), p: 99, want: 990 * time.Millisecond},
		{name: "p99 of 1001", latencies: ms(1001), p: 99, want: 991 * time.Millisecond},
		{name: "max", latencies: ms(7), p: 100, want: 7 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stats{latencies: tt.latencies}
			if got := s.percentile(tt.p); got != tt.want {
				t.Errorf("p%d = %s, want %s", tt.p, got, tt.want)
			}
		})
	}
}

func TestMergeTallies(t *testing.T) {
	var a, b tally
	a.record(3*time.Millisecond, 201, true)
	a.record(1*time.Millisecond, 201, false) // a 2xx that broke the contract
	a.record(2*time.Millisecond, 429, false)
	b.record(5*time.Millisecond, 500, false)
	b.record(4*time.Millisecond, 0, false) // no answer
	b.record(6*time.Millisecond, 429, false)
	b.record(7*time.Millisecond, 500, false)

	s := mergeTallies("create", time.Second, []*tally{&a, &b})
	if s.requests != 7 || s.succeeded != 1 || s.unexpected != 1 || s.limited != 2 || s.errors() != 4 {
		t.Errorf("requests %d succeeded %d unexpected %d limited %d errors %d, want 7 1 1 2 4",
			s.requests, s.succeeded, s.unexpected, s.limited, s.errors())
	}
	if got, want := s.describeErrors(), "transport:1 500:2 unexpected:1"; got != want {
		t.Errorf("describeErrors = %q, want %q", got, want)
	}
	for i := 1; i < len(s.latencies); i++ {
		if s.latencies[i-1] > s.latencies[i] {
			t.Fatalf("latencies not sorted: %v", s.latencies)
		}
	}

	var out strings.Builder
	s.write(&out)
	want := "create   requests=7 errors=4 (transport:1 500:2 unexpected:1) rate_limited=2 elapsed=1s rate=7.0/s p50=4ms p90=7ms p99=7ms max=7ms\n"
	if out.String() != want {
		t.Errorf("write printed\n%q, want\n%q", out.String(), want)
	}
}

func TestFlags(t *testing.T) {
	var c Config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	c.Flags(fs)
	args := []string{"-url", "http://localhost:9000", "-admin-token", "adm", "-api-key", "otpd_test_api_x",
		"-c", "32", "-d", "3s", "-n", "500", "-channel", "email", "-prefill", "1000", "-order", "random", "-seed", "42", "-compare-floor"}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	want := Config{BaseURL: "http://localhost:9000", AdminToken: "adm", APIKey: "otpd_test_api_x",
		Concurrency: 32, Duration: 3 * time.Second, Requests: 500, Channel: "email",
		Prefill: 1000, Order: orderRandom, Seed: 42, CompareFloor: true}
	if c != want {
		t.Errorf("parsed %+v, want %+v", c, want)
	}

	var d Config
	d.Flags(flag.NewFlagSet("bench", flag.ContinueOnError))
	wantDefaults := Config{BaseURL: defaultBaseURL, Concurrency: defaultConcurrency, Duration: defaultDuration, Channel: defaultChannel,
		Order: orderCreated, Seed: 1}
	if d != wantDefaults {
		t.Errorf("defaults %+v, want %+v", d, wantDefaults)
	}
}
