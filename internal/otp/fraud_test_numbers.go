package otp

// TestNumber is a destination with a fixed code that never sends and
// never counts against budgets or credits: for app-store reviewers and
// end-to-end tests of live applications. (Issue 16: filled in by the
// test-number work.)
type TestNumber struct{}

func validateTestNumbers(ts []TestNumber) error { return nil }

func validateSafelist(ds []string) error { return nil }

// testCode returns the fixed code of a test number and true, or false
// when d is not one of the project's test numbers.
func (f *FraudSettings) testCode(d Destination) (string, bool) { return "", false }

// safelisted says whether d skips the send budgets (not the geo rules).
func (f *FraudSettings) safelisted(d Destination) bool { return false }
