package bench

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// tally is what one worker saw. Each worker has its own, so the hot loop
// shares no memory with the others; the tallies are merged at the end.
type tally struct {
	latencies  []time.Duration
	byStatus   [600]int // answers by HTTP status; 0 counts transport errors
	unexpected int      // 2xx answers that broke the contract
	succeeded  int      // 2xx answers that kept it
	limitedBy  string   // the first 429's error code and message
}

func (t *tally) record(d time.Duration, status int, ok bool) {
	t.latencies = append(t.latencies, d)
	if status < 0 || status >= len(t.byStatus) {
		status = 0
	}
	t.byStatus[status]++
	if status >= 200 && status < 300 {
		if ok {
			t.succeeded++
		} else {
			t.unexpected++
		}
	}
}

// stats sums up one timed phase.
type stats struct {
	name       string
	requests   int
	failed     map[int]int // requests by status that failed, 429 aside; 0 is a transport error
	limited    int         // 429 answers
	unexpected int         // 2xx answers that broke the contract
	succeeded  int         // 2xx answers that kept it
	elapsed    time.Duration
	latencies  []time.Duration // sorted
	limitedBy  string          // a 429's error code and message, to say which limit
}

func mergeTallies(name string, elapsed time.Duration, tallies []*tally) *stats {
	s := &stats{name: name, elapsed: elapsed, failed: make(map[int]int)}
	n := 0
	for _, t := range tallies {
		n += len(t.latencies)
	}
	s.latencies = make([]time.Duration, 0, n)
	for _, t := range tallies {
		s.latencies = append(s.latencies, t.latencies...)
		s.unexpected += t.unexpected
		s.succeeded += t.succeeded
		if s.limitedBy == "" {
			s.limitedBy = t.limitedBy
		}
		for status, count := range t.byStatus {
			switch {
			case count == 0 || status >= 200 && status < 300:
			case status == 429:
				s.limited += count
			default:
				s.failed[status] += count
			}
		}
	}
	s.requests = len(s.latencies)
	slices.Sort(s.latencies)
	return s
}

// errors counts the requests that failed, 429 answers aside.
func (s *stats) errors() int {
	n := s.unexpected
	for _, count := range s.failed {
		n += count
	}
	return n
}

// percentile returns the latency that p percent of the requests did not
// exceed (nearest rank), or 0 without requests.
func (s *stats) percentile(p int) time.Duration {
	n := len(s.latencies)
	if n == 0 {
		return 0
	}
	rank := (n*p + 99) / 100 // ceil(n*p/100), in integers to be exact
	return s.latencies[max(0, min(rank-1, n-1))]
}

// rate is the requests per second over the phase.
func (s *stats) rate() float64 {
	if s.elapsed <= 0 {
		return 0
	}
	return float64(s.requests) / s.elapsed.Seconds()
}

// write prints the phase as one line of key=value pairs, so that runs are
// easy to compare and grep.
func (s *stats) write(w io.Writer) {
	fmt.Fprintf(w, "%-8s requests=%d errors=%d", s.name, s.requests, s.errors())
	if desc := s.describeErrors(); desc != "" {
		fmt.Fprintf(w, " (%s)", desc)
	}
	fmt.Fprintf(w, " rate_limited=%d elapsed=%s rate=%.1f/s p50=%s p90=%s p99=%s max=%s\n",
		s.limited, s.elapsed.Round(time.Millisecond), s.rate(),
		roundLatency(s.percentile(50)), roundLatency(s.percentile(90)),
		roundLatency(s.percentile(99)), roundLatency(s.percentile(100)))
}

// describeErrors lists the failures by kind, e.g. "500:3 transport:1".
func (s *stats) describeErrors() string {
	var parts []string
	statuses := make([]int, 0, len(s.failed))
	for status := range s.failed {
		statuses = append(statuses, status)
	}
	slices.Sort(statuses)
	for _, status := range statuses {
		name := "transport"
		if status != 0 {
			name = strconv.Itoa(status)
		}
		parts = append(parts, name+":"+strconv.Itoa(s.failed[status]))
	}
	if s.unexpected > 0 {
		parts = append(parts, "unexpected:"+strconv.Itoa(s.unexpected))
	}
	return strings.Join(parts, " ")
}

// roundLatency keeps three significant digits or so: 1.234ms, 12.35ms.
func roundLatency(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}
