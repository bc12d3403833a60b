package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// outageRequestTimeout is OTPD_REQUEST_TIMEOUT in the fault tests: short,
// so that a frozen database costs the test seconds, not minutes.
const outageRequestTimeout = time.Second

// slowest bounds any request's time in the fault tests. It is a
// correctness bound (no request hangs with the database), generous so
// that a loaded machine never fails it: the request timeout, plus the
// time to write the answer, plus a wide margin.
const slowest = outageRequestTimeout + 8*time.Second

// outcome is one request of the load.
type outcome struct {
	op         string // create or check
	status     int
	retryAfter string
	code       string // the error's code
	id         string // the verification created (201)
	key        string // the create's Idempotency-Key
	replayed   bool   // Idempotent-Replayed: the key's first create was in the database
	took       time.Duration
	at         time.Time
}

// load sends creates, each followed by a check of a wrong code, from
// several goroutines until stopped, and keeps every outcome.
type outageLoad struct {
	t        *testing.T
	url, key string
	client   *http.Client
	stop     chan struct{}
	wg       sync.WaitGroup
	seq      atomic.Int64

	mu       sync.Mutex
	outcomes []outcome
	changed  chan struct{} // a value after each outcome
}

func startOutageLoad(t *testing.T, url, key string, workers int) *outageLoad {
	l := &outageLoad{t: t, url: url, key: key, stop: make(chan struct{}), changed: make(chan struct{}, 1),
		// No keep-alive pool to the test server is needed, but the
		// client must never be the one to time out first.
		client: &http.Client{Timeout: slowest + 10*time.Second}}
	for range workers {
		l.wg.Go(func() {
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				n := l.seq.Add(1)
				c := l.send("create", "/v1/verifications", fmt.Sprintf("outage-%d", n),
					map[string]any{"to": phoneOf(n), "channel": "sms"})
				if c.status == 201 {
					l.send("check", "/v1/verifications/"+c.id+"/check", "", map[string]any{"code": "000000"})
				}
			}
		})
	}
	return l
}

func (l *outageLoad) send(op, path, idemKey string, body any) outcome {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", l.url+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+l.key)
	req.Header.Set("Content-Type", "application/json")
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	o := outcome{op: op, key: idemKey, at: time.Now()}
	res, err := l.client.Do(req)
	o.took = time.Since(o.at)
	if err != nil {
		o.code = "transport: " + err.Error()
	} else {
		var out struct {
			Data  struct{ ID string }
			Error struct{ Code string }
		}
		json.NewDecoder(res.Body).Decode(&out)
		res.Body.Close()
		o.status, o.retryAfter, o.code, o.id = res.StatusCode, res.Header.Get("Retry-After"), out.Error.Code, out.Data.ID
		o.replayed = res.Header.Get("Idempotent-Replayed") == "true"
	}
	l.mu.Lock()
	l.outcomes = append(l.outcomes, o)
	l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default:
	}
	return o
}

// waitFor blocks until cond holds of the outcomes so far; the minute's
// bound only ends a broken run.
func (l *outageLoad) waitFor(what string, cond func([]outcome) bool) {
	l.t.Helper()
	deadline := time.After(time.Minute)
	for {
		l.mu.Lock()
		ok := cond(l.outcomes)
		l.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-l.changed:
		case <-deadline:
			l.mu.Lock()
			last := l.outcomes[max(0, len(l.outcomes)-3):]
			l.mu.Unlock()
			l.t.Fatalf("waited a minute for %s; the last outcomes: %+v", what, last)
		}
	}
}

// after runs fault, waits until n answers of status came after it, and
// returns when fault ended.
func (l *outageLoad) after(fault func(), status, n int, what string) time.Time {
	l.t.Helper()
	l.mu.Lock()
	mark := len(l.outcomes)
	l.mu.Unlock()
	fault()
	at := time.Now()
	l.waitFor(what, func(os []outcome) bool { return count(os, mark, status) >= n })
	return at
}

func (l *outageLoad) halt() []outcome {
	close(l.stop)
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.outcomes
}

// count is how many outcomes since i have status.
func count(os []outcome, since int, status int) int {
	n := 0
	for _, o := range os[since:] {
		if o.status == status {
			n++
		}
	}
	return n
}

// checkOutcomes fails the test for an answer other than success or 503
// UNAVAILABLE with Retry-After, and for a request slower than slowest.
func checkOutcomes(t *testing.T, os []outcome) {
	t.Helper()
	for _, o := range os {
		switch {
		case o.took > slowest:
			t.Errorf("%s took %v (bound %v): %+v", o.op, o.took, slowest, o)
		case o.status == 200 || o.status == 201:
		case o.status == 503 && o.code == "UNAVAILABLE" && o.retryAfter != "":
		default:
			t.Errorf("%s answered %d %q (Retry-After %q); want success or 503 UNAVAILABLE with Retry-After", o.op, o.status, o.code, o.retryAfter)
		}
	}
}

func getStatus(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// startOutage runs otpd on a PostgreSQL cluster of the test's own, with
// an application, and load on it once n creates succeeded.
func startOutage(t *testing.T, creates int) (pg *privatePostgres, url, key string, stderr *syncBuffer, l *outageLoad) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a PostgreSQL cluster of its own")
	}
	pg = startPrivatePostgres(t)
	url, stderr, stop := startServe(t, outageEnv(t, pg))
	t.Cleanup(func() { stop() })
	key = setupApp(t, url)
	l = startOutageLoad(t, url, key, 4)
	l.waitFor("creates before the fault", func(os []outcome) bool { return count(os, 0, 201) >= creates })
	return pg, url, key, stderr, l
}

func outageEnv(t *testing.T, pg *privatePostgres) map[string]string {
	return map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_DATABASE_URL": pg.URL(),
		"OTPD_ADMIN_TOKEN": testAdminToken, "OTPD_API_RATE_LIMIT": "1000000",
		"OTPD_REQUEST_TIMEOUT": outageRequestTimeout.String(), "OTPD_LOG_FORMAT": "json"}
}

// PostgreSQL restarted under load: while it is down every request fails
// fast with 503 UNAVAILABLE and Retry-After, /v1/ready says so, the
// outage is logged once each way, otpd recovers by itself when the
// server is back, and every create that got 201 is in the database.
func TestPostgresRestartUnderLoad(t *testing.T) {
	pg, url, key, stderr, l := startOutage(t, 50)
	stopped := l.after(pg.stop, 503, 30, "30 refusals while PostgreSQL is down")
	if st := getStatus(t, url+"/v1/ready"); st != 503 {
		t.Errorf("/v1/ready with PostgreSQL down: %d, want 503", st)
	}
	if st := getStatus(t, url+"/v1/health"); st != 200 {
		t.Errorf("/v1/health with PostgreSQL down: %d, want 200 (liveness)", st)
	}
	restarted := l.after(pg.start, 201, 50, "50 creates after the restart")
	outcomes := l.halt()
	if st := getStatus(t, url+"/v1/ready"); st != 200 {
		t.Errorf("/v1/ready after the restart: %d, want 200", st)
	}

	checkOutcomes(t, outcomes)
	var refused, acked int
	var recovered time.Duration
	for _, o := range outcomes {
		if o.status == 503 {
			refused++
		}
		if o.op == "create" && o.status == 201 {
			acked++
			if o.at.After(restarted) && recovered == 0 {
				recovered = o.at.Add(o.took).Sub(restarted)
			}
			// No acknowledged send lost.
			if st, _ := call(t, "GET", url+"/v1/verifications/"+o.id, key, nil); st != 200 {
				t.Errorf("verification %s got 201 but reads %d after the restart", o.id, st)
			}
		}
	}
	// Once each way, not once a request. While pg_ctl stops the server,
	// a backend not yet ended may still answer between two that are: that
	// is two short outages, logged as such, so up to 3 are allowed.
	logs := stderr.String()
	down, up := strings.Count(logs, `"msg":"database unavailable"`), strings.Count(logs, `"msg":"database available again"`)
	if down < 1 || down > 3 || up != down {
		t.Errorf("%d \"database unavailable\" and %d \"database available again\" lines for %d refusals; want 1 to 3 of each, as many of one as of the other:\n%s",
			down, up, refused, logs)
	}
	t.Logf("PostgreSQL restart: %d requests, %d answered 503 in %v down, the slowest in %v; first 201 %v after the server was back; %d acknowledged creates all kept",
		len(outcomes), refused, restarted.Sub(stopped).Round(time.Millisecond), slowestOf(outcomes).Round(time.Millisecond), recovered.Round(time.Millisecond), acked)
}

// A frozen PostgreSQL (SIGSTOP): requests end with 503 within the request
// timeout instead of hanging with the server; after SIGCONT otpd serves
// again. A create answered 503 is retried with its Idempotency-Key, as the
// README tells clients to: each ends as one verification, and the test
// reports how many the database had committed despite the 503.
func TestFrozenPostgresAnswersWithinTheRequestTimeout(t *testing.T) {
	pg, url, key, _, l := startOutage(t, 20)
	frozen := l.after(func() { pg.signal(syscall.SIGSTOP) }, 503, 8, "8 refusals while PostgreSQL is frozen")
	thawed := l.after(func() { pg.signal(syscall.SIGCONT) }, 201, 20, "20 creates after the thaw")
	outcomes := l.halt()
	checkOutcomes(t, outcomes)

	var refused, committedAnyway int
	for _, o := range outcomes {
		if o.status != 503 {
			continue
		}
		refused++
		if o.op != "create" {
			continue
		}
		// The client's retry, with the same key and body.
		var n int64
		fmt.Sscanf(o.key, "outage-%d", &n)
		retry := l.send("create", "/v1/verifications", o.key, map[string]any{"to": phoneOf(n), "channel": "sms"})
		if retry.status != 201 {
			t.Errorf("retry of %s after the thaw: %d %s", o.key, retry.status, retry.code)
			continue
		}
		st, list := call(t, "GET", url+"/v1/verifications?to="+strings.Replace(phoneOf(n), "+", "%2B", 1), key, nil)
		if items, _ := list["data"].([]any); st != 200 || len(items) != 1 {
			t.Errorf("create %s answered 503 then retried: %d, %d verifications to its number, want 1", o.key, st, len(items))
		}
		if retry.replayed {
			committedAnyway++
		}
	}
	t.Logf("PostgreSQL frozen for %v: %d requests, %d answered 503, the slowest in %v; %d of the creates answered 503 had been committed when the server thawed (their retry with the same Idempotency-Key returned them)",
		thawed.Sub(frozen).Round(time.Millisecond), len(outcomes), refused, slowestOf(outcomes).Round(time.Millisecond), committedAnyway)
}

// phoneOf is the n-th destination of the load: valid, and each a
// different number for the runs a test makes.
func phoneOf(n int64) string { return fmt.Sprintf("+1415555%04d", n%10000) }

func slowestOf(os []outcome) time.Duration {
	var d time.Duration
	for _, o := range os {
		d = max(d, o.took)
	}
	return d
}
