package otp

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// TestNumber is a destination with a fixed code that never sends and
// never counts against budgets, limits, credits or the usage ledger: for
// app-store reviewers and end-to-end tests of live applications. A
// verification to it is created with Code, reads as delivered at once,
// and verifies with Code; no message, outbox row or otp.sent event is
// written for it. The geo rules do not apply: a test number is the
// project's own fixture, and nothing leaves otpd for it.
type TestNumber struct {
	// To is the phone number (E.164) or email address, normalised as a
	// verification's to is; it is matched exactly, not by limit key.
	To string `json:"to"`
	// Code is 4 to 10 digits, whatever the project's alphabet: digits are
	// what a reviewer's instructions and a test script type most safely.
	Code string `json:"code"`
}

// MaxTestNumbers bounds a project's test numbers: they are fixtures, not a
// way around the budgets.
const MaxTestNumbers = 50

// normalizeTestNumbers parses and checks a list given by a caller and
// returns it normalised. Errors: INVALID_PARAMETER (and INVALID_PHONE,
// INVALID_EMAIL) naming the entry.
func normalizeTestNumbers(ts []TestNumber) ([]TestNumber, error) {
	if len(ts) > MaxTestNumbers {
		return nil, invalidField("testNumbers", "too_many", fmt.Sprintf("testNumbers lists at most %d destinations", MaxTestNumbers))
	}
	out := make([]TestNumber, 0, len(ts))
	for i, t := range ts {
		field := fmt.Sprintf("testNumbers[%d]", i)
		d, err := ParseDestination(t.To, field+".to")
		if err != nil {
			return nil, err
		}
		if !validTestCode(t.Code) {
			return nil, invalidField(field+".code", "invalid_test_code", "a test number's code must be 4 to 10 digits")
		}
		if slices.ContainsFunc(out, func(o TestNumber) bool { return o.To == d.Value }) {
			return nil, invalidField(field+".to", "duplicate_destination", "this destination is listed twice")
		}
		out = append(out, TestNumber{To: d.Value, Code: t.Code})
	}
	return out, nil
}

// validateTestNumbers checks the stored list (normalizeTestNumbers wrote it).
func validateTestNumbers(ts []TestNumber) error {
	norm, err := normalizeTestNumbers(ts)
	if err != nil {
		return err
	}
	if !slices.Equal(norm, ts) {
		return invalidField("testNumbers", "not_normalised", "testNumbers must be normalised")
	}
	return nil
}

func validTestCode(c string) bool {
	if len(c) < 4 || len(c) > 10 {
		return false
	}
	for _, r := range c {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// testCode returns the fixed code of a test number and true, or false
// when d is not one of the project's test numbers.
func (f *FraudSettings) testCode(d Destination) (string, bool) {
	return f.testCodeOf(d.Value)
}

// testCodeOf is testCode for a destination as stored.
func (f *FraudSettings) testCodeOf(to string) (string, bool) {
	for _, t := range f.TestNumbers {
		if t.To == to {
			return t.Code, true
		}
	}
	return "", false
}

// testNumberSent marks v as sent to a test number: delivered at once, and
// nothing else written. No otp.sent event, since that is what the usage
// ledger, the monthly quota and the analytics count as a message.
func testNumberSent(v *Verification, now time.Time) Effects {
	v.DeliveryStatus, v.SentAt, v.DeliveredAt, v.UpdatedAt, v.LastError = DeliveryDelivered, now, now, now, ""
	return Effects{}
}

// TestNumbers returns the test numbers of a project the caller may
// manage. Errors: NOT_FOUND.
func (s *Service) TestNumbers(ctx context.Context, projectID string) ([]TestNumber, error) {
	p, err := s.GetProject(ctx, projectID)
	if err != nil {
		return nil, err
	}
	return p.Fraud.TestNumbers, nil
}

// SetTestNumbers replaces the test numbers of a project the caller may
// manage and returns them as stored. Errors: NOT_FOUND, INVALID_PARAMETER,
// INVALID_PHONE, INVALID_EMAIL.
func (s *Service) SetTestNumbers(ctx context.Context, projectID string, ts []TestNumber) ([]TestNumber, error) {
	norm, err := normalizeTestNumbers(ts)
	if err != nil {
		return nil, err
	}
	p, err := s.updateFraud(ctx, projectID, func(f *FraudSettings) error {
		f.TestNumbers = norm
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p.Fraud.TestNumbers, nil
}
