package otp

import "testing"

// TestSafelisted: the safelist matches destinations by limit key (an
// address's +tag and Gmail-dot variants), phones exactly, nothing else.
func TestSafelisted(t *testing.T) {
	list, err := normalizeSafelist([]string{"+1 415 555 2671", "Ops@Gmail.com"})
	if err != nil {
		t.Fatal(err)
	}
	if err := validateSafelist(list); err != nil {
		t.Fatalf("validateSafelist(%q) = %v, want nil", list, err)
	}
	f := FraudSettings{Safelist: list}
	tests := []struct {
		d    Destination
		want bool
	}{
		{Destination{Value: "+14155552671", IsPhone: true}, true},
		{Destination{Value: "+14155552672", IsPhone: true}, false},
		{Destination{Value: "o.p.s+alerts@googlemail.com"}, true},
		{Destination{Value: "ops@example.com"}, false},
	}
	for _, tt := range tests {
		if got := f.safelisted(tt.d); got != tt.want {
			t.Errorf("safelisted(%s) = %v, want %v", tt.d.Value, got, tt.want)
		}
	}
	for _, bad := range [][]string{{"nope"}, {"a@example.com", "A+x@example.com"}, make([]string, MaxSafelist+1)} {
		if _, err := normalizeSafelist(bad); ErrorOf(err) == nil {
			t.Errorf("normalizeSafelist(%q) = %v, want a refusal", bad, err)
		}
	}
	if err := validateSafelist([]string{"Ops@gmail.com"}); err == nil {
		t.Error("validateSafelist of a list not normalised = nil, want a refusal")
	}
}
