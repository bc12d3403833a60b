package otp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// BlockInput is a block of a prefix by hand.
type BlockInput struct {
	Prefix string
	// Minutes is how long the block lasts, 1 to MaxBlockMinutes.
	Minutes int
	// Reason is shown in the console; "" is "Blocked by hand".
	Reason string
}

// maxBlockReason bounds a reason typed by hand.
const maxBlockReason = 500

// PrefixBlocks returns the active blocks of a project the caller may
// manage, by prefix. Errors: NOT_FOUND.
func (s *Service) PrefixBlocks(ctx context.Context, projectID string) ([]PrefixBlock, error) {
	p, err := s.GetProject(ctx, projectID)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var out []PrefixBlock
	for _, b := range p.Fraud.Blocks {
		if b.active(now) {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b PrefixBlock) int { return strings.Compare(a.Prefix, b.Prefix) })
	return out, nil
}

// BlockPrefix blocks sends to a prefix by hand for in.Minutes; a block of
// the same prefix is replaced. Errors: NOT_FOUND, INVALID_PARAMETER.
func (s *Service) BlockPrefix(ctx context.Context, projectID string, in BlockInput) (*PrefixBlock, error) {
	if !validPrefix(in.Prefix) {
		return nil, invalidField("prefix", "invalid_prefix", "prefix must be \"+\" and 3 to 7 digits, such as +88216")
	}
	if in.Minutes < 1 || in.Minutes > MaxBlockMinutes {
		return nil, invalidField("minutes", "out_of_range", fmt.Sprintf("minutes must be between 1 and %d", MaxBlockMinutes))
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if !utf8.ValidString(in.Reason) || len(in.Reason) > maxBlockReason {
		return nil, invalidField("reason", "too_long", fmt.Sprintf("reason must be valid text of at most %d bytes", maxBlockReason))
	}
	if err := checkText("reason", in.Reason, false); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	b := PrefixBlock{Prefix: in.Prefix, Reason: in.Reason, Since: now, Until: now.Add(time.Duration(in.Minutes) * time.Minute)}
	if b.Reason == "" {
		b.Reason = "Blocked by hand"
	}
	var ended []PrefixBlock
	_, err := s.updateFraud(ctx, projectID, func(f *FraudSettings) error {
		ended = f.pruneBlocks(now)
		f.Blocks = slices.DeleteFunc(f.Blocks, func(o PrefixBlock) bool { return o.Prefix == b.Prefix })
		f.Blocks = append(f.Blocks, b)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.recordBlockEvents(ctx, projectID, EventFraudReleased, ended, now); err != nil {
		return nil, err
	}
	if err := s.recordBlockEvents(ctx, projectID, EventFraudBlocked, []PrefixBlock{b}, now); err != nil {
		return nil, err
	}
	return &b, nil
}

// ReleasePrefix ends the active block of prefix at once. Errors:
// NOT_FOUND (the project, or no active block of prefix).
func (s *Service) ReleasePrefix(ctx context.Context, projectID, prefix string) (*PrefixBlock, error) {
	now := s.clock.Now()
	var released *PrefixBlock
	var ended []PrefixBlock
	_, err := s.updateFraud(ctx, projectID, func(f *FraudSettings) error {
		ended = f.pruneBlocks(now)
		i := slices.IndexFunc(f.Blocks, func(b PrefixBlock) bool { return b.Prefix == prefix })
		if i < 0 {
			return &Error{Code: CodeNotFound, Key: "block_not_found", Message: "No active block of " + prefix,
				Params: map[string]any{"resource": "block"}}
		}
		b := f.Blocks[i]
		released = &b
		f.Blocks = slices.Delete(f.Blocks, i, i+1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	releasedNow := *released
	releasedNow.Until = now
	if err := s.recordBlockEvents(ctx, projectID, EventFraudReleased, append(ended, releasedNow), now); err != nil {
		return nil, err
	}
	return released, nil
}

// recordBlockEvents writes an event of type t about each of bs for every
// application of the project, so that each application's webhooks and
// log see it. It follows the block's own write: should it fail, the
// block stands and the error is returned (and logged by the caller).
func (s *Service) recordBlockEvents(ctx context.Context, projectID string, t EventType, bs []PrefixBlock, now time.Time) error {
	apps, err := s.store.ListApplications(ctx, ApplicationFilter{ProjectID: projectID})
	if err != nil {
		return fmt.Errorf("record %s: %w", t, err)
	}
	var events []Event
	for _, a := range apps {
		for _, b := range bs {
			events = append(events, Event{ID: NewID("evt"), Type: t, AppID: a.ID, CreatedAt: now, Country: b.Country, Block: &b})
		}
	}
	if len(events) == 0 {
		return nil
	}
	if err := s.store.AddEvents(ctx, events); err != nil {
		return fmt.Errorf("record %s: %w", t, err)
	}
	return nil
}

// SetDetector replaces the pumping detector's settings of a project the
// caller may manage (zero fields take the defaults) and returns them as
// stored. Errors: NOT_FOUND, INVALID_PARAMETER.
func (s *Service) SetDetector(ctx context.Context, projectID string, d PumpingDetector) (PumpingDetector, error) {
	if err := d.validate(); err != nil {
		return PumpingDetector{}, err
	}
	p, err := s.updateFraud(ctx, projectID, func(f *FraudSettings) error {
		f.Detector = d
		return nil
	})
	if err != nil {
		return PumpingDetector{}, err
	}
	return p.Fraud.Detector, nil
}

// Effective is d with the defaults in place of its zero fields: what the
// detector applies.
func (d PumpingDetector) Effective() PumpingDetector { return d.effective() }

// endExpiredBlocks drops the project's blocks whose cooling period is
// over and records their fraud.released events: under the project's row
// lock, so of several instances running the detector one records each.
func (s *Service) endExpiredBlocks(ctx context.Context, projectID string, now time.Time) error {
	var ended []PrefixBlock
	err := s.store.UpdateProjectFraud(ctx, projectID, func(f *FraudSettings) error {
		ended = f.pruneBlocks(now)
		if len(ended) == 0 {
			return errUnchanged // nothing to write
		}
		return nil
	}, now)
	s.cache.forgetProject(projectID)
	if err != nil && !errors.Is(err, errUnchanged) {
		return fmt.Errorf("end expired blocks: %w", err)
	}
	return s.recordBlockEvents(ctx, projectID, EventFraudReleased, ended, now)
}
