package sqlstore

import "testing"

func TestLimitClause(t *testing.T) {
	for n, want := range map[int]string{64: " LIMIT 64", 1: " LIMIT 1", 0: " LIMIT 0", -5: " LIMIT 0"} {
		if got := limitClause(n); got != want {
			t.Errorf("limitClause(%d) = %q, want %q", n, got, want)
		}
	}
}
