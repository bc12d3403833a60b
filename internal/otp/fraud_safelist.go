package otp

import (
	"context"
	"fmt"
	"slices"
)

// MaxSafelist bounds a project's safelist: it is for the few destinations
// a project knows (its own staff, its monitoring), not a way around the
// budgets.
const MaxSafelist = 100

// normalizeSafelist parses and checks a safelist given by a caller and
// returns it normalised (each destination as a verification's to). The
// safelist skips the send budgets only: geo rules, number types and the
// destination's own rate limit still apply. Errors: INVALID_PARAMETER
// (and INVALID_PHONE, INVALID_EMAIL) naming the entry.
func normalizeSafelist(ds []string) ([]string, error) {
	if len(ds) > MaxSafelist {
		return nil, invalidField("safelist", "too_many", fmt.Sprintf("safelist lists at most %d destinations", MaxSafelist))
	}
	out := make([]string, 0, len(ds))
	keys := make([]string, 0, len(ds))
	for i, raw := range ds {
		field := fmt.Sprintf("safelist[%d]", i)
		d, err := ParseDestination(raw, field)
		if err != nil {
			return nil, err
		}
		if slices.Contains(keys, d.limitKey()) {
			return nil, invalidField(field, "duplicate_destination", "this destination is listed twice")
		}
		out, keys = append(out, d.Value), append(keys, d.limitKey())
	}
	return out, nil
}

// validateSafelist checks the stored safelist (normalizeSafelist wrote it).
func validateSafelist(ds []string) error {
	norm, err := normalizeSafelist(ds)
	if err != nil {
		return err
	}
	if !slices.Equal(norm, ds) {
		return invalidField("safelist", "not_normalised", "safelist must be normalised")
	}
	return nil
}

// safelisted says whether d skips the send budgets (not the geo rules).
// Destinations compare by limit key, as the budgets count them: a
// safelisted address's +tag variants are safelisted too.
func (f *FraudSettings) safelisted(d Destination) bool {
	key := d.limitKey()
	return slices.ContainsFunc(f.Safelist, func(s string) bool { return limitKeyOf(s) == key })
}

// Safelist returns the safelist of a project the caller may manage.
// Errors: NOT_FOUND.
func (s *Service) Safelist(ctx context.Context, projectID string) ([]string, error) {
	p, err := s.GetProject(ctx, projectID)
	if err != nil {
		return nil, err
	}
	return p.Fraud.Safelist, nil
}

// SetSafelist replaces the safelist of a project the caller may manage and
// returns it as stored. Errors: NOT_FOUND, INVALID_PARAMETER,
// INVALID_PHONE, INVALID_EMAIL.
func (s *Service) SetSafelist(ctx context.Context, projectID string, ds []string) ([]string, error) {
	norm, err := normalizeSafelist(ds)
	if err != nil {
		return nil, err
	}
	p, err := s.updateFraud(ctx, projectID, func(f *FraudSettings) error {
		f.Safelist = norm
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p.Fraud.Safelist, nil
}
