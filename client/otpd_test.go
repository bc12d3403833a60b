package client_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/api"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/ratelimit"
	"github.com/otpd/otpd/internal/sqlite"
)

// The examples talk to one otpd run in this process: the real API,
// service and SQLite store, so that what they show is what otpd answers.
// (The tests use dialecttest's harness, per test and on both engines;
// an example has no *testing.T to start one with.)
var baseURL string // the in-process otpd

const adminToken = "client-test-admin-token"

func TestMain(m *testing.M) {
	srv, cleanup, err := startOTPD()
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting otpd:", err)
		os.Exit(1)
	}
	baseURL = srv.URL
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// startOTPD serves otpd's native API over a new SQLite database.
// Messages are handed over right after the request that queued them is
// answered (deliverAfter), so a test inbox holds its code as soon as
// the create returns: no polling, no waiting.
func startOTPD() (*httptest.Server, func(), error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "otpd-client-test-")
	if err != nil {
		return nil, nil, err
	}
	path := filepath.Join(dir, "otpd.db")
	if _, err := sqlite.Migrate(ctx, path); err != nil {
		return nil, nil, err
	}
	store, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	keys, err := otp.NewServerKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		return nil, nil, err
	}
	svc, err := otp.NewService(otp.Config{Store: store, Limiter: ratelimit.NewMemory(time.Now), Keys: keys})
	if err != nil {
		return nil, nil, err
	}
	h, err := api.New(api.Config{Service: svc, AdminTokenHash: sha256.Sum256([]byte(adminToken)), Version: "test"})
	if err != nil {
		return nil, nil, err
	}
	srv := httptest.NewServer(deliverAfter(h, svc))
	cleanup := func() {
		srv.Close()
		store.Close()
		os.RemoveAll(dir)
	}
	return srv, cleanup, nil
}

// deliverAfter runs the delivery pipeline over everything queued after
// each POST, as otpd serve's workers would do a moment later.
func deliverAfter(h http.Handler, svc *otp.Service) http.Handler {
	var mu sync.Mutex // one delivery pass at a time
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if r.Method != "POST" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for {
			ds, err := svc.ClaimDeliveries(r.Context(), 100)
			if err != nil || len(ds) == 0 {
				return
			}
			for _, d := range ds {
				svc.Deliver(r.Context(), discard{}, d)
			}
		}
	})
}

// discard is the sender of live applications' messages; the tests use
// test applications, whose messages go to the test inbox instead.
type discard struct{}

func (discard) Send(_ context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	return otp.SendResult{Provider: "discard", ProviderMessageID: m.ID}, nil
}

// apiKey creates a test application in the in-process otpd and returns
// its API key.
func apiKey() string {
	key, err := createTestApp(baseURL)
	if err != nil {
		panic(err) // an example has no *testing.T to fail
	}
	return key
}

// createTestApp creates a project and a test application with the admin
// token (console routes, which the client does not cover) and returns
// the application's API key.
func createTestApp(base string) (string, error) {
	var p struct{ ID string }
	if err := console(base, "/v1/projects", map[string]any{"name": "client"}, &p); err != nil {
		return "", err
	}
	var a struct{ APIKey string }
	if err := console(base, "/v1/applications", map[string]any{"name": "Acme", "projectId": p.ID, "environment": "test"}, &a); err != nil {
		return "", err
	}
	return a.APIKey, nil
}

// console POSTs body to a console route and decodes the answer's data.
func console(base, path string, body, data any) error {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", base+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST %s: %d %s", path, res.StatusCode, strings.TrimSpace(string(raw)))
	}
	return json.Unmarshal(raw, &struct{ Data any }{data})
}
