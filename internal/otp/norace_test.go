//go:build !race

package otp

// raceEnabled: see race_test.go.
const raceEnabled = false
