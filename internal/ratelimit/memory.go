package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

var _ otp.Limiter = (*Memory)(nil)

const (
	// shardCount spreads keys over independent locks so that concurrent
	// requests for different keys rarely wait on each other.
	shardCount = 64
	// sweepEvery is how often, by the limiter's clock, a shard drops keys
	// whose bucket is full again.
	sweepEvery = time.Minute
	// sweepMinKeys keeps small shards from being swept on growth alone.
	sweepMinKeys = 1024
)

// Memory is an in-process limiter. It is safe for concurrent use and starts
// no goroutines: expired keys are swept by the requests that land in their
// shard, so memory stays proportional to the keys in use.
type Memory struct {
	now    func() time.Time
	epoch  time.Time // zero point of the stored times
	seed   maphash.Seed
	shards [shardCount]shard
}

// shard holds the theoretical arrival time (TAT) of each key in
// nanoseconds since epoch. A key whose TAT is not after now has a full
// bucket and behaves exactly as an absent key, so it can be dropped.
//
// Keys are held as their 64-bit hash under the limiter's random seed, not
// as strings: a destination's or a guess counter's key is some 60 bytes
// of text that would cost about 100 bytes an entry, its hash 8, and a
// busy instance holds hundreds of thousands of them (a guess counter
// lives four minutes after its last wrong code). Two keys that share a
// hash share one bucket, which only ever limits sooner; with a seed an
// attacker cannot know, that needs chance: the odds that any two of a
// million keys share a hash are about 3 in 10^8.
type shard struct {
	mu        sync.Mutex
	tat       map[uint64]int64
	nextSweep int64 // when the next timed sweep is due
	sweptLen  int   // keys left after the last sweep
	peakLen   int   // most keys since the map was last rebuilt
}

// NewMemory returns an in-process limiter that reads the time from now,
// or from time.Now if now is nil. Tests pass a fake clock.
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	m := &Memory{now: now, epoch: now(), seed: maphash.MakeSeed()}
	for i := range m.shards {
		m.shards[i].tat = make(map[uint64]int64)
	}
	return m
}

// Allow counts one event for key and reports whether it fits in limit.
// It returns an error only for an invalid limit.
func (m *Memory) Allow(ctx context.Context, key string, limit otp.Limit) (d otp.Decision, err error) {
	span := startSpan(ctx, "memory", 1)
	defer func() { endSpan(span, d.Allowed, err) }()
	if err := validate(limit); err != nil {
		return otp.Decision{}, err
	}
	now := m.now()
	// Durations from epoch use the monotonic clock when the clock has one,
	// so a wall-clock step does not empty or fill every bucket.
	t := int64(now.Sub(m.epoch))

	h := m.hash(key)
	s := &m.shards[shardOf(h)]
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maybeSweep(t)

	tat, ok := s.tat[h]
	d, newTAT := gcra(tat, ok, t, now, limit)
	if d.Allowed {
		s.tat[h] = newTAT
		s.peakLen = max(s.peakLen, len(s.tat))
	}
	return d, nil
}

// gcra decides one event of limit on a key whose theoretical arrival time
// is tat (known is false for an absent key) at t (now on the wall clock),
// and returns the key's TAT if the event is counted.
func gcra(tat int64, known bool, t int64, now time.Time, limit otp.Limit) (otp.Decision, int64) {
	interval := max(int64(limit.Period)/int64(limit.Count), 1) // one event's share of the period
	burst := interval * int64(limit.Count)
	if !known || tat < t {
		tat = t
	}
	newTAT := tat + interval
	allowAt := newTAT - burst // the earliest time this event fits
	if t < allowAt {
		return otp.Decision{
			Allowed:    false,
			Limit:      limit.Count,
			Remaining:  0,
			ResetAt:    now.Add(time.Duration(tat - t)),
			RetryAfter: time.Duration(allowAt - t),
		}, tat
	}
	return otp.Decision{
		Allowed:   true,
		Limit:     limit.Count,
		Remaining: int((t - allowAt) / interval),
		ResetAt:   now.Add(time.Duration(newTAT - t)),
	}, newTAT
}

// hash is the key as the shards hold it.
func (m *Memory) hash(key string) uint64 { return maphash.String(m.seed, key) }

// shardOf is the shard of a key's hash.
func shardOf(h uint64) int { return int(h % shardCount) }

// maybeSweep drops full buckets once every sweepEvery, and sooner when the
// shard has doubled since its last sweep, so a flood of new keys cannot
// grow it unchecked. Doubling keeps the cost of sweeping constant per
// request on average. The caller holds s.mu.
func (s *shard) maybeSweep(t int64) {
	n := len(s.tat)
	if t < s.nextSweep && (n < sweepMinKeys || n < 2*s.sweptLen) {
		return
	}
	for k, tat := range s.tat {
		if tat <= t {
			delete(s.tat, k)
		}
	}
	// A Go map keeps its memory after deletes; copy it once most of its
	// keys are gone so a past flood does not pin memory for good.
	if len(s.tat) < s.peakLen/4 {
		s.tat = compact(s.tat)
		s.peakLen = len(s.tat)
	}
	s.sweptLen = len(s.tat)
	s.nextSweep = t + int64(sweepEvery)
}

// compact returns a right-sized copy of m. (maps.Clone would keep the
// old size.)
func compact(m map[uint64]int64) map[uint64]int64 {
	c := make(map[uint64]int64, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// size returns how many keys the limiter holds; tests use it to see sweeps.
func (m *Memory) size() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.tat)
		s.mu.Unlock()
	}
	return n
}
