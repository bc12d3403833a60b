package webhook

import (
	"math/rand/v2"
	"time"
)

// retryDelays is the wait after each failed attempt: after attempt n the
// next one comes retryDelays[n-1] later. Quick retries absorb a blip
// (deploy, restart); the long tail rides out an outage of a day or more.
// The delays add up to 39h42m35s, and still to 31h46m with every jitter at
// its minimum, so a message is retried for well over 24 hours before it is
// marked dead.
var retryDelays = [...]time.Duration{
	5 * time.Second,
	30 * time.Second,
	2 * time.Minute,
	10 * time.Minute,
	30 * time.Minute,
	1 * time.Hour,
	2 * time.Hour,
	4 * time.Hour,
	8 * time.Hour,
	12 * time.Hour,
	12 * time.Hour,
}

// MaxAttempts is how many times a message is tried before it is dead: the
// first attempt plus one retry per delay of the schedule.
const MaxAttempts = len(retryDelays) + 1

// jitterFraction spreads each delay uniformly over ±20 %, so that messages
// that failed together (an endpoint outage) do not all come back at once.
const jitterFraction = 0.2

// DisableAfter is how long an endpoint may fail without a single success
// before it is disabled. It is longer than a message's whole retry window,
// so an endpoint is disabled only after several messages died on it, and
// short enough that a forgotten endpoint stops costing work within a week.
const DisableAfter = 5 * 24 * time.Hour

// randInt64N is the jitter source; tests replace it to pin the extremes.
var randInt64N = rand.Int64N

// NextAttempt returns when to try a message again after attempt number
// attempt (1 for the first) failed at now, and false when that was the
// last attempt and the message should be marked dead. An attempt below 1
// means nothing was tried yet: try now. A Retry-After from the endpoint
// (Result.RetryAfter) may push the time later, never earlier.
func NextAttempt(attempt int, now time.Time) (time.Time, bool) {
	if attempt < 1 {
		return now, true
	}
	if attempt > len(retryDelays) {
		return time.Time{}, false
	}
	return now.Add(jitter(retryDelays[attempt-1])), true
}

// jitter returns d moved by a uniform amount within ±jitterFraction.
func jitter(d time.Duration) time.Duration {
	spread := int64(float64(d) * jitterFraction)
	return d - time.Duration(spread) + time.Duration(randInt64N(2*spread+1))
}

// ShouldDisable reports whether an endpoint that has failed every delivery
// since failingSince (zero if its last delivery succeeded) should be
// disabled at now; see DisableAfter.
func ShouldDisable(failingSince, now time.Time) bool {
	return !failingSince.IsZero() && now.Sub(failingSince) >= DisableAfter
}
