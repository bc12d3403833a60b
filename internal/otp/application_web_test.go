package otp_test

import (
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

// TestReturnURL checks where the hosted page may send a person back: only
// to a registered return URL, matched exactly, and without one named only
// when there is a single one to choose.
func TestReturnURL(t *testing.T) {
	one := []string{"https://shop.example/verified?from=otpd"}
	two := []string{"https://shop.example/verified", "https://admin.shop.example/back"}
	tests := []struct {
		name      string
		urls      []string
		requested string
		want      string
		wantKey   string // error key; empty when a URL is chosen
	}{
		{"the only one, unnamed", one, "", one[0], ""},
		{"the only one, named", one, one[0], one[0], ""},
		{"one of several, named", two, two[1], two[1], ""},
		{"several, none named", two, "", "", "return_url_required"},
		{"none registered", nil, "", "", "no_return_urls"},
		{"none registered, one named", nil, "https://shop.example/verified", "", "return_url_not_allowed"},
		{"another host", one, "https://evil.example/verified?from=otpd", "", "return_url_not_allowed"},
		{"a prefix of a registered one", two, "https://shop.example/", "", "return_url_not_allowed"},
		{"a longer path", two, "https://shop.example/verified/more", "", "return_url_not_allowed"},
		{"another query", one, "https://shop.example/verified?from=evil", "", "return_url_not_allowed"},
		{"without the query", one, "https://shop.example/verified", "", "return_url_not_allowed"},
		{"another case", two, "https://SHOP.example/verified", "", "return_url_not_allowed"},
		{"another scheme", two, "http://shop.example/verified", "", "return_url_not_allowed"},
		{"with a fragment", two, "https://shop.example/verified#x", "", "return_url_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &otp.Application{ReturnURLs: tt.urls}
			got, err := a.ReturnURL(tt.requested)
			if tt.wantKey == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ReturnURL(%q) = %q, %v; want %q", tt.requested, got, err, tt.want)
				}
				return
			}
			e := otp.ErrorOf(err)
			if e == nil || e.Key != tt.wantKey || e.Code != otp.CodeInvalidParameter || e.Field != "return_url" || got != "" {
				t.Fatalf("ReturnURL(%q) = %q, %v; want INVALID_PARAMETER %s on return_url", tt.requested, got, err, tt.wantKey)
			}
		})
	}
}
