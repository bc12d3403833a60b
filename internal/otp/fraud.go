package otp

import (
	"context"
	"errors"
	"fmt"
)

// FraudSettings are a project's defences against abuse (issue 16): where
// its channels may send (Geo), which kinds of numbers (NumberTypes), how
// many sends are normal (Budgets), numbers that never send (TestNumbers),
// destinations that skip the budgets (Safelist), and the pumping
// detector's settings (Detector). Each section is in a file of its own.
//
// The settings are stored as this struct's JSON, in one column beside the
// policy (migration 0031), and written only through UpdateProjectFraud: an
// owner's edit of the policy cannot undo them, and each section's setter
// changes its section alone under the project's row lock. So the json
// names below are a stored format: rename them with a migration only.
type FraudSettings struct {
	Geo         GeoPermissions   `json:"geo"`
	NumberTypes NumberTypePolicy `json:"numberTypes"`
	Budgets     SendBudgets      `json:"budgets"`
	TestNumbers []TestNumber     `json:"testNumbers,omitempty"`
	Safelist    []string         `json:"safelist,omitempty"`
	Detector    PumpingDetector  `json:"detector"`
	// Blocks are the prefixes sends may not go to now (see PrefixBlock).
	Blocks []PrefixBlock `json:"blocks,omitempty"`
}

// validate checks every section; the setters validate theirs before the
// write, this guards the whole document after a change.
func (f *FraudSettings) validate() error {
	return errors.Join(f.Geo.validate(), f.NumberTypes.validate(), f.Budgets.validate(),
		validateTestNumbers(f.TestNumbers), validateSafelist(f.Safelist), f.Detector.validate())
}

// updateFraud applies change to the fraud settings of a project the
// caller may manage, under the project's row lock, and returns the
// project as written. change sees the settings as stored and may refuse
// (its error is returned as is). Errors: NOT_FOUND, and change's.
func (s *Service) updateFraud(ctx context.Context, projectID string, change func(*FraudSettings) error) (*Project, error) {
	if _, err := s.GetProject(ctx, projectID); err != nil {
		return nil, err // checks the caller may manage the project
	}
	var refused error
	err := s.store.UpdateProjectFraud(ctx, projectID, func(f *FraudSettings) error {
		if err := change(f); err != nil {
			refused = err
			return err
		}
		return f.validate()
	}, s.clock.Now())
	s.cache.forgetProject(projectID)
	if refused != nil {
		return nil, refused
	}
	if err != nil {
		if ErrorOf(err) != nil {
			return nil, err
		}
		return nil, s.notFound(err, "project")
	}
	return s.GetProject(ctx, projectID)
}

// screenSend is every fraud defence a send passes before anything is
// stored, counted or charged: the geo rules, the number types and the
// blocked prefixes, all read from the cached project (no round trip). It
// runs for a verification's planned sends (screenSends), and again for a
// send made later (a resend, a due fallback step, a session's send).
func (s *Service) screenSend(p *Project, c Channel, d Destination) error {
	if err := screenGeo(p, sendScreen{Channel: c, Dest: d}); err != nil {
		return err
	}
	return p.Fraud.blocked(d, s.clock.Now())
}

// screenStored is screenSend for a send to a stored destination, made
// later than its verification (a resend, a fallback step when it is
// due): the project's rules may have changed since. It returns the
// destination, parsed, for the counters.
func (s *Service) screenStored(a *Application, p *Project, c Channel, to string) (Destination, error) {
	d, _, err := parseDestinationFor(a, to, "to")
	if err != nil {
		return d, fmt.Errorf("screen %s: %w", to, err) // it was valid when stored
	}
	return d, s.screenSend(p, c, d)
}

// screenSends screens every send a new verification plans
// (plannedSends). A refusal of a fallback step names its field.
func (s *Service) screenSends(p *Project, sends []plannedSend) error {
	for _, sd := range sends {
		if err := s.screenSend(p, sd.Channel, sd.Dest); err != nil {
			if e := ErrorOf(err); e != nil && sd.Step > 0 {
				e.Field = fmt.Sprintf("fallback[%d]", sd.Step)
			}
			return err
		}
	}
	return nil
}

// sendScreen is one send as the geo rules see it.
type sendScreen struct {
	Channel Channel
	Dest    Destination
}
