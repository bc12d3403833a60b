package otp_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/otpd/otpd/internal/otp"
)

// TestGeoSettingsValidation: every wrong setting is INVALID_PARAMETER
// naming its field path, and leaves the stored settings as they were.
func TestGeoSettingsValidation(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	kept := otp.GeoSettings{Geo: otp.GeoPermissions{Default: allow("GB")}}
	if _, err := f.svc.SetGeoSettings(t.Context(), a.ProjectID, kept); err != nil {
		t.Fatal(err)
	}
	many := make([]otp.PrefixRule, otp.MaxGeoPrefixes+1)
	for i := range many {
		many[i] = otp.PrefixRule{Prefix: "+1" + strings.Repeat("0", 2) + string(rune('0'+i%10)), Action: otp.RuleDeny}
	}
	for _, tc := range []struct {
		name  string
		g     otp.GeoSettings
		field string
	}{
		{"unknown mode", otp.GeoSettings{Geo: otp.GeoPermissions{Default: otp.GeoRules{Mode: "only"}}}, "geo.default.mode"},
		{"countries with mode all", otp.GeoSettings{Geo: otp.GeoPermissions{Default: otp.GeoRules{Mode: otp.GeoAll, Countries: []string{"GB"}}}}, "geo.default.countries"},
		{"lower-case country", otp.GeoSettings{Geo: otp.GeoPermissions{Default: allow("GB", "gb")}}, "geo.default.countries[1]"},
		{"unknown country", otp.GeoSettings{Geo: otp.GeoPermissions{SMS: &otp.GeoRules{Mode: otp.GeoDeny, Countries: []string{"XX"}}}}, "geo.sms.countries[0]"},
		{"country twice", otp.GeoSettings{Geo: otp.GeoPermissions{Voice: &otp.GeoRules{Mode: otp.GeoAllow, Countries: []string{"GB", "GB"}}}}, "geo.voice.countries[1]"},
		{"prefix without +", otp.GeoSettings{Geo: otp.GeoPermissions{Default: withPrefixes(otp.GeoRules{}, "4470", "deny")}}, "geo.default.prefixes[0].prefix"},
		{"prefix too short", otp.GeoSettings{Geo: otp.GeoPermissions{Default: withPrefixes(otp.GeoRules{}, "+44", "deny")}}, "geo.default.prefixes[0].prefix"},
		{"prefix too long", otp.GeoSettings{Geo: otp.GeoPermissions{Default: withPrefixes(otp.GeoRules{}, "+44701234", "deny")}}, "geo.default.prefixes[0].prefix"},
		{"prefix with letters", otp.GeoSettings{Geo: otp.GeoPermissions{Telegram: ptr(withPrefixes(otp.GeoRules{}, "+44a0", "deny"))}}, "geo.telegram.prefixes[0].prefix"},
		{"prefix from 0", otp.GeoSettings{Geo: otp.GeoPermissions{Default: withPrefixes(otp.GeoRules{}, "+0447", "deny")}}, "geo.default.prefixes[0].prefix"},
		{"unknown action", otp.GeoSettings{Geo: otp.GeoPermissions{WhatsApp: ptr(withPrefixes(otp.GeoRules{}, "+4470", "block"))}}, "geo.whatsapp.prefixes[0].action"},
		{"prefix twice", otp.GeoSettings{Geo: otp.GeoPermissions{Default: withPrefixes(otp.GeoRules{}, "+4470", "deny", "+4470", "allow")}}, "geo.default.prefixes[1].prefix"},
		{"too many prefixes", otp.GeoSettings{Geo: otp.GeoPermissions{Default: otp.GeoRules{Prefixes: many}}}, "geo.default.prefixes"},
		{"unknown number type", otp.GeoSettings{NumberTypes: otp.NumberTypePolicy{Allowed: []otp.NumberType{"mobile", "landline"}}}, "numberTypes.allowed[1]"},
		{"number type twice", otp.GeoSettings{NumberTypes: otp.NumberTypePolicy{Allowed: []otp.NumberType{"mobile", "mobile"}}}, "numberTypes.allowed[1]"},
	} {
		_, err := f.svc.SetGeoSettings(t.Context(), a.ProjectID, tc.g)
		if e := otp.ErrorOf(err); e == nil || e.Code != otp.CodeInvalidParameter || e.Field != tc.field || e.Message == "" {
			t.Errorf("%s: err = %v, want INVALID_PARAMETER on %s", tc.name, err, tc.field)
		}
	}
	got, err := f.svc.GeoSettings(t.Context(), a.ProjectID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(kept, got); diff != "" {
		t.Errorf("settings after refused changes (-want +got):\n%s", diff)
	}
}

// TestGeoSettingsRoundTrip: what is set is what is read back, and the
// other fraud settings stay as they were.
func TestGeoSettingsRoundTrip(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	in := otp.GeoSettings{
		Geo: otp.GeoPermissions{Default: withPrefixes(allow("GB", "IE"), "+4470", "deny", "+3538", "allow"),
			SMS: ptr(deny("RU")), Telegram: &otp.GeoRules{Mode: otp.GeoAll}},
		NumberTypes: otp.NumberTypePolicy{Allowed: []otp.NumberType{otp.NumberMobile, otp.NumberPager}},
	}
	out, err := f.svc.SetGeoSettings(t.Context(), a.ProjectID, in)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("SetGeoSettings (-want +got):\n%s", diff)
	}
	got, err := f.svc.GeoSettings(t.Context(), a.ProjectID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, got); diff != "" {
		t.Errorf("GeoSettings (-want +got):\n%s", diff)
	}
	if _, err := f.svc.GeoSettings(t.Context(), "prj_unknown"); code(err) != otp.CodeNotFound {
		t.Errorf("GeoSettings of an unknown project: %v, want NOT_FOUND", err)
	}
	if _, err := f.svc.SetGeoSettings(t.Context(), "prj_unknown", in); code(err) != otp.CodeNotFound {
		t.Errorf("SetGeoSettings of an unknown project: %v, want NOT_FOUND", err)
	}
}

// TestDefaultCountries: a project created while the operator sets
// default countries allows only those; without them, every country.
func TestDefaultCountries(t *testing.T) {
	f := newFixtureConfig(t, otp.Config{DefaultCountries: []string{"GB", "IE"}})
	a, _ := f.newApp(t, otp.Live)
	g, err := f.svc.GeoSettings(t.Context(), a.ProjectID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(allow("GB", "IE"), g.Geo.Default); diff != "" {
		t.Errorf("a new project's default rules (-want +got):\n%s", diff)
	}
	if _, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: usNumber, Channel: otp.SMS}); code(err) != otp.CodeGeoNotAllowed {
		t.Errorf("a send outside the default countries: %v, want GEO_NOT_ALLOWED", err)
	}
	if _, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: gbMobile, Channel: otp.SMS}); err != nil {
		t.Errorf("a send to a default country: %v", err)
	}

	// A developer's project too; its owner may change the rules.
	_, ctx := planDeveloper(t, f, 0)
	owned, err := f.svc.CreateProject(ctx, otp.ProjectInput{Name: ptr("Mine")})
	if err != nil {
		t.Fatal(err)
	}
	g, err = f.svc.GeoSettings(ctx, owned.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(allow("GB", "IE"), g.Geo.Default); diff != "" {
		t.Errorf("a developer's new project's default rules (-want +got):\n%s", diff)
	}
	if _, err := f.svc.SetGeoSettings(ctx, owned.ID, otp.GeoSettings{}); err != nil {
		t.Errorf("its owner widening the rules: %v", err)
	}
	if _, err := f.svc.SetGeoSettings(ctx, a.ProjectID, otp.GeoSettings{}); code(err) != otp.CodeNotFound {
		t.Errorf("a developer changing another's project: %v, want NOT_FOUND", err)
	}

	open := newFixture(t, otp.Limits{})
	b, _ := open.newApp(t, otp.Live)
	if _, _, err := open.svc.CreateVerification(t.Context(), b, otp.CreateRequest{To: usNumber, Channel: otp.SMS}); err != nil {
		t.Errorf("without default countries: %v", err)
	}

	if _, err := otp.NewService(otp.Config{Store: f.store, Limiter: f.limiter, Keys: mustKeys(t), DefaultCountries: []string{"XX"}}); err == nil {
		t.Error("NewService took an unknown default country")
	}
}

// TestParseCountries: OTPD_DEFAULT_COUNTRIES as an operator writes it.
func TestParseCountries(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		bad  bool
	}{
		{in: "", want: nil},
		{in: "GB", want: []string{"GB"}},
		{in: " gb, ie ,GB,", want: []string{"GB", "IE"}},
		{in: "GB,XX", bad: true},
		{in: "GBR", bad: true},
		{in: "UK", bad: true},
	} {
		got, err := otp.ParseCountries(tc.in)
		if (err != nil) != tc.bad {
			t.Errorf("ParseCountries(%q) error = %v, want error %v", tc.in, err, tc.bad)
			continue
		}
		if diff := cmp.Diff(tc.want, got); !tc.bad && diff != "" {
			t.Errorf("ParseCountries(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

// FuzzGeoRules: any rule set either is refused by validation or decides
// every number without panicking, and a deny rule of a prefix refuses a
// number with that prefix unless a longer allow rule matches it.
func FuzzGeoRules(f *testing.F) {
	f.Add("+4470", "deny", "+44701", "allow", "GB", "+447012345678")
	f.Add("+7999", "allow", "+79", "deny", "RU", "+79991234567")
	f.Add("+1", "deny", "", "", "", "+14155552671")
	f.Fuzz(func(t *testing.T, p1, a1, p2, a2, country, number string) {
		r := otp.GeoRules{Mode: otp.GeoDeny, Countries: []string{country},
			Prefixes: []otp.PrefixRule{{Prefix: p1, Action: otp.RuleAction(a1)}, {Prefix: p2, Action: otp.RuleAction(a2)}}}
		err := otp.CheckGeoRules(r)
		if err != nil {
			if e := otp.ErrorOf(err); e == nil || e.Code != otp.CodeInvalidParameter || !strings.HasPrefix(e.Field, "geo.default") {
				t.Fatalf("validation error %v, want INVALID_PARAMETER on a field of geo.default", err)
			}
			return
		}
		d, perr := otp.ParseDestination(number, "to")
		if perr != nil || !d.IsPhone {
			return
		}
		refusal := otp.GeoDecision(r, otp.SMS, d)
		longer := len(p2) > len(p1) && strings.HasPrefix(d.Value, p2) && a2 == "allow"
		if strings.HasPrefix(d.Value, p1) && a1 == "deny" && !longer && refusal == nil {
			t.Fatalf("%s passed a deny rule of %s", d.Value, p1)
		}
		if refusal != nil && otp.ErrorOf(refusal).Code != otp.CodeGeoNotAllowed {
			t.Fatalf("refusal %v, want GEO_NOT_ALLOWED", refusal)
		}
	})
}

// FuzzParseCountries: whatever the operator writes, the list is refused
// or holds distinct upper-case regions that a project's rules accept.
func FuzzParseCountries(f *testing.F) {
	f.Add("GB, ie,GB")
	f.Add("XX")
	f.Add(",,")
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := otp.ParseCountries(s)
		if err != nil {
			return
		}
		if err := otp.CheckGeoRules(otp.AllowOnly(cs)); err != nil {
			t.Fatalf("ParseCountries(%q) = %v, which the rules refuse: %v", s, cs, err)
		}
	})
}
