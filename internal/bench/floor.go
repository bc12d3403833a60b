package bench

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Floor is an in-memory stand-in for the part of otpd's API the benchmark
// uses, doing the least that contract allows: it checks the credentials,
// decodes each body strictly, keeps every verification and its code in a
// map and puts the code in the test inbox at once, and accepts a correct
// code once. It stores nothing on disk, renders no message, parses no
// phone number and runs no worker.
//
// "otpd bench -floor" runs the benchmark against it, in the same process
// as the load generator. Its figures are what this machine's HTTP stack
// and the load generator allow when the server does almost nothing: the
// ceiling any otpd figure on the same machine is to be read against.
type Floor struct {
	adminToken string
	apiKey     string
	next       atomic.Int64

	mu            sync.Mutex
	verifications map[string]*floorVerification
	inbox         map[string][]floorMessage // by destination, newest first
}

type floorVerification struct {
	code     string
	verified bool
}

type floorMessage struct {
	ID             string `json:"id"`
	VerificationID string `json:"verificationId"`
	To             string `json:"to"`
	Channel        string `json:"channel"`
	Code           string `json:"code"`
	CreatedAt      string `json:"createdAt"`
}

// RunFloor runs the benchmark of cfg against a Floor served in this
// process on a loopback port; cfg's URL, credentials and CompareFloor are
// ignored.
func RunFloor(ctx context.Context, cfg Config, out io.Writer) error {
	cfg.CompareFloor = false
	_, err := runFloor(ctx, cfg, out, inboxStall)
	return err
}

// runFloor is RunFloor that returns the measurements.
func runFloor(ctx context.Context, cfg Config, out io.Writer, stall time.Duration) (*result, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: floor: %w", err)
	}
	token := rand.Text()
	srv := &http.Server{Handler: NewFloor(token).Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintln(out, "floor    an in-process stand-in that stores nothing: the ceiling of this machine's HTTP and of the load generator")
	cfg.BaseURL, cfg.AdminToken, cfg.APIKey = "http://"+ln.Addr().String(), token, ""
	res, runErr := measure(ctx, cfg, out, stall)
	srv.Close()
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return nil, errors.Join(runErr, fmt.Errorf("bench: floor: %w", err))
	}
	return res, runErr
}

// NewFloor returns a Floor that accepts adminToken on its console endpoints.
func NewFloor(adminToken string) *Floor {
	return &Floor{
		adminToken:    adminToken,
		apiKey:        "otpd_test_floor_" + rand.Text(),
		verifications: make(map[string]*floorVerification),
		inbox:         make(map[string][]floorMessage),
	}
}

// Handler serves the endpoints the benchmark calls.
func (f *Floor) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/projects", f.admin(f.createProject))
	mux.HandleFunc("POST /v1/applications", f.admin(f.createApplication))
	mux.HandleFunc("PUT /v1/projects/{id}/fraud/budgets", f.admin(f.setBudgets))
	mux.HandleFunc("PUT /v1/projects/{id}/fraud/detector", f.admin(f.setBudgets))
	mux.HandleFunc("POST /v1/verifications", f.app(f.createVerification))
	mux.HandleFunc("GET /v1/test/messages", f.app(f.testMessages))
	mux.HandleFunc("POST /v1/verifications/{id}/check", f.app(f.check))
	return mux
}

func (f *Floor) admin(h http.HandlerFunc) http.HandlerFunc { return bearer(f.adminToken, h) }

func (f *Floor) app(h http.HandlerFunc) http.HandlerFunc { return bearer(f.apiKey, h) }

// bearer runs h for requests that carry want as their bearer token.
func bearer(want string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "missing or wrong credentials")
			return
		}
		h(w, r)
	}
}

func (f *Floor) id(prefix string) string {
	return fmt.Sprintf("%s_%016x", prefix, f.next.Add(1))
}

func (f *Floor) createProject(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if !floorDecode(w, r, &in) {
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"data": map[string]string{"id": f.id("prj"), "name": in.Name}})
}

func (f *Floor) createApplication(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name        string `json:"name"`
		ProjectID   string `json:"projectId"`
		Environment string `json:"environment"`
	}
	if !floorDecode(w, r, &in) {
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"data": map[string]string{
		"id": f.id("app"), "name": in.Name, "projectId": in.ProjectID, "environment": "test", "apiKey": f.apiKey,
	}})
}

// setBudgets accepts the bench's send budgets (or detector settings) and
// keeps nothing.
func (f *Floor) setBudgets(w http.ResponseWriter, r *http.Request) {
	var in map[string]any
	if !floorDecode(w, r, &in) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": in})
}

func (f *Floor) createVerification(w http.ResponseWriter, r *http.Request) {
	var in struct {
		To       string `json:"to"`
		Channel  string `json:"channel"`
		TTL      int    `json:"ttl"` // seconds; 0 is the default, 5 minutes
		RemoteIP string `json:"remoteIp"`
	}
	if !floorDecode(w, r, &in) {
		return
	}
	if in.To == "" || in.Channel == "" {
		writeError(w, http.StatusBadRequest, "INVALID_PARAMETER", "to and channel are required")
		return
	}
	ttl := 5 * time.Minute
	if in.TTL != 0 {
		ttl = time.Duration(in.TTL) * time.Second
	}
	id := f.id("ver")
	code := fmt.Sprintf("%06d", mrand.IntN(1_000_000))
	now := time.Now().UTC()
	m := floorMessage{ID: f.id("msg"), VerificationID: id, To: in.To, Channel: in.Channel, Code: code, CreatedAt: now.Format(time.RFC3339Nano)}
	f.mu.Lock()
	f.verifications[id] = &floorVerification{code: code}
	f.inbox[in.To] = append([]floorMessage{m}, f.inbox[in.To]...)
	f.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"data": map[string]any{
		"id": id, "to": in.To, "channel": in.Channel, "status": "pending", "deliveryStatus": "queued",
		"attemptsRemaining": 5, "createdAt": now.Format(time.RFC3339Nano),
		"expiresAt": now.Add(ttl).Format(time.RFC3339Nano),
	}})
}

func (f *Floor) testMessages(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	msgs := f.inbox[r.URL.Query().Get("to")]
	f.mu.Unlock()
	if msgs == nil {
		msgs = []floorMessage{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": msgs})
}

func (f *Floor) check(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Code string `json:"code"`
	}
	if !floorDecode(w, r, &in) {
		return
	}
	f.mu.Lock()
	v := f.verifications[r.PathValue("id")]
	valid := v != nil && !v.verified && subtle.ConstantTimeCompare([]byte(in.Code), []byte(v.code)) == 1
	if valid {
		v.verified = true
	}
	f.mu.Unlock()
	if v == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no such verification")
		return
	}
	status := "pending"
	if v.verified {
		status = "verified"
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"valid": valid, "status": status, "attemptsRemaining": 4}})
}

// floorDecode reads a JSON body strictly, as otpd does, and answers 400 if
// it cannot.
func floorDecode(w http.ResponseWriter, r *http.Request, v any) bool {
	d := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_JSON", err.Error())
		return false
	}
	return true
}

// writeJSON and writeError answer as otpd does; the tests' fake uses them too.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}
