package otp

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzSendBudgets reads send budgets as they arrive (the API's JSON, the
// stored column) and checks that validation never panics and that a valid
// document's rules apply as documented: each rule that applies to a
// number names its country or a prefix of it, and no scope applies twice.
func FuzzSendBudgets(f *testing.F) {
	f.Add(`{"rules":[{"country":"GB","perHour":10},{"prefix":"+4477","perDay":5}],"learnt":[{"country":"GB","perHour":1},{"country":"FR","perDay":3}]}`, "+447400123456")
	f.Add(`{"mode":"monitor","rules":[{"prefix":"+1415","perHour":1}],"ipPerHour":3,"guessesPerHour":4,"dailySends":10}`, "+14155552671")
	f.Add(`{"rules":[{"prefix":"+44","perHour":1}]}`, "person@example.com")
	f.Add(`{"rules":[{"country":"GB","prefix":"+4477","perHour":1}]}`, "+447400123456")
	f.Fuzz(func(t *testing.T, doc, to string) {
		var b SendBudgets
		if json.Unmarshal([]byte(doc), &b) != nil {
			return
		}
		if b.validate() != nil {
			return
		}
		d, err := ParseDestination(to, "to")
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, r := range b.rulesFor(d) {
			kind, value := r.scope()
			if seen[kind+value] {
				t.Fatalf("scope %s %s applies twice to %s", kind, value, d.Value)
			}
			seen[kind+value] = true
			if !d.IsPhone || r.Country != "" && r.Country != d.Country || r.Prefix != "" && !strings.HasPrefix(d.Value, r.Prefix) {
				t.Fatalf("rule %+v applied to %+v", r, d)
			}
			if r.PerHour < 0 || r.PerDay < 0 || r.PerHour == 0 && r.PerDay == 0 {
				t.Fatalf("a valid document has rule %+v", r)
			}
		}
	})
}
