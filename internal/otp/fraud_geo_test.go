package otp_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/otpd/otpd/internal/otp"
)

// Numbers of known kinds (libphonenumber's metadata).
const (
	gbMobile   = "+447400123456" // mobile
	gbMobile79 = "+447812345678" // mobile, outside +44740
	gbPersonal = "+447012345678" // personal_number: the +4470 forwarding range
	gbPremium  = "+449012345678" // premium_rate
	usNumber   = "+14155552671"  // fixed_line_or_mobile
	ruMobile   = "+79991234567"  // mobile
)

func allow(cs ...string) otp.GeoRules { return otp.GeoRules{Mode: otp.GeoAllow, Countries: cs} }
func deny(cs ...string) otp.GeoRules  { return otp.GeoRules{Mode: otp.GeoDeny, Countries: cs} }

func withPrefixes(r otp.GeoRules, rules ...string) otp.GeoRules {
	for i := 0; i < len(rules); i += 2 {
		r.Prefixes = append(r.Prefixes, otp.PrefixRule{Prefix: rules[i], Action: otp.RuleAction(rules[i+1])})
	}
	return r
}

// TestGeoPrecedence: within a rule set the longest matching prefix rule
// decides, then the country list; a channel with rules of its own follows
// them, the others the default; email is never refused by geo; the
// policy's countries still refuse, with the same code; number types are
// refused by default beyond mobile, fixed line and VoIP; each fallback
// step is screened with its own channel and destination.
func TestGeoPrecedence(t *testing.T) {
	type want struct {
		code, key, field string
		params           map[string]any
	}
	ok := want{}
	geo := func(country, channel, rules string) map[string]any {
		return map[string]any{"country": country, "channel": channel, "rules": rules}
	}
	for _, tc := range []struct {
		name      string
		settings  otp.GeoSettings
		countries []string // policy.countries
		env       otp.Environment
		req       otp.CreateRequest
		want      want
	}{
		{name: "nothing set sends everywhere", req: otp.CreateRequest{To: usNumber, Channel: otp.SMS}, want: ok},
		{name: "allow-list passes a listed country",
			settings: otp.GeoSettings{Geo: otp.GeoPermissions{Default: allow("GB")}},
			req:      otp.CreateRequest{To: gbMobile, Channel: otp.SMS}, want: ok},
		{name: "allow-list refuses another",
			settings: otp.GeoSettings{Geo: otp.GeoPermissions{Default: allow("GB")}},
			req:      otp.CreateRequest{To: usNumber, Channel: otp.SMS},
			want:     want{otp.CodeGeoNotAllowed, "geo_country_not_listed", "to", geo("US", "sms", "default")}},
		{name: "deny-list refuses a listed country",
			settings: otp.GeoSettings{Geo: otp.GeoPermissions{Default: deny("RU")}},
			req:      otp.CreateRequest{To: ruMobile, Channel: otp.Voice},
			want:     want{otp.CodeGeoNotAllowed, "geo_country_denied", "to", geo("RU", "voice", "default")}},
		{name: "deny-list passes another",
			settings: otp.GeoSettings{Geo: otp.GeoPermissions{Default: deny("RU")}},
			req:      otp.CreateRequest{To: usNumber, Channel: otp.Voice}, want: ok},
		{name: "a deny prefix beats the country's allow",
			settings: otp.GeoSettings{Geo: otp.GeoPermissions{Default: withPrefixes(allow("GB"), "+44740", "deny")}},
			req:      otp.CreateRequest{To: gbMobile, Channel: otp.SMS},
			want:     want{otp.CodeGeoNotAllowed, "geo_prefix_denied", "to", map[string]any{"country": "GB", "channel": "sms", "rules": "default", "prefix": "+44740"}}},
		{name: "an allow prefix beats the country's deny",
			settings: otp.GeoSettings{Geo: otp.GeoPermissions{Default: withPrefixes(deny("RU"), "+7999", "allow")}},
			req:      otp.CreateRequest{To: ruMobile, Channel: otp.SMS}, want: ok},
		{name: "an allow prefix opens an empty allow-list",
			settings: otp.GeoSettings{Geo: otp.GeoPermissions{Default: withPrefixes(allow(), "+4474", "allow")}},
			req:      otp.CreateRequest{To: gbMobile, Channel: otp.SMS}, want: ok},
		{name: "the longest prefix wins: allow inside deny",
			settings: otp.GeoSettings{Geo: otp.GeoPermissions{Default: withPrefixes(otp.GeoRules{}, "+447", "deny", "+44740", "allow")}},
			req:      otp.CreateRequest{To: gbMobile, Channel: otp.SMS}, want: ok},
		{name: "the longest prefix wins: deny outside the allow",
			settings: otp.GeoSettings{Geo: otp.GeoPermissions{Default: withPrefixes(otp.GeoRules{}, "+44740", "allow", "+447", "deny")}},
			req:      otp.CreateRequest{To: gbMobile79, Channel: otp.SMS},
			want:     want{otp.CodeGeoNotAllowed, "geo_prefix_denied", "to", map[string]any{"country": "GB", "channel": "sms", "rules": "default", "prefix": "+447"}}},
		{name: "a channel's own rules replace the default",
			settings: otp.GeoSettings{Geo: otp.GeoPermissions{Default: allow("GB"), Voice: &otp.GeoRules{}}},
			req:      otp.CreateRequest{To: usNumber, Channel: otp.Voice}, want: ok},
		{name: "a channel's own rules refuse by their name",
			settings: otp.GeoSettings{Geo: otp.GeoPermissions{SMS: &otp.GeoRules{Mode: otp.GeoAllow, Countries: []string{"GB"}}}},
			req:      otp.CreateRequest{To: usNumber, Channel: otp.SMS},
			want:     want{otp.CodeGeoNotAllowed, "geo_country_not_listed", "to", geo("US", "sms", "sms")}},
		{name: "other channels follow the default",
			settings: otp.GeoSettings{Geo: otp.GeoPermissions{SMS: &otp.GeoRules{Mode: otp.GeoAllow, Countries: []string{"GB"}}}},
			req:      otp.CreateRequest{To: usNumber, Channel: otp.Voice}, want: ok},
		{name: "email has no country",
			settings: otp.GeoSettings{Geo: otp.GeoPermissions{Default: allow("GB")}},
			req:      otp.CreateRequest{To: "someone@example.com", Channel: otp.Email}, want: ok},
		{name: "a fictional number of a test application has no country",
			settings: otp.GeoSettings{Geo: otp.GeoPermissions{Default: allow("GB")}}, env: otp.Test,
			req: otp.CreateRequest{To: "+999482918102", Channel: otp.SMS}, want: ok},
		{name: "a fictional number still meets the prefix rules",
			settings: otp.GeoSettings{Geo: otp.GeoPermissions{Default: withPrefixes(otp.GeoRules{}, "+999", "deny")}}, env: otp.Test,
			req:  otp.CreateRequest{To: "+999482918102", Channel: otp.SMS},
			want: want{otp.CodeGeoNotAllowed, "geo_prefix_denied", "to", map[string]any{"country": "", "channel": "sms", "rules": "default", "prefix": "+999"}}},
		{name: "policy countries refuse with the same code", countries: []string{"GB"},
			req:  otp.CreateRequest{To: usNumber, Channel: otp.SMS},
			want: want{otp.CodeGeoNotAllowed, "country_not_allowed", "to", map[string]any{"country": "US", "channel": "sms", "rules": "policy.countries"}}},
		{name: "policy countries and geo rules both apply", countries: []string{"GB", "US"},
			settings: otp.GeoSettings{Geo: otp.GeoPermissions{Default: deny("US")}},
			req:      otp.CreateRequest{To: usNumber, Channel: otp.SMS},
			want:     want{otp.CodeGeoNotAllowed, "geo_country_denied", "to", geo("US", "sms", "default")}},
		{name: "premium rate is refused by default",
			req:  otp.CreateRequest{To: gbPremium, Channel: otp.SMS},
			want: want{otp.CodeNumberTypeNotAllowed, "number_type_not_allowed", "to", map[string]any{"numberType": "premium_rate"}}},
		{name: "personal numbers are refused by default",
			req:  otp.CreateRequest{To: gbPersonal, Channel: otp.Voice},
			want: want{otp.CodeNumberTypeNotAllowed, "number_type_not_allowed", "to", map[string]any{"numberType": "personal_number"}}},
		{name: "a project may allow premium rate",
			settings: otp.GeoSettings{NumberTypes: otp.NumberTypePolicy{Allowed: []otp.NumberType{otp.NumberMobile, otp.NumberPremiumRate}}},
			req:      otp.CreateRequest{To: gbPremium, Channel: otp.SMS}, want: ok},
		{name: "a project may refuse fixed lines",
			settings: otp.GeoSettings{NumberTypes: otp.NumberTypePolicy{Allowed: []otp.NumberType{otp.NumberMobile}}},
			req:      otp.CreateRequest{To: usNumber, Channel: otp.SMS},
			want:     want{otp.CodeNumberTypeNotAllowed, "number_type_not_allowed", "to", map[string]any{"numberType": "fixed_line_or_mobile"}}},
		{name: "a fallback step is screened with its channel",
			settings: otp.GeoSettings{Geo: otp.GeoPermissions{Voice: &otp.GeoRules{Mode: otp.GeoDeny, Countries: []string{"US"}}}},
			req:      otp.CreateRequest{To: usNumber, Fallback: []otp.FallbackStep{{Channel: otp.SMS}, {Channel: otp.Voice}}},
			want:     want{otp.CodeGeoNotAllowed, "geo_country_denied", "fallback[1]", geo("US", "voice", "voice")}},
		{name: "a fallback step is screened with its destination",
			settings: otp.GeoSettings{Geo: otp.GeoPermissions{Default: deny("RU")}},
			req:      otp.CreateRequest{To: usNumber, Fallback: []otp.FallbackStep{{Channel: otp.SMS}, {Channel: otp.Voice, To: ruMobile}}},
			want:     want{otp.CodeGeoNotAllowed, "geo_country_denied", "fallback[1]", geo("RU", "voice", "default")}},
		{name: "a fallback step's number type is screened",
			req:  otp.CreateRequest{To: usNumber, Fallback: []otp.FallbackStep{{Channel: otp.SMS}, {Channel: otp.Voice, To: gbPremium}}},
			want: want{otp.CodeNumberTypeNotAllowed, "number_type_not_allowed", "fallback[1]", map[string]any{"numberType": "premium_rate"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, otp.Limits{})
			env := tc.env
			if env == "" {
				env = otp.Live
			}
			a, _ := f.newApp(t, env)
			pol := otp.DefaultPolicy()
			pol.Channels = []otp.Channel{otp.SMS, otp.Voice, otp.Email}
			pol.Countries = tc.countries
			if _, err := f.svc.UpdateProject(t.Context(), a.ProjectID, otp.ProjectInput{Policy: &pol}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.SetGeoSettings(t.Context(), a.ProjectID, tc.settings); err != nil {
				t.Fatal(err)
			}
			_, _, err := f.svc.CreateVerification(t.Context(), a, tc.req)
			if tc.want.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e := otp.ErrorOf(err)
			if e == nil {
				t.Fatalf("err = %v, want %s", err, tc.want.code)
			}
			got := want{e.Code, e.Key, e.Field, e.Params}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("refusal (-want +got):\n%s", diff)
			}
			if e.Message == "" {
				t.Error("no message")
			}
			// Refused before anything is stored or counted.
			if vs, err := f.store.ListVerifications(t.Context(), a.ID, otp.VerificationFilter{}); err != nil || len(vs) != 0 {
				t.Errorf("after a refusal: %d verifications stored, %v", len(vs), err)
			}
			if n := f.limiter.destCalls.Load(); n != 0 {
				t.Errorf("a refused send counted %d times against its destination", n)
			}
		})
	}
}
