package api_test

import (
	"fmt"
	"net/url"
	"sync"
	"testing"
)

func TestOpenSignupDoesNotTellWhetherAnEmailIsTaken(t *testing.T) {
	h := newHarness(t, harnessOptions{openSignup: true})
	h.developer("taken@example.com") // password "correct horse battery"
	signup := func(email string) response {
		return h.do("POST", "/v1/auth/signup", "", map[string]any{"email": email, "password": "another good password"})
	}
	fresh, taken := signup("fresh@example.com"), signup("Taken@example.com")
	if fresh.status != 202 || taken.status != 202 {
		t.Fatalf("sign-up of a new email %d %s, of a taken one %d %s; want the same 202", fresh.status, fresh.raw, taken.status, taken.raw)
	}
	if fresh.data()["message"] != taken.data()["message"] || len(fresh.data()) != len(taken.data()) || taken.data()["email"] != "taken@example.com" {
		t.Errorf("answers differ: %s and %s", fresh.raw, taken.raw)
	}
	h.mustStatus(h.do("POST", "/v1/auth/login", "", map[string]any{"email": "fresh@example.com", "password": "another good password"}), 200)
	// The taken account is unchanged: its own password, not the new one.
	h.mustStatus(h.do("POST", "/v1/auth/login", "", map[string]any{"email": "taken@example.com", "password": "correct horse battery"}), 200)
	if r := h.do("POST", "/v1/auth/login", "", map[string]any{"email": "taken@example.com", "password": "another good password"}); r.status != 401 {
		t.Errorf("the taken account with the sign-up's password: %d, want 401", r.status)
	}
	if r := h.do("POST", "/v1/auth/signup", "", map[string]any{"email": "x@example.com", "password": "short"}); r.status != 400 {
		t.Errorf("a weak password: %d, want 400", r.status)
	}
}

func TestAnInvitationIsNotUsedUpByAFailedSignup(t *testing.T) {
	h := newHarness(t)
	token := h.mustStatus(h.do("POST", "/v1/invitations", adminToken, map[string]any{"email": "new@example.com"}), 201).data()["token"].(string)
	signup := func(name string) response {
		return h.do("POST", "/v1/auth/signup", "", map[string]any{"invitation": token, "password": "correct horse battery", "name": name})
	}
	if r := signup("New\u202eEvil"); r.status != 400 {
		t.Fatalf("a name with a bidi override: %d %s, want 400", r.status, r.raw)
	}
	h.mustStatus(signup("New"), 201)

	// The account exists already (the operator made it meanwhile): 409, and the invitation stays unused.
	late := h.mustStatus(h.do("POST", "/v1/invitations", adminToken, map[string]any{"email": "late@example.com"}), 201).data()["token"].(string)
	h.mustStatus(h.do("POST", "/v1/developers", adminToken, map[string]any{"email": "late@example.com", "password": "correct horse battery"}), 201)
	if r := h.do("POST", "/v1/auth/signup", "", map[string]any{"invitation": late, "password": "correct horse battery"}); r.status != 409 {
		t.Errorf("an invitation for a taken email: %d %s, want 409", r.status, r.raw)
	}
}

func TestAnalyticsRangesAreBounded(t *testing.T) {
	h := newHarness(t)
	// The harness's today is 2026-11-22; 2025-10-19 is 400 days before, both included.
	h.mustStatus(h.do("GET", "/v1/analytics/summary?from=2025-10-19&to=2026-11-22", adminToken, nil), 200)
	r := h.do("GET", "/v1/analytics/summary?from=2025-10-18&to=2026-11-22", adminToken, nil)
	if r.status != 400 || r.errCode() != "INVALID_PARAMETER" {
		t.Fatalf("401 days: %d %s, want 400 INVALID_PARAMETER", r.status, r.raw)
	}
	details := r.body["error"].(map[string]any)["details"].(map[string]any)
	if details["reason"] != "range_too_long" || details["maxDays"] != 400.0 {
		t.Errorf("details = %v, want reason range_too_long, maxDays 400", details)
	}
	if r := h.do("GET", "/v1/analytics/summary?from=2000-01-01", adminToken, nil); r.status != 400 {
		t.Errorf("from 2000 to today: %d, want 400", r.status)
	}
}

func TestPlanBoundsHoldUnderConcurrentCreates(t *testing.T) {
	h := newHarness(t)
	dev := h.developer("a@example.com")
	id := h.mustStatus(h.do("GET", "/v1/developer/me", dev, nil), 200).data()["id"].(string)
	h.mustStatus(h.do("PATCH", "/v1/developers/"+id, adminToken, map[string]any{"plan": map[string]any{"maxProjects": 3, "maxAppsPerProject": 3}}), 200)
	race := func(what string, create func(i int) response) {
		t.Helper()
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			statuses = map[int]int{}
		)
		for i := range 16 {
			wg.Go(func() {
				r := create(i)
				mu.Lock()
				statuses[r.status]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if statuses[201] != 3 || statuses[403] != 13 {
			t.Errorf("%s: statuses %v, want 3 × 201 and 13 × 403", what, statuses)
		}
	}
	race("projects", func(i int) response {
		return h.do("POST", "/v1/projects", dev, map[string]any{"name": fmt.Sprint("p", i)})
	})
	p := h.mustStatus(h.do("GET", "/v1/projects", dev, nil), 200).list()[0].(map[string]any)["id"].(string)
	race("applications", func(i int) response {
		return h.do("POST", "/v1/applications", dev, map[string]any{"name": fmt.Sprint("a", i), "projectId": p})
	})
	if n := len(h.mustStatus(h.do("GET", "/v1/applications?projectId="+url.QueryEscape(p), dev, nil), 200).list()); n != 3 {
		t.Errorf("applications = %d, want 3", n)
	}
}
