package smpp

import (
	"slices"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	p, err := New(Config{Addr: "127.0.0.1:1", SystemID: "acme", ReconnectMin: time.Second, ReconnectMax: 10 * time.Second})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var got []time.Duration
	var d time.Duration
	for range 6 {
		d = p.backoff(d)
		got = append(got, d)
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}
	if !slices.Equal(got, want) {
		t.Errorf("backoff sequence = %v, want %v", got, want)
	}
	for range 100 {
		if j := jitter(8 * time.Second); j < 4*time.Second || j > 8*time.Second {
			t.Fatalf("jitter(8s) = %v, want within [4s, 8s]", j)
		}
	}
}
