package otp

// TestNumber is a destination with a fixed code that never sends.
// (Issue 16: filled in by the test-number work.)
type TestNumber struct{}

func validateTestNumbers(ts []TestNumber) error { return nil }

func validateSafelist(ds []string) error { return nil }
