package ratelimit

import (
	"context"
	"slices"

	"github.com/otpd/otpd/internal/otp"
)

// AllowAll decides takes together under the locks of every shard they
// touch (taken in shard order, so two batches cannot deadlock): no other
// call sees a batch half counted. See otp.BatchLimiter for the semantics.
func (m *Memory) AllowAll(ctx context.Context, takes []otp.Take) (ds []otp.Decision, err error) {
	span := startSpan(ctx, "memory", len(takes))
	defer func() { endSpan(span, err == nil && passed(takes, ds), err) }()
	for _, tk := range takes {
		if err := validate(tk.Limit); err != nil {
			return nil, err
		}
	}
	now := m.now()
	t := int64(now.Sub(m.epoch))

	hashes := make([]uint64, 0, len(takes))
	shards := make([]int, 0, len(takes))
	for _, tk := range takes {
		h := m.hash(tk.Key)
		hashes = append(hashes, h)
		shards = append(shards, shardOf(h))
	}
	locked := slices.Compact(slices.Sorted(slices.Values(shards)))
	for _, i := range locked {
		m.shards[i].mu.Lock()
		m.shards[i].maybeSweep(t)
	}
	defer func() {
		for _, i := range locked {
			m.shards[i].mu.Unlock()
		}
	}()

	// The batch's own view of its keys: a take sees the takes before it.
	type pending struct {
		tat   int64
		known bool
	}
	view := make(map[uint64]pending, len(takes))
	counted := make([]int64, len(takes))
	ds = make([]otp.Decision, len(takes))
	for i, tk := range takes {
		cur, ok := view[hashes[i]]
		if !ok {
			tat, known := m.shards[shards[i]].tat[hashes[i]]
			cur = pending{tat, known}
		}
		d, newTAT := gcra(cur.tat, cur.known, t, now, tk.Limit)
		ds[i] = d
		if d.Allowed && tk.Kind != otp.TakePeek {
			view[hashes[i]] = pending{newTAT, true}
			counted[i] = newTAT
		}
	}
	if ok, _ := otp.Passed(takes, ds); !ok {
		return ds, nil
	}
	for i := range takes {
		if counted[i] != 0 {
			s := &m.shards[shards[i]]
			// Later takes on a key hold its latest TAT.
			s.tat[hashes[i]] = max(s.tat[hashes[i]], counted[i])
			s.peakLen = max(s.peakLen, len(s.tat))
		}
	}
	return ds, nil
}
