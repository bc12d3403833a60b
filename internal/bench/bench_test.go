package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers"
)

const (
	fakeAdminToken = "admin-secret"
	fakeAPIKey     = "otpd_test_api_0123456789abcdef"
)

// fakeOTPD is an in-memory stand-in for otpd's native API, just enough of
// the contract the bench relies on: it checks the credentials, sends a real
// random code to the test inbox a little later, and verifies it.
type fakeOTPD struct {
	t *testing.T

	// What the test can change before the run.
	inboxDelay    time.Duration // before a message reaches the test inbox
	invalidEvery  int           // every n-th check answers valid:false, as a broken otpd would
	loseEvery     int           // every n-th message never reaches the test inbox
	limitCreates  int           // creates beyond this many answer 429
	noTestInbox   bool          // the application is a live one: no test inbox
	acceptTwice   bool          // a verified code checks valid again, as a broken otpd would
	acceptWrong   bool          // a wrong code checks valid, as a broken otpd would
	created       []string      // verification ids in the order they were created
	rightChecks   []string      // verification ids of the checks with the right code, in order
	wrongChecks   []string      // verification ids of the checks with a wrong code, in order
	wantChannel   string
	consoleCalls  int
	budgets       map[string]any // the last PUT of the project's send budgets
	fraud         map[string]any // the last PUT or POST of each other fraud section, by its path's last part
	remoteIPs     int            // creates that carried remoteIp
	createCalls   int
	checkCalls    int
	apiKeys       map[string]bool
	projects      map[string]bool
	verifications map[string]*fakeVerification
	inbox         map[string][]fakeMessage // by destination, newest first
	mu            sync.Mutex
	nextID        int
}

type fakeVerification struct {
	id, to, channel, code, status string
	checks, verified              int
	wrongBeforeVerified           int // checks with a wrong code while pending
}

type fakeMessage struct {
	ID             string `json:"id"`
	VerificationID string `json:"verificationId"`
	To             string `json:"to"`
	Channel        string `json:"channel"`
	Body           string `json:"body"`
	Code           string `json:"code"`
	CreatedAt      string `json:"createdAt"`
}

func newFake(t *testing.T) (*fakeOTPD, *httptest.Server) {
	f := &fakeOTPD{
		t:             t,
		inboxDelay:    20 * time.Millisecond,
		wantChannel:   "sms",
		apiKeys:       map[string]bool{fakeAPIKey: true},
		projects:      make(map[string]bool),
		verifications: make(map[string]*fakeVerification),
		inbox:         make(map[string][]fakeMessage),
		fraud:         make(map[string]any),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/projects", f.console(f.createProject))
	mux.HandleFunc("POST /v1/applications", f.console(f.createApplication))
	mux.HandleFunc("PUT /v1/projects/{id}/fraud/budgets", f.console(f.setBudgets))
	for _, section := range []string{"PUT /v1/projects/{id}/fraud/geo", "PUT /v1/projects/{id}/fraud/test-numbers",
		"PUT /v1/projects/{id}/fraud/safelist", "PUT /v1/projects/{id}/fraud/detector", "POST /v1/projects/{id}/fraud/blocks"} {
		mux.HandleFunc(section, f.console(f.setFraud))
	}
	mux.HandleFunc("POST /v1/verifications", f.app(f.createVerification))
	mux.HandleFunc("GET /v1/test/messages", f.app(f.testMessages))
	mux.HandleFunc("POST /v1/verifications/{id}/check", f.app(f.check))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeOTPD) nextIDLocked(prefix string) string {
	f.nextID++
	return prefix + strconv.Itoa(f.nextID)
}

// decode reads a JSON body strictly, as otpd does.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		return fmt.Errorf("content type %q", ct)
	}
	d := json.NewDecoder(r.Body)
	d.DisallowUnknownFields()
	return d.Decode(v)
}

func (f *fakeOTPD) console(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+fakeAdminToken {
			writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "bad admin token")
			return
		}
		f.consoleCalls++
		h(w, r)
	}
}

func (f *fakeOTPD) app(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !f.apiKeys[key] {
			writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "bad API key")
			return
		}
		w.Header().Set("X-RateLimit-Limit", "1000")
		w.Header().Set("X-RateLimit-Remaining", "999")
		w.Header().Set("X-RateLimit-Reset", "60")
		h(w, r)
	}
}

func (f *fakeOTPD) createProject(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(r, &in); err != nil || in.Name == "" {
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST", fmt.Sprint(err))
		return
	}
	id := f.nextIDLocked("prj_")
	f.projects[id] = true
	writeJSON(w, http.StatusCreated, map[string]any{"data": map[string]string{"id": id, "name": in.Name}})
}

func (f *fakeOTPD) createApplication(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name        string `json:"name"`
		ProjectID   string `json:"projectId"`
		Environment string `json:"environment"`
	}
	if err := decode(r, &in); err != nil || in.Name == "" || !f.projects[in.ProjectID] || in.Environment != "test" {
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST", fmt.Sprintf("%v %+v", err, in))
		return
	}
	id := f.nextIDLocked("app_")
	key := "otpd_test_api_" + id
	f.apiKeys[key] = true
	writeJSON(w, http.StatusCreated, map[string]any{"data": map[string]string{"id": id, "apiKey": key, "environment": in.Environment}})
}

func (f *fakeOTPD) setBudgets(w http.ResponseWriter, r *http.Request) {
	if !f.projects[r.PathValue("id")] {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "project not found")
		return
	}
	if err := decode(r, &f.budgets); err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_JSON", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"data":{}}`))
}

// setFraud records a fraud section's body under its path's last part and
// answers as otpd does: 201 for a new block, 200 for a replaced section.
func (f *fakeOTPD) setFraud(w http.ResponseWriter, r *http.Request) {
	if !f.projects[r.PathValue("id")] {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "project not found")
		return
	}
	var body map[string]any
	if err := decode(r, &body); err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_JSON", err.Error())
		return
	}
	f.fraud[r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]] = body
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodPost {
		w.WriteHeader(http.StatusCreated)
	}
	w.Write([]byte(`{"data":{}}`))
}

func (f *fakeOTPD) createVerification(w http.ResponseWriter, r *http.Request) {
	f.createCalls++
	if f.limitCreates > 0 && f.createCalls > f.limitCreates {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "RATE_LIMITED", "too many requests")
		return
	}
	var in struct {
		To       string `json:"to"`
		Channel  string `json:"channel"`
		TTL      int    `json:"ttl"`
		RemoteIP string `json:"remoteIp"`
	}
	// The bench asks for the longest lifetime otpd allows (codeTTL), so
	// that a long phase does not check expired codes.
	if err := decode(r, &in); err != nil || in.Channel != f.wantChannel || in.TTL != int(codeTTL/time.Second) {
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST", fmt.Sprintf("%v %+v", err, in))
		return
	}
	if in.RemoteIP != "" {
		if _, err := netip.ParseAddr(in.RemoteIP); err != nil {
			writeError(w, http.StatusBadRequest, "INVALID_PARAMETER", "remoteIp: "+err.Error())
			return
		}
		f.remoteIPs++
	}
	if in.Channel == "email" {
		if a, err := mail.ParseAddress(in.To); err != nil || a.Address != in.To {
			writeError(w, http.StatusBadRequest, "INVALID_EMAIL", "invalid email")
			return
		}
	} else if n, err := phonenumbers.Parse(in.To, ""); err != nil || !phonenumbers.IsValidNumber(n) {
		writeError(w, http.StatusBadRequest, "INVALID_PHONE", "invalid phone")
		return
	}
	// Stricter than otpd's 10 per minute, to catch a destination used twice.
	if len(f.inbox[in.To]) > 0 || f.sentTo(in.To) {
		writeError(w, http.StatusTooManyRequests, "RATE_LIMITED", "destination used twice")
		return
	}
	v := &fakeVerification{
		id:      f.nextIDLocked("ver_"),
		to:      in.To,
		channel: in.Channel,
		code:    fmt.Sprintf("%06d", rand.IntN(1_000_000)),
		status:  "pending",
	}
	f.verifications[v.id] = v
	f.created = append(f.created, v.id)
	if f.loseEvery == 0 || len(f.verifications)%f.loseEvery != 0 {
		// Delivered later, by a "worker", as otpd's outbox does.
		time.AfterFunc(f.inboxDelay, func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			m := fakeMessage{
				ID: "msg_" + v.id, VerificationID: v.id, To: v.to, Channel: v.channel,
				Body: "Your code is " + v.code, Code: v.code, CreatedAt: time.Now().Format(time.RFC3339),
			}
			f.inbox[v.to] = append([]fakeMessage{m}, f.inbox[v.to]...)
		})
	}
	writeJSON(w, http.StatusCreated, map[string]any{"data": map[string]string{"id": v.id, "to": v.to, "status": v.status}})
}

func (f *fakeOTPD) sentTo(to string) bool {
	for _, v := range f.verifications {
		if v.to == to {
			return true
		}
	}
	return false
}

func (f *fakeOTPD) testMessages(w http.ResponseWriter, r *http.Request) {
	if f.noTestInbox {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "not a test application")
		return
	}
	msgs := f.inbox[r.URL.Query().Get("to")]
	if msgs == nil {
		msgs = []fakeMessage{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": msgs})
}

func (f *fakeOTPD) check(w http.ResponseWriter, r *http.Request) {
	f.checkCalls++
	v := f.verifications[r.PathValue("id")]
	if v == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no such verification")
		return
	}
	var in struct {
		Code string `json:"code"`
	}
	if err := decode(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST", err.Error())
		return
	}
	v.checks++
	if in.Code == v.code {
		f.rightChecks = append(f.rightChecks, v.id)
	} else {
		f.wrongChecks = append(f.wrongChecks, v.id)
		if v.status == "pending" {
			v.wrongBeforeVerified++
		}
	}
	valid := (v.status == "pending" || f.acceptTwice) && (in.Code == v.code || f.acceptWrong)
	if f.invalidEvery > 0 && f.checkCalls%f.invalidEvery == 0 {
		valid = false
	}
	if valid {
		v.status = "verified"
		v.verified++
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"valid": valid, "status": v.status, "attemptsRemaining": 4}})
}

// phases reads a report into phase → key → value.
func phases(t *testing.T, report string) map[string]map[string]string {
	t.Helper()
	got := make(map[string]map[string]string)
	for _, line := range strings.Split(strings.TrimSpace(report), "\n") {
		fields := strings.Fields(line)
		kv := make(map[string]string)
		for _, f := range fields[1:] {
			if k, v, ok := strings.Cut(f, "="); ok {
				kv[k] = v
			}
		}
		got[fields[0]] = kv
	}
	return got
}

func wantFields(t *testing.T, report map[string]map[string]string, phase string, want map[string]string) {
	t.Helper()
	got, ok := report[phase]
	if !ok {
		t.Errorf("the report has no %s line", phase)
		return
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s %s = %q, want %q", phase, k, got[k], v)
		}
	}
}

func TestRun(t *testing.T) {
	tests := []struct {
		name     string
		channel  string
		apiKey   string
		console  int // console requests the run should make
		defences bool
	}{
		{name: "sms with a new application", channel: "sms", console: 4},
		{name: "email with a new application", channel: "email", console: 4},
		{name: "sms with an API key", channel: "", apiKey: fakeAPIKey, console: 0},
		{name: "sms with the defences", channel: "sms", console: 8, defences: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t)
			if tt.channel != "" {
				f.wantChannel = tt.channel
			}
			var out bytes.Buffer
			cfg := Config{BaseURL: srv.URL + "/", AdminToken: fakeAdminToken, APIKey: tt.apiKey,
				Concurrency: 4, Duration: 10 * time.Second, Requests: 40, Channel: tt.channel, Defences: tt.defences}
			if err := Run(t.Context(), cfg, &out); err != nil {
				t.Fatalf("Run: %v\n%s", err, out.String())
			}
			t.Log("\n" + out.String())

			report := phases(t, out.String())
			wantFields(t, report, "create", map[string]string{"requests": "40", "errors": "0", "rate_limited": "0"})
			wantFields(t, report, "inbox", map[string]string{"codes": "40", "missing": "0"})
			wantFields(t, report, "wrong", map[string]string{"requests": "40", "errors": "0", "rate_limited": "0"})
			wantFields(t, report, "check", map[string]string{"requests": "40", "errors": "0", "rate_limited": "0"})
			wantFields(t, report, "verified", map[string]string{"valid": "40", "invalid": "0", "unchecked": "0", "replayed": "40", "accepted_again": "0"})
			if _, ok := report["ok"]; !ok {
				t.Errorf("the report has no ok line")
			}
			if _, ok := report["setup"]; ok != (tt.apiKey == "") {
				t.Errorf("setup line printed: %v, want %v", ok, tt.apiKey == "")
			}
			for _, k := range []string{"p50", "p90", "p99", "max", "elapsed"} {
				if _, err := time.ParseDuration(report["check"][k]); err != nil {
					t.Errorf("check %s = %q, not a duration", k, report["check"][k])
				}
			}

			f.mu.Lock()
			defer f.mu.Unlock()
			if f.consoleCalls != tt.console {
				t.Errorf("console requests = %d, want %d", f.consoleCalls, tt.console)
			}
			// The project the bench makes may send more than a new
			// project's daily budget; with the defences, it has budgets
			// and each send names an address.
			if tt.apiKey == "" && f.budgets["dailySends"] != float64(maxBudget) {
				t.Errorf("budgets set = %v, want dailySends %d", f.budgets, maxBudget)
			}
			if _, ok := f.budgets["ipPerHour"]; ok != tt.defences {
				t.Errorf("client-address budget set: %v, want %v", ok, tt.defences)
			}
			// Rules for the country and the 5-digit prefixes, so that the
			// budgets the detector learns from the bench's own traffic
			// never apply; with the defences, the area codes' too.
			if rules, _ := f.budgets["rules"].([]any); tt.apiKey == "" && len(rules) != 1+64+map[bool]int{true: len(areaCodes)}[tt.defences] {
				t.Errorf("budget rules = %d, want 1 for the country, 64 for the prefixes and, with the defences, %d for the area codes", len(rules), len(areaCodes))
			}
			// The detector, which would block the prefill's prefixes, is
			// off for the bench's own project.
			if got, ok := f.fraud["detector"]; ok != (tt.apiKey == "") || ok && !reflect.DeepEqual(got, map[string]any{"enabled": false}) {
				t.Errorf("detector settings = %v (set: %v), want {enabled: false} set only for the bench's project", got, ok)
			}
			for _, section := range []string{"geo", "test-numbers", "safelist", "blocks"} {
				if _, ok := f.fraud[section]; ok != tt.defences {
					t.Errorf("fraud section %s set: %v, want %v", section, ok, tt.defences)
				}
			}
			if want := map[bool]int{true: 40}[tt.defences]; f.remoteIPs != want {
				t.Errorf("creates with remoteIp = %d, want %d", f.remoteIPs, want)
			}
			if got, want := len(f.verifications), 40; got != want {
				t.Errorf("verifications created = %d, want %d", got, want)
			}
			for _, v := range f.verifications {
				if v.checks != 3 || v.verified != 1 || v.wrongBeforeVerified != 1 {
					t.Errorf("verification %s to %s: checked %d times, %d with a wrong code before it was verified, verified %d times; want 3 (wrong, right, replayed), 1 and 1",
						v.id, v.to, v.checks, v.wrongBeforeVerified, v.verified)
				}
			}
		})
	}
}

func TestRunStopsAfterDuration(t *testing.T) {
	f, srv := newFake(t)
	f.inboxDelay = 0
	var out bytes.Buffer
	start := time.Now()
	cfg := Config{BaseURL: srv.URL, APIKey: fakeAPIKey, Concurrency: 4, Duration: 200 * time.Millisecond}
	if err := Run(t.Context(), cfg, &out); err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Run took %s with 200ms phases", took)
	}
	report := phases(t, out.String())
	elapsed, err := time.ParseDuration(report["create"]["elapsed"])
	if err != nil || elapsed < 200*time.Millisecond || elapsed > 2*time.Second {
		t.Errorf("create elapsed = %q, want about 200ms", report["create"]["elapsed"])
	}
	f.mu.Lock()
	created := len(f.verifications)
	f.mu.Unlock()
	if created == 0 {
		t.Fatal("nothing was created")
	}
	wantFields(t, report, "create", map[string]string{"requests": strconv.Itoa(created), "errors": "0"})
	valid, _ := strconv.Atoi(report["verified"]["valid"])
	unchecked, _ := strconv.Atoi(report["verified"]["unchecked"])
	if valid == 0 || valid+unchecked != created {
		t.Errorf("valid %d + unchecked %d, want %d in all", valid, unchecked, created)
	}
}

func TestRunFailsOnInvalidChecks(t *testing.T) {
	f, srv := newFake(t)
	f.invalidEvery = 4
	var out bytes.Buffer
	err := Run(t.Context(), Config{BaseURL: srv.URL, APIKey: fakeAPIKey, Concurrency: 3, Requests: 20}, &out)
	if err == nil || !strings.Contains(err.Error(), "5 of 20 correct codes were not accepted") {
		t.Fatalf("Run error = %v, want one about 5 of 20 codes not accepted\n%s", err, out.String())
	}
	report := phases(t, out.String())
	wantFields(t, report, "check", map[string]string{"requests": "20", "errors": "5"})
	wantFields(t, report, "verified", map[string]string{"valid": "15", "invalid": "5"})
	if _, ok := report["ok"]; ok {
		t.Error("the report says ok")
	}
}

func TestRunFailsWhenACodeIsAcceptedTwice(t *testing.T) {
	f, srv := newFake(t)
	f.acceptTwice = true
	var out bytes.Buffer
	err := Run(t.Context(), Config{BaseURL: srv.URL, APIKey: fakeAPIKey, Concurrency: 3, Requests: 150}, &out)
	if err == nil || !strings.Contains(err.Error(), "100 of 100 codes checked a second time were accepted again") {
		t.Fatalf("Run error = %v, want one about codes accepted again\n%s", err, out.String())
	}
	wantFields(t, phases(t, out.String()), "verified", map[string]string{"valid": "150", "replayed": "100", "accepted_again": "100"})
}

func TestRunReportsRateLimit(t *testing.T) {
	f, srv := newFake(t)
	f.limitCreates = 10
	var out bytes.Buffer
	err := Run(t.Context(), Config{BaseURL: srv.URL, APIKey: fakeAPIKey, Concurrency: 2, Requests: 30}, &out)
	if err == nil || !strings.Contains(err.Error(), "OTPD_API_RATE_LIMIT") {
		t.Fatalf("Run error = %v, want one that names OTPD_API_RATE_LIMIT\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "OTPD_API_RATE_LIMIT") {
		t.Errorf("the report does not name OTPD_API_RATE_LIMIT:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "first 429: HTTP 429 RATE_LIMITED: too many requests") {
		t.Errorf("the report does not give the first 429's code and message:\n%s", out.String())
	}
	report := phases(t, out.String())
	wantFields(t, report, "create", map[string]string{"requests": "30", "errors": "0", "rate_limited": "20"})
	if _, ok := report["check"]; ok {
		t.Error("Run went on to the check phase")
	}
}

func TestRunFailsOnMissingMessages(t *testing.T) {
	f, srv := newFake(t)
	f.loseEvery = 5
	var out bytes.Buffer
	err := run(t.Context(), Config{BaseURL: srv.URL, APIKey: fakeAPIKey, Concurrency: 4, Requests: 20}, &out, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "4 of 20 codes never reached the test inbox") {
		t.Fatalf("run error = %v, want one about 4 of 20 codes\n%s", err, out.String())
	}
	report := phases(t, out.String())
	wantFields(t, report, "inbox", map[string]string{"codes": "16", "missing": "4"})
	wantFields(t, report, "verified", map[string]string{"valid": "16", "invalid": "0"})
}

func TestRunNeedsATestApplication(t *testing.T) {
	f, srv := newFake(t)
	f.noTestInbox = true
	var out bytes.Buffer
	err := Run(t.Context(), Config{BaseURL: srv.URL, APIKey: fakeAPIKey, Requests: 5}, &out)
	if err == nil || !strings.Contains(err.Error(), "test application") || !strings.Contains(err.Error(), "404") {
		t.Fatalf("Run error = %v, want one about the test inbox's 404\n%s", err, out.String())
	}
}

func TestRunWithWrongCredentials(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "admin token", cfg: Config{AdminToken: "wrong"}, wantErr: "setup: create project: HTTP 401 UNAUTHORIZED"},
		{name: "API key", cfg: Config{APIKey: "otpd_test_api_wrong"}, wantErr: "create: 5 of 5 requests failed (401:5)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, srv := newFake(t)
			tt.cfg.BaseURL, tt.cfg.Requests = srv.URL, 5
			var out bytes.Buffer
			err := Run(t.Context(), tt.cfg, &out)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Run error = %v, want one with %q\n%s", err, tt.wantErr, out.String())
			}
		})
	}
}

func TestRunStopsWhenCanceled(t *testing.T) {
	f, srv := newFake(t)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	var out bytes.Buffer
	err := Run(ctx, Config{BaseURL: srv.URL, APIKey: fakeAPIKey, Duration: maxDuration}, &out)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run error = %v, want context.DeadlineExceeded", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Run took %s to notice that its context ended", took)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.createCalls == 0 {
		t.Error("Run stopped before creating anything")
	}
}

func TestRunRejectsConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "no credentials", cfg: Config{}, wantErr: "API key"},
		{name: "live key", cfg: Config{APIKey: "otpd_live_api_0123"}, wantErr: "live"},
		{name: "negative concurrency", cfg: Config{APIKey: fakeAPIKey, Concurrency: -1}, wantErr: "concurrency"},
		{name: "huge concurrency", cfg: Config{APIKey: fakeAPIKey, Concurrency: maxConcurrency + 1}, wantErr: "concurrency"},
		{name: "negative duration", cfg: Config{APIKey: fakeAPIKey, Duration: -time.Second}, wantErr: "duration"},
		{name: "duration past the codes' lifetime", cfg: Config{APIKey: fakeAPIKey, Duration: maxDuration + time.Second}, wantErr: "expire"},
		{name: "negative requests", cfg: Config{APIKey: fakeAPIKey, Requests: -1}, wantErr: "requests"},
		{name: "unknown order", cfg: Config{APIKey: fakeAPIKey, Order: "sideways"}, wantErr: "order"},
		{name: "negative prefill", cfg: Config{APIKey: fakeAPIKey, Prefill: -1}, wantErr: "prefill"},
		{name: "huge prefill", cfg: Config{APIKey: fakeAPIKey, Prefill: maxPrefill + 1}, wantErr: "prefill"},
		{name: "channel to escape", cfg: Config{APIKey: fakeAPIKey, Channel: `sms"`}, wantErr: "channel"},
		{name: "URL without scheme", cfg: Config{BaseURL: "127.0.0.1:8080", APIKey: fakeAPIKey}, wantErr: "URL"},
		{name: "URL with query", cfg: Config{BaseURL: "http://127.0.0.1:8080/?a=b", APIKey: fakeAPIKey}, wantErr: "URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t)
			if tt.cfg.BaseURL == "" {
				tt.cfg.BaseURL = srv.URL
			}
			var out bytes.Buffer
			err := Run(t.Context(), tt.cfg, &out)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Run error = %v, want one about %q", err, tt.wantErr)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.consoleCalls+f.createCalls > 0 {
				t.Errorf("Run sent requests with a config it rejects")
			}
		})
	}
}
