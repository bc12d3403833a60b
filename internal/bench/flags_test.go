package bench

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// checkOrder runs the bench with one worker, so requests go one after the
// other, and returns the creation index of each verification in the order
// of its right check and of its wrong check.
func checkOrder(t *testing.T, order string, seed uint64) (right, wrong []int) {
	t.Helper()
	f, srv := newFake(t)
	var out bytes.Buffer
	cfg := Config{BaseURL: srv.URL, APIKey: fakeAPIKey, Concurrency: 1, Requests: 30, Order: order, Seed: seed}
	if err := Run(t.Context(), cfg, &out); err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	wantFields(t, phases(t, out.String()), "bench", map[string]string{"order": order, "seed": strconv.FormatUint(seed, 10)})
	f.mu.Lock()
	defer f.mu.Unlock()
	index := make(map[string]int)
	for i, id := range f.created {
		index[id] = i
	}
	for _, id := range f.rightChecks[:len(f.created)] { // the replays come after
		right = append(right, index[id])
	}
	for _, id := range f.wrongChecks {
		wrong = append(wrong, index[id])
	}
	return right, wrong
}

func TestRunOrder(t *testing.T) {
	creation := make([]int, 30)
	for i := range creation {
		creation[i] = i
	}
	right, wrong := checkOrder(t, orderCreated, 1)
	if !slices.Equal(right, creation) || !slices.Equal(wrong, creation) {
		t.Errorf("order created: right checks %v, wrong checks %v, want both %v", right, wrong, creation)
	}

	random, randomWrong := checkOrder(t, orderRandom, 7)
	if slices.Equal(random, creation) {
		t.Errorf("order random checked in creation order: %v", random)
	}
	if !slices.Equal(randomWrong, random) {
		t.Errorf("order random: wrong checks %v, want the order of the right checks %v", randomWrong, random)
	}
	if sorted := slices.Sorted(slices.Values(random)); !slices.Equal(sorted, creation) {
		t.Errorf("order random checked %v, not each verification once", random)
	}
	if again, _ := checkOrder(t, orderRandom, 7); !slices.Equal(again, random) {
		t.Errorf("order random, seed 7: %v then %v, want the same permutation", random, again)
	}
	if other, _ := checkOrder(t, orderRandom, 8); slices.Equal(other, random) {
		t.Errorf("order random, seeds 7 and 8 gave the same permutation %v", other)
	}
}

func TestRunFailsWhenAWrongCodeIsAccepted(t *testing.T) {
	f, srv := newFake(t)
	f.acceptWrong = true
	var out bytes.Buffer
	err := Run(t.Context(), Config{BaseURL: srv.URL, APIKey: fakeAPIKey, Concurrency: 2, Requests: 10}, &out)
	if err == nil || !strings.Contains(err.Error(), "10 of 10 wrong codes were not refused") {
		t.Fatalf("Run error = %v, want one about 10 wrong codes accepted\n%s", err, out.String())
	}
	wantFields(t, phases(t, out.String()), "wrong", map[string]string{"requests": "10", "errors": "10"})
}

func TestWrongCode(t *testing.T) {
	for _, code := range []string{"123456", "000009", "abcz", "ABCZ", "12-", ""} {
		wrong := wrongCode(code)
		if wrong == code || len(wrong) != max(len(code), 1) {
			t.Errorf("wrongCode(%q) = %q, want another code of the same length", code, wrong)
		}
	}
}

func TestRunPrefill(t *testing.T) {
	f, srv := newFake(t)
	var out bytes.Buffer
	cfg := Config{BaseURL: srv.URL, APIKey: fakeAPIKey, Concurrency: 2, Requests: 10, Prefill: 50}
	if err := Run(t.Context(), cfg, &out); err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	t.Log("\n" + out.String())
	report := phases(t, out.String())
	wantFields(t, report, "bench", map[string]string{"prefill": "50"})
	wantFields(t, report, "prefill", map[string]string{"requests": "50", "errors": "0", "rate_limited": "0"})
	wantFields(t, report, "filled", map[string]string{"verifications": "50", "delivered": "true"})
	wantFields(t, report, "create", map[string]string{"requests": "10", "errors": "0"})
	wantFields(t, report, "verified", map[string]string{"valid": "10", "invalid": "0"})
	f.mu.Lock()
	defer f.mu.Unlock()
	if got := len(f.verifications); got != 60 {
		t.Fatalf("verifications in the store = %d, want 50 prefilled and 10 created", got)
	}
	unchecked := 0
	for _, v := range f.verifications {
		if v.checks == 0 {
			unchecked++
		}
	}
	if unchecked != 50 {
		t.Errorf("verifications never checked = %d, want the 50 prefilled", unchecked)
	}
}

func TestRunPrefillRateLimited(t *testing.T) {
	f, srv := newFake(t)
	f.limitCreates = 20
	var out bytes.Buffer
	err := Run(t.Context(), Config{BaseURL: srv.URL, APIKey: fakeAPIKey, Concurrency: 2, Requests: 10, Prefill: 30}, &out)
	if err == nil || !strings.Contains(err.Error(), "OTPD_API_RATE_LIMIT") {
		t.Fatalf("Run error = %v, want one that names OTPD_API_RATE_LIMIT\n%s", err, out.String())
	}
	report := phases(t, out.String())
	wantFields(t, report, "prefill", map[string]string{"requests": "30", "rate_limited": "10"})
	if _, ok := report["create"]; ok {
		t.Error("Run went on to the create phase")
	}
}

func TestRunCompareFloor(t *testing.T) {
	_, srv := newFake(t)
	var out bytes.Buffer
	cfg := Config{BaseURL: srv.URL, AdminToken: fakeAdminToken, Concurrency: 2, Duration: 10 * time.Second, Requests: 20,
		Prefill: 5, Order: orderRandom, CompareFloor: true, Defences: true}
	if err := Run(t.Context(), cfg, &out); err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	t.Log("\n" + out.String())
	report := phases(t, out.String())
	if _, ok := report["floor"]; !ok {
		t.Error("the report has no floor line")
	}
	// The floor runs first, while the server is idle: the first part of the
	// report, up to its ok line, is the floor's (same order, no prefill
	// or defences); the last bench line is the server's.
	text := out.String()
	floorEnd := strings.Index(text, "\nok ")
	if !strings.HasPrefix(text, "floor ") || floorEnd < 0 {
		t.Fatalf("the report does not start with the floor's run:\n%s", text)
	}
	wantFields(t, phases(t, text[:floorEnd]), "bench", map[string]string{"order": orderRandom, "prefill": "0", "defences": "false"})
	wantFields(t, report, "bench", map[string]string{"order": orderRandom, "prefill": "5", "defences": "true"})
	if n := strings.Count(out.String(), "\nok "); n != 2 {
		t.Errorf("ok lines = %d, want one for otpd and one for the floor", n)
	}
	for _, op := range []string{"create", "wrong", "check"} {
		r, err := strconv.ParseFloat(report["ratio"][op], 64)
		if err != nil || r <= 0 {
			t.Errorf("ratio %s = %q, want a positive number", op, report["ratio"][op])
		}
	}
}

func TestRunFloorWithoutCompare(t *testing.T) {
	var out bytes.Buffer
	cfg := Config{Concurrency: 2, Requests: 10, CompareFloor: true}
	if err := RunFloor(t.Context(), cfg, &out); err != nil {
		t.Fatalf("RunFloor: %v\n%s", err, out.String())
	}
	if strings.Count(out.String(), "floor    ") != 1 || strings.Contains(out.String(), "\nratio ") {
		t.Errorf("RunFloor ran the floor more than once or printed ratios:\n%s", out.String())
	}
}
