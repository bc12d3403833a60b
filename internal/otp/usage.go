package otp

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// usageTTL is how long a developer's monthly count is reused before it is
// read again; sends within it are added locally.
const usageTTL = 5 * time.Second

// usageCache remembers developers' plans and monthly messages for a few
// seconds, so that checking the monthly limit costs no query per send.
// It holds at most max entries: open sign-up lets anyone add developers,
// and an entry nobody reads again would otherwise stay for good.
type usageCache struct {
	mu  sync.Mutex
	max int
	m   map[string]usageEntry // by developer id
}

func newUsageCache(max int) *usageCache {
	return &usageCache{max: max, m: map[string]usageEntry{}}
}

func (c *usageCache) get(devID string) (usageEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[devID]
	return e, ok
}

// put stores e for devID. A new entry that would take the cache past
// its bound first drops the expired entries, then, if none had expired,
// an arbitrary one: an entry is only a few seconds of saved queries.
func (c *usageCache) put(devID string, e usageEntry, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[devID]; !ok && len(c.m) >= c.max {
		for k, old := range c.m {
			if !now.Before(old.expires) {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < c.max {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[devID] = e
}

type usageEntry struct {
	plan    Plan
	month   int64 // first day of the month counted, days since 1970
	sent    int   // messages
	expires time.Time
}

func (c *usageCache) forget(devID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, devID)
}

// checkMonthlySends refuses a live send of a developer's project once the
// plan's monthly messages are used up. The count comes from the usage
// ledger (about a second behind; deleting an application does not lower
// it) plus one for each send this process allowed since it last read it.
// The limit counts messages, not verifications: each resend, fallback
// step and retry the provider accepts is one. Only the requests that send
// (a new verification, a resend, a session's send) are checked, so a
// verification started under the limit may finish its fallback over it.
func (s *Service) checkMonthlySends(ctx context.Context, p *Project, a *Application) error {
	if p.OwnerID == "" || a.Environment != Live {
		return nil
	}
	now := s.clock.Now().UTC()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	month := dayOf(start)
	e, ok := s.usage.get(p.OwnerID)
	if !ok || !now.Before(e.expires) || e.month != month {
		d, err := s.store.GetDeveloper(ctx, p.OwnerID)
		if err != nil {
			return fmt.Errorf("plan of %s: %w", p.OwnerID, err)
		}
		e = usageEntry{plan: d.Plan, month: month, expires: now.Add(usageTTL)}
		if d.Plan.MonthlySends > 0 {
			if e.sent, err = s.store.CountOwnerMessages(ctx, p.OwnerID, start); err != nil {
				return fmt.Errorf("monthly sends of %s: %w", p.OwnerID, err)
			}
		}
	}
	if e.plan.MonthlySends > 0 && e.sent >= e.plan.MonthlySends {
		return quotaExceeded("monthly_sends", fmt.Sprintf("The plan's %d messages this month are used up", e.plan.MonthlySends))
	}
	e.sent++
	s.usage.put(p.OwnerID, e, now)
	return nil
}
