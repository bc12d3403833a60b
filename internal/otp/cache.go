package otp

import (
	"context"
	"slices"
	"sync"
	"time"
)

// callerOfAPIKey finds what an API-key hash opens, through the read
// cache: the application, and the extra API key when it is not the
// application's own (nil then). The application's own keys (current, or
// previous during a rotation's grace period) are looked up first, since
// most calls carry them; then the api_keys table. Errors: NOT_FOUND.
func (s *Service) callerOfAPIKey(ctx context.Context, keyHash []byte) (*Application, *APIKey, error) {
	now := s.clock.Now()
	if a, ok := s.cache.app(keyHash, now); ok {
		return a, nil, nil
	}
	if k, ok := s.cache.apiKey(keyHash, now); ok {
		a, err := s.applicationByID(ctx, k.AppID)
		return a, k, err
	}
	gen := s.cache.generation()
	a, err := s.store.GetApplicationByAPIKey(ctx, keyHash)
	if err == nil {
		s.cache.putApp(keyHash, a, gen, now)
		return a, nil, nil
	}
	if !isCode(err, CodeNotFound) {
		return nil, nil, err
	}
	// Not found is not cached, either way: a new key must work at once.
	k, err := s.store.GetAPIKeyByHash(ctx, keyHash)
	if err != nil {
		return nil, nil, err
	}
	s.cache.putAPIKey(k, gen, now)
	a, err = s.applicationByID(ctx, k.AppID)
	return a, k, err
}

// applicationByID is store.GetApplication through the read cache, which
// keeps applications by API key: the delivery of a message reads the
// application its create just authenticated.
func (s *Service) applicationByID(ctx context.Context, id string) (*Application, error) {
	if a, ok := s.cache.appByID(id, s.clock.Now()); ok {
		return a, nil
	}
	gen := s.cache.generation()
	a, err := s.store.GetApplication(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(a.APIKeyHash) > 0 {
		s.cache.putApp(a.APIKeyHash, a, gen, s.clock.Now())
	}
	return a, nil
}

// projectByID is store.GetProject through the read cache, for the
// request paths that need a project's policy.
func (s *Service) projectByID(ctx context.Context, id string) (*Project, error) {
	if p, ok := s.cache.project(id, s.clock.Now()); ok {
		return p, nil
	}
	gen := s.cache.generation()
	p, err := s.store.GetProject(ctx, id)
	if err != nil {
		return nil, err
	}
	s.cache.putProject(p, gen, s.clock.Now())
	return p, nil
}

// maxCacheEntries bounds each map of a readCache, so that a flood of
// distinct keys cannot grow the process without limit.
const maxCacheEntries = 10_000

// readCache remembers, for a short TTL, the rows that nearly every
// request reads: the application of an API key (and the extra API key a
// request presents, when it is not the application's own) and the
// project of an application. It holds only rows that exist: an unknown key is always
// asked of the store again, so an application works the moment it is
// created.
//
// Changes made through this process's Service forget the rows they touch
// at once, even when the store reports an error, since the write may have
// committed all the same. A fill that raced with such a change is dropped:
// every read notes the generation before it asks the store, and put
// refuses it if any change came in between, so a read from before a
// change can never bring the old row back.
type readCache struct {
	ttl time.Duration // zero or negative: the cache is off
	max int

	mu   sync.Mutex
	gen  uint64                  // counts invalidations
	apps map[string]appEntry     // by API-key hash
	keys map[string]string       // application id -> API-key hash of its entry in apps
	prjs map[string]projectEntry // by project id
	// Extra API keys (api_keys rows) by hash, and their hashes by key id.
	// Their application comes from apps, through its id.
	extra    map[string]apiKeyEntry
	extraIDs map[string]string
	// The status of project owners, by developer id.
	devs map[string]developerEntry
}

type developerEntry struct {
	status  DeveloperStatus
	expires time.Time
}

type apiKeyEntry struct {
	key     APIKey
	expires time.Time
}

type appEntry struct {
	app     Application
	expires time.Time
}

type projectEntry struct {
	project Project
	expires time.Time
}

func newReadCache(ttl time.Duration, max int) *readCache {
	return &readCache{
		ttl: ttl, max: max,
		apps: make(map[string]appEntry),
		keys: make(map[string]string),
		prjs: make(map[string]projectEntry),

		extra:    make(map[string]apiKeyEntry),
		extraIDs: make(map[string]string),
		devs:     make(map[string]developerEntry),
	}
}

// generation is noted before a store read and passed to put.
func (c *readCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// app returns a copy of the application of an API-key hash, if it is
// cached and fresh. Callers get a copy so that nothing they do to it can
// reach the next request.
func (c *readCache) app(keyHash []byte, now time.Time) (*Application, bool) {
	if c.ttl <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.apps[string(keyHash)]
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	a := e.app
	return &a, true
}

// appByID returns a copy of the cached application with id, if it is
// cached (by its API key) and fresh.
func (c *readCache) appByID(id string, now time.Time) (*Application, bool) {
	if c.ttl <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.keys[id]
	if !ok {
		return nil, false
	}
	e, ok := c.apps[k]
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	a := e.app
	return &a, true
}

// putApp caches a copy of a, read from the store by keyHash when the
// generation was gen.
func (c *readCache) putApp(keyHash []byte, a *Application, gen uint64, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	k := string(keyHash)
	// An application has one API key. If another key of it is cached,
	// that key was rotated (by another instance, or we would have
	// forgotten it): drop it rather than let it work until its TTL.
	if old, ok := c.keys[a.ID]; ok && old != k {
		delete(c.apps, old)
	}
	if _, ok := c.apps[k]; !ok && len(c.apps) >= c.max {
		c.evictApp()
	}
	c.apps[k] = appEntry{app: *a, expires: now.Add(c.ttl)}
	c.keys[a.ID] = k
}

// evictApp drops one entry; map order makes it an arbitrary one, which is
// as good as any for a cache whose entries live two seconds.
func (c *readCache) evictApp() {
	for k, e := range c.apps {
		delete(c.apps, k)
		delete(c.keys, e.app.ID)
		return
	}
}

// forgetApp drops the application with id, whatever key it is cached by.
func (c *readCache) forgetApp(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if k, ok := c.keys[id]; ok {
		delete(c.apps, k)
		delete(c.keys, id)
	}
}

// project returns a copy of a cached, fresh project.
func (c *readCache) project(id string, now time.Time) (*Project, bool) {
	if c.ttl <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.prjs[id]
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	p := e.project
	return &p, true
}

// putProject caches a copy of p, read from the store when the generation was gen.
func (c *readCache) putProject(p *Project, gen uint64, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if _, ok := c.prjs[p.ID]; !ok && len(c.prjs) >= c.max {
		for k := range c.prjs {
			delete(c.prjs, k)
			break
		}
	}
	c.prjs[p.ID] = projectEntry{project: *p, expires: now.Add(c.ttl)}
}

// forgetProject drops the project with id.
func (c *readCache) forgetProject(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.prjs, id)
}

// apiKey returns a copy of the cached, fresh extra API key of a hash.
func (c *readCache) apiKey(keyHash []byte, now time.Time) (*APIKey, bool) {
	if c.ttl <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.extra[string(keyHash)]
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	k := e.key
	k.AllowedIPs = slices.Clone(k.AllowedIPs)
	return &k, true
}

// putAPIKey caches a copy of k, read from the store when the generation was gen.
func (c *readCache) putAPIKey(k *APIKey, gen uint64, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	h := string(k.Hash)
	if _, ok := c.extra[h]; !ok && len(c.extra) >= c.max {
		for old, e := range c.extra {
			delete(c.extra, old)
			delete(c.extraIDs, e.key.ID)
			break
		}
	}
	e := apiKeyEntry{key: *k, expires: now.Add(c.ttl)}
	e.key.AllowedIPs = slices.Clone(k.AllowedIPs)
	c.extra[h] = e
	c.extraIDs[k.ID] = h
}

// forgetAPIKey drops the extra API key with id: it was revoked.
func (c *readCache) forgetAPIKey(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if h, ok := c.extraIDs[id]; ok {
		delete(c.extra, h)
		delete(c.extraIDs, id)
	}
}

// developerStatus returns the cached, fresh status of developer id.
func (c *readCache) developerStatus(id string, now time.Time) (DeveloperStatus, bool) {
	if c.ttl <= 0 {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.devs[id]
	if !ok || !now.Before(e.expires) {
		return "", false
	}
	return e.status, true
}

// putDeveloperStatus caches the status of developer id, read from the
// store when the generation was gen.
func (c *readCache) putDeveloperStatus(id string, st DeveloperStatus, gen uint64, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if _, ok := c.devs[id]; !ok && len(c.devs) >= c.max {
		for k := range c.devs {
			delete(c.devs, k)
			break
		}
	}
	c.devs[id] = developerEntry{status: st, expires: now.Add(c.ttl)}
}

// forgetDeveloper drops the status of developer id: it changed.
func (c *readCache) forgetDeveloper(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.devs, id)
}
