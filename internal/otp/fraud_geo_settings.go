package otp

import (
	"context"
	"fmt"
	"strings"
)

// GeoSettings are where a project sends: its geo permissions and the
// kinds of numbers it sends to, read and written as one document (the
// console's page and GET/PUT /v1/projects/{id}/fraud/geo).
type GeoSettings struct {
	Geo         GeoPermissions
	NumberTypes NumberTypePolicy
}

// GeoSettings returns the geo settings of a project the caller may
// manage. Errors: NOT_FOUND.
func (s *Service) GeoSettings(ctx context.Context, projectID string) (GeoSettings, error) {
	p, err := s.GetProject(ctx, projectID)
	if err != nil {
		return GeoSettings{}, err
	}
	return GeoSettings{Geo: p.Fraud.Geo, NumberTypes: p.Fraud.NumberTypes}, nil
}

// SetGeoSettings replaces the geo settings of a project the caller may
// manage (its owner, or the operator), leaving the other fraud settings
// as they are, and returns them as stored. The next send reads them.
// Errors: NOT_FOUND, INVALID_PARAMETER (the field path, e.g.
// geo.sms.prefixes[2].prefix).
func (s *Service) SetGeoSettings(ctx context.Context, projectID string, g GeoSettings) (GeoSettings, error) {
	if err := g.Geo.validate(); err != nil {
		return GeoSettings{}, err
	}
	if err := g.NumberTypes.validate(); err != nil {
		return GeoSettings{}, err
	}
	p, err := s.updateFraud(ctx, projectID, func(f *FraudSettings) error {
		f.Geo, f.NumberTypes = g.Geo, g.NumberTypes
		return nil
	})
	if err != nil {
		return GeoSettings{}, err
	}
	return GeoSettings{Geo: p.Fraud.Geo, NumberTypes: p.Fraud.NumberTypes}, nil
}

// ParseCountries reads a comma-separated list of ISO 3166 regions, as
// the operator writes OTPD_DEFAULT_COUNTRIES: case and spaces do not
// matter, empty items and repeats are dropped, an unknown region is an
// error that names it. The empty string is no list (every country).
func ParseCountries(s string) ([]string, error) {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		c := strings.ToUpper(strings.TrimSpace(item))
		if c == "" || containsString(out, c) {
			continue
		}
		if !validRegion(c) {
			return nil, fmt.Errorf("%q is not an ISO 3166 region with phone numbers (such as GB or RU)", strings.TrimSpace(item))
		}
		out = append(out, c)
	}
	if len(out) > MaxGeoCountries {
		return nil, fmt.Errorf("at most %d countries", MaxGeoCountries)
	}
	return out, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
