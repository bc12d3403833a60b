// Package bench is the load generator behind "otpd bench". It drives a
// running otpd through its native HTTP API in timed phases, creating
// verifications and then checking each with the code from the test inbox,
// reports throughput and latency per phase, and fails when a correct code
// is not accepted exactly once: correctness under load is part of the
// benchmark.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/url"
	"strings"
	"time"
)

const (
	defaultBaseURL     = "http://127.0.0.1:8080"
	defaultConcurrency = 8
	defaultDuration    = 10 * time.Second
	defaultChannel     = "sms"

	// maxConcurrency bounds the workers, and so the connections, of a run.
	maxConcurrency = 10_000
	// maxChecks bounds the checks prepared when Requests does not.
	maxChecks = 200_000
	// inboxStall is how long the test inbox may go without a new message
	// before the codes still missing are given up on.
	inboxStall = 30 * time.Second
	// codeTTL is the lifetime the creates ask for, the longest otpd
	// allows, and maxDuration the longest phase it leaves room for: a code
	// made at the start of the create phase must still be valid when the
	// wrong and right check phases (as long each) and the reading of the
	// inbox between them reach it, or those phases would measure expired
	// codes instead of checks.
	codeTTL     = 15 * time.Minute
	maxDuration = 4 * time.Minute
)

// Config is what one benchmark run needs.
type Config struct {
	BaseURL     string        // the running otpd, e.g. http://127.0.0.1:8080
	AdminToken  string        // creates a project and a test application when APIKey is empty
	APIKey      string        // an existing test application's API key
	Concurrency int           // concurrent requests; default 8
	Duration    time.Duration // how long each phase may run; default 10s
	Requests    int           // the most requests of each phase; 0 means no limit
	Channel     string        // channel of the verifications; default "sms"
	// Defences turns on every send defence of issue 16 on the bench's
	// project, set high enough never to refuse (country and prefix
	// budgets, a client-address limit), and sends remoteIp with each
	// verification: their cost is what the run then measures.
	Defences bool
	// Prefill is how many verifications to create, unmeasured, before
	// the measured phases, so that checks search a store of that size.
	Prefill int
	// Order is the order of the checks: "created" (the order of the
	// create phase) or "random" (a permutation drawn from Seed).
	Order string
	Seed  uint64 // seeds the random order, so that a run can be repeated
	// CompareFloor runs the same benchmark against the floor (RunFloor)
	// before the server, and prints the server's rates divided by the
	// floor's.
	CompareFloor bool
}

const (
	orderCreated = "created"
	orderRandom  = "random"
)

// Flags registers the benchmark's command-line flags on fs, writing into c.
func (c *Config) Flags(fs *flag.FlagSet) {
	fs.StringVar(&c.BaseURL, "url", defaultBaseURL, "base `URL` of the running otpd")
	fs.StringVar(&c.AdminToken, "admin-token", "", "admin `token`, to create a project and a test application when -api-key is empty; default $OTPD_ADMIN_TOKEN")
	fs.StringVar(&c.APIKey, "api-key", "", "API `key` of an existing test application")
	fs.IntVar(&c.Concurrency, "c", defaultConcurrency, "concurrent requests")
	fs.DurationVar(&c.Duration, "d", defaultDuration, "how long each phase may run")
	fs.IntVar(&c.Requests, "n", 0, "the most requests of each phase; 0 means no limit")
	fs.StringVar(&c.Channel, "channel", defaultChannel, "`channel` of the verifications (sms, email, ...)")
	fs.IntVar(&c.Prefill, "prefill", 0, "create `N` verifications, unmeasured and 64 or more at a time, before the measured phases, so that checks search a store of that size")
	fs.StringVar(&c.Order, "order", orderCreated, "`order` of the checks: created (the order of the create phase) or random (a permutation drawn from -seed)")
	fs.Uint64Var(&c.Seed, "seed", 1, "`seed` of the random order of the checks")
	fs.BoolVar(&c.CompareFloor, "compare-floor", false, "before the server, run the same benchmark against the floor (see -floor) without the prefill or the defences, and print otpd's rates divided by the floor's")
	fs.BoolVar(&c.Defences, "defences", false, "turn on the send defences (geo permissions with prefix rules, test numbers, a safelist, a blocked prefix, budgets per country and prefix, a limit per client address, remoteIp on each send), all set never to refuse the bench's sends, to measure what they cost")
}

// normalize fills in the defaults and rejects what cannot work.
func (c Config) normalize() (Config, error) {
	if c.BaseURL == "" {
		c.BaseURL = defaultBaseURL
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return c, fmt.Errorf("bench: the URL %q is not an http(s) base URL like %s", c.BaseURL, defaultBaseURL)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	switch {
	case c.APIKey == "" && c.AdminToken == "":
		return c, errors.New("bench: an API key of a test application, or the admin token to create one, is needed")
	case strings.HasPrefix(c.APIKey, "otpd_live_"):
		// A live application reaches real providers: the bench would send
		// thousands of real messages, and could not read their codes.
		return c, errors.New("bench: the API key is a live application's; use a test application's")
	case c.Concurrency < 0 || c.Concurrency > maxConcurrency:
		return c, fmt.Errorf("bench: concurrency %d is not between 1 and %d", c.Concurrency, maxConcurrency)
	case c.Duration < 0:
		return c, fmt.Errorf("bench: the duration %s is negative", c.Duration)
	case c.Duration > maxDuration:
		return c, fmt.Errorf("bench: the duration %s is longer than %s: the codes made at the start of the create phase would expire (after %s) before the check phases reach them", c.Duration, maxDuration, codeTTL)
	case c.Requests < 0:
		return c, fmt.Errorf("bench: the number of requests %d is negative", c.Requests)
	case c.Prefill < 0 || c.Prefill > maxPrefill:
		return c, fmt.Errorf("bench: the prefill %d is not between 0 and %d", c.Prefill, maxPrefill)
	case c.Order != "" && c.Order != orderCreated && c.Order != orderRandom:
		return c, fmt.Errorf("bench: the order %q is neither %s nor %s", c.Order, orderCreated, orderRandom)
	}
	if c.Order == "" {
		c.Order = orderCreated
	}
	if c.Concurrency == 0 {
		c.Concurrency = defaultConcurrency
	}
	if c.Duration == 0 {
		c.Duration = defaultDuration
	}
	if c.Channel == "" {
		c.Channel = defaultChannel
	}
	// The create phase writes the channel into JSON unescaped.
	if len(c.Channel) > 32 || strings.Trim(c.Channel, "abcdefghijklmnopqrstuvwxyz") != "" {
		return c, fmt.Errorf("bench: the channel %q is not a channel name like sms or email", c.Channel)
	}
	return c, nil
}

// Run benchmarks the otpd at cfg.BaseURL and writes a report to out, one
// line per phase: setup (a project and a test application, unless
// cfg.APIKey names one), prefill (cfg.Prefill verifications, unmeasured),
// create (verifications), inbox (their codes, read from the test inbox; not
// timed), wrong (each verification once with a wrong code), check (each
// verification once with its code, in cfg.Order) and verified (the
// outcome, with a sample of codes sent again, which must fail). With
// cfg.CompareFloor, the floor's run comes first, and a ratio line last. It returns
// an error when a request failed, a wrong code was accepted, a correct code
// was not accepted or was accepted twice, or ctx ended. When otpd answers
// 429, it says how to raise otpd's limit, and stops.
func Run(ctx context.Context, cfg Config, out io.Writer) error {
	return run(ctx, cfg, out, inboxStall)
}

// run is Run with the inbox's patience as a parameter, for the tests.
func run(ctx context.Context, cfg Config, out io.Writer, stall time.Duration) error {
	if !cfg.CompareFloor {
		_, err := measure(ctx, cfg, out, stall)
		return err
	}
	// The floor runs first, while the server is idle: after its own
	// phases the server goes on with work they left behind (the event
	// consumer catching up, PostgreSQL's background writes), which took
	// a third off the floor's rate at c=64 against PostgreSQL. The floor
	// keeps verifications in a map: a prefill would change nothing but
	// the time the run takes, and it has no defences to set.
	floorCfg := cfg
	floorCfg.Prefill, floorCfg.Defences, floorCfg.CompareFloor = 0, false, false
	floor, err := runFloor(ctx, floorCfg, out, stall)
	if err != nil {
		return err
	}
	server, err := measure(ctx, cfg, out, stall)
	if err != nil {
		return err
	}
	writeRatios(out, server, floor)
	return nil
}

// result is what one measured run gives besides its report.
type result struct {
	create, wrong, check *stats
}

// measure runs the benchmark once and returns its measurements.
func measure(ctx context.Context, cfg Config, out io.Writer, stall time.Duration) (*result, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	var seed [8]byte
	rand.Read(seed[:])
	dests := newDestinations(cfg.Channel, binary.LittleEndian.Uint64(seed[:]))
	requests := "unlimited"
	if cfg.Requests > 0 {
		requests = fmt.Sprint(cfg.Requests)
	}
	fmt.Fprintf(out, "bench    run=%s url=%s channel=%s concurrency=%d duration=%s requests=%s defences=%v prefill=%d order=%s seed=%d\n",
		dests.run, cfg.BaseURL, cfg.Channel, cfg.Concurrency, cfg.Duration, requests, cfg.Defences, cfg.Prefill, cfg.Order, cfg.Seed)

	conns := cfg.Concurrency
	if cfg.Prefill > 0 {
		conns = max(conns, prefillConcurrency) // the prefill's workers
	}
	c := newClient(cfg.BaseURL, conns)
	defer c.close()
	key := cfg.APIKey
	if key == "" {
		if key, err = c.createTestApplication(ctx, cfg.AdminToken, "bench-"+dests.run, cfg.Defences, out); err != nil {
			return nil, fmt.Errorf("bench: setup: %w", err)
		}
	}
	auth := "Bearer " + key
	res := &result{}

	if cfg.Prefill > 0 {
		filled, err := prefill(ctx, c, auth, cfg, dests, stall, out)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("bench: %w", ctxErr)
		}
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		if filled.limited > 0 {
			return nil, rateLimited(out, filled.limited, filled.limitedBy)
		}
		if n := filled.errors(); n > 0 {
			return nil, fmt.Errorf("bench: prefill: %d of %d requests failed (%s)", n, filled.requests, filled.describeErrors())
		}
	}

	var problems []string
	limited := 0

	created, verifications := create(ctx, c, auth, cfg, dests, uint64(cfg.Prefill))
	res.create = created
	created.write(out)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	if created.limited > 0 {
		// The rest would wait for the limiter's window and measure it.
		return nil, rateLimited(out, created.limited, created.limitedBy)
	}
	if n := created.errors(); n > 0 {
		problems = append(problems, fmt.Sprintf("create: %d of %d requests failed (%s)", n, created.requests, created.describeErrors()))
	}

	want := maxChecks
	if cfg.Requests > 0 {
		want = cfg.Requests
	}
	if len(verifications) > want {
		verifications = verifications[:want]
	}
	if len(verifications) == 0 {
		problems = append(problems, "no verification was created, so none was checked")
	} else {
		checks, inbox, err := fetchCodes(ctx, c, auth, verifications, cfg.Concurrency, stall)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("bench: %w", ctxErr)
		}
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		fmt.Fprintf(out, "inbox    codes=%d of %d missing=%d rate_limited=%d transport_errors=%d elapsed=%s\n",
			len(checks), len(verifications), inbox.missing, inbox.limited, inbox.failed, inbox.elapsed.Round(time.Millisecond))
		limited += inbox.limited
		if inbox.missing > 0 {
			problems = append(problems, fmt.Sprintf("%d of %d codes never reached the test inbox (none arrived for %s)", inbox.missing, len(verifications), stall))
		}

		if cfg.Order == orderRandom {
			shuffle(checks, cfg.Seed)
		}

		wrong := wrongCheck(ctx, c, auth, cfg, checks)
		res.wrong = wrong
		wrong.write(out)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		limited += wrong.limited
		if wrong.unexpected > 0 {
			problems = append(problems, fmt.Sprintf("wrong: %d of %d wrong codes were not refused with the verification still pending", wrong.unexpected, wrong.requests))
		}
		if n := wrong.errors() - wrong.unexpected; n > 0 {
			problems = append(problems, fmt.Sprintf("wrong: %d of %d requests failed (%s)", n, wrong.requests, wrong.describeErrors()))
		}

		checked, accepted := check(ctx, c, auth, cfg, checks)
		res.check = checked
		checked.write(out)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		replayed, again, err := replay(ctx, c, auth, checks, accepted)
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		fmt.Fprintf(out, "verified valid=%d invalid=%d unchecked=%d replayed=%d accepted_again=%d\n",
			checked.succeeded, checked.unexpected, len(checks)-checked.requests, replayed, again)
		if again > 0 {
			problems = append(problems, fmt.Sprintf("check: %d of %d codes checked a second time were accepted again", again, replayed))
		}
		limited += checked.limited
		if checked.unexpected > 0 {
			problems = append(problems, fmt.Sprintf("check: %d of %d correct codes were not accepted as valid", checked.unexpected, checked.requests))
		}
		if n := checked.errors() - checked.unexpected; n > 0 {
			problems = append(problems, fmt.Sprintf("check: %d of %d requests failed (%s)", n, checked.requests, checked.describeErrors()))
		}
	}

	if limited > 0 {
		return nil, rateLimited(out, limited, "")
	}
	if len(problems) > 0 {
		return nil, errors.New("bench: " + strings.Join(problems, "; "))
	}
	fmt.Fprintln(out, "ok       every wrong code was refused, every right code checked was valid exactly once")
	return res, nil
}

// shuffle puts checks in a random order drawn from seed: the same seed and
// the same number of checks give the same permutation.
func shuffle(checks []checkRequest, seed uint64) {
	r := mrand.New(mrand.NewPCG(seed, 0))
	r.Shuffle(len(checks), func(i, j int) { checks[i], checks[j] = checks[j], checks[i] })
}

// writeRatios prints the server's rates divided by the floor's, per
// operation: the figures the targets of issue 17 are stated in.
func writeRatios(out io.Writer, server, floor *result) {
	ratio := func(s, f *stats) string {
		if s == nil || f == nil || f.rate() == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.3f", s.rate()/f.rate())
	}
	fmt.Fprintf(out, "ratio    create=%s wrong=%s check=%s (otpd's requests/s divided by the floor's)\n",
		ratio(server.create, floor.create), ratio(server.wrong, floor.wrong), ratio(server.check, floor.check))
}

// rateLimited explains 429 answers, which mean otpd's limit of requests per
// API key, not its capacity, set the pace.
func rateLimited(out io.Writer, n int, by string) error {
	if by != "" {
		fmt.Fprintf(out, "note     the first 429: %s\n", by)
	}
	fmt.Fprintf(out, "note     otpd answered 429 Too Many Requests %d times: its limit of requests per API key is below the benchmark's rate, "+
		"so the numbers measure the limiter. Start otpd with a higher OTPD_API_RATE_LIMIT (requests a minute per API key), "+
		"e.g. OTPD_API_RATE_LIMIT=1000000 otpd serve\n", n)
	return fmt.Errorf("bench: %d answers were 429 Too Many Requests: start otpd with a higher OTPD_API_RATE_LIMIT", n)
}
