//go:build race

package otp

// raceEnabled: the race detector changes what escapes to the heap, so
// tests that count allocations say nothing under it.
const raceEnabled = true
