package storetest

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// testProjectFraudGeo: a project's geo permissions and number types
// round-trip through UpdateProjectFraud in the stored JSON: every
// channel's rule set, a channel without rules of its own (nil, not an
// empty set: it follows the default) and the number types.
func testProjectFraudGeo(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "geo")
	want := otp.FraudSettings{
		Geo: otp.GeoPermissions{
			Default: otp.GeoRules{Mode: otp.GeoAllow, Countries: []string{"GB", "IE"},
				Prefixes: []otp.PrefixRule{{Prefix: "+4470", Action: otp.RuleDeny}, {Prefix: "+3538", Action: otp.RuleAllow}}},
			SMS:      &otp.GeoRules{Mode: otp.GeoDeny, Countries: []string{"RU"}},
			WhatsApp: &otp.GeoRules{Mode: otp.GeoAll},
		},
		NumberTypes: otp.NumberTypePolicy{Allowed: []otp.NumberType{otp.NumberMobile, otp.NumberVoIP}},
	}
	err := st.UpdateProjectFraud(ctx, p.ID, func(f *otp.FraudSettings) error {
		f.Geo, f.NumberTypes = want.Geo, want.NumberTypes
		return nil
	}, t0.Add(time.Minute))
	if err != nil {
		t.Fatalf("UpdateProjectFraud: %v", err)
	}
	got, err := st.GetProject(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "geo permissions", want.Geo, got.Fraud.Geo)
	diff(t, "number types", want.NumberTypes, got.Fraud.NumberTypes)
	if got.Fraud.Geo.Voice != nil {
		t.Errorf("voice rules = %+v, want none (it follows the default)", got.Fraud.Geo.Voice)
	}
}
