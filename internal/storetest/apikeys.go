package storetest

import (
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/otp"
)

func newAPIKey(appID string, scope otp.APIKeyScope, created time.Time, allowed ...string) *otp.APIKey {
	id := otp.NewID("key")
	k := &otp.APIKey{ID: id, AppID: appID, Name: "key " + id[len(id)-4:], Scope: scope,
		Hash: sum("api key " + id), Preview: "otpd_live_" + string(scope) + "_****" + id[len(id)-4:], CreatedAt: created}
	for _, s := range allowed {
		k.AllowedIPs = append(k.AllowedIPs, netip.MustParsePrefix(s))
	}
	return k
}

// diffKeys compares API keys; netip.Prefix has no exported fields, so
// prefixes are compared by value.
func diffKeys(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); d != "" {
		t.Fatalf("%s mismatch (-want +got):\n%s", what, d)
	}
}

func testAPIKeys(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "keys")
	a := createApp(t, st, p.ID, otp.Live)
	b := createApp(t, st, p.ID, otp.Live)

	full := newAPIKey(a.ID, otp.ScopeFull, t0)
	read := newAPIKey(a.ID, otp.ScopeRead, t0.Add(time.Second), "203.0.113.0/24", "198.51.100.7/32", "2001:db8::/32", "2001:db8:1::1/128")
	other := newAPIKey(b.ID, otp.ScopeFull, t0)
	for _, k := range []*otp.APIKey{full, read, other} {
		if err := st.CreateAPIKey(ctx, k, 10); err != nil {
			t.Fatalf("CreateAPIKey: %v", err)
		}
	}
	got, err := st.GetAPIKeyByHash(ctx, read.Hash)
	if err != nil {
		t.Fatal(err)
	}
	diffKeys(t, "key by hash", read, got)
	_, err = st.GetAPIKeyByHash(ctx, sum("never issued"))
	wantNotFound(t, "GetAPIKeyByHash of an unknown key", err)
	// An extra key is not the application's own key.
	_, err = st.GetApplicationByAPIKey(ctx, read.Hash)
	wantNotFound(t, "GetApplicationByAPIKey of an extra key", err)

	list, err := st.ListAPIKeys(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	diffKeys(t, "keys of a, oldest first", []*otp.APIKey{full, read}, list)

	dup := newAPIKey(a.ID, otp.ScopeFull, t0)
	dup.Hash = full.Hash
	wantErr(t, "CreateAPIKey with a taken hash", st.CreateAPIKey(ctx, dup, 10), otp.ErrConflict)
	wantErr(t, "CreateAPIKey past the bound", st.CreateAPIKey(ctx, newAPIKey(a.ID, otp.ScopeFull, t0), 2), otp.ErrConflict)
	wantNotFound(t, "CreateAPIKey of an unknown application", st.CreateAPIKey(ctx, newAPIKey("app_nope", otp.ScopeFull, t0), 10))

	// Tenants: a's key cannot be deleted through b.
	wantNotFound(t, "DeleteAPIKey through another application", st.DeleteAPIKey(ctx, b.ID, full.ID))
	if err := st.DeleteAPIKey(ctx, a.ID, full.ID); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, "DeleteAPIKey twice", st.DeleteAPIKey(ctx, a.ID, full.ID))
	_, err = st.GetAPIKeyByHash(ctx, full.Hash)
	wantNotFound(t, "a deleted key", err)

	// Deleting an application deletes its keys, and only its keys.
	if err := st.DeleteApplication(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	_, err = st.GetAPIKeyByHash(ctx, read.Hash)
	wantNotFound(t, "a deleted application's key", err)
	if list, err := st.ListAPIKeys(ctx, a.ID); err != nil || len(list) != 0 {
		t.Errorf("keys of a deleted application = %d, %v; want none", len(list), err)
	}
	if _, err := st.GetAPIKeyByHash(ctx, other.Hash); err != nil {
		t.Errorf("another application's key after the delete: %v", err)
	}
}

// testAPIKeysBoundUnderConcurrency creates keys for one application from
// many goroutines at once: exactly max of them may succeed.
func testAPIKeysBoundUnderConcurrency(t *testing.T, st otp.Store) {
	p := createProject(t, st, "bound")
	a := createApp(t, st, p.ID, otp.Live)
	const max, tries = 5, 16
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		created  int
		failures []error
	)
	for i := range tries {
		wg.Go(func() {
			err := st.CreateAPIKey(t.Context(), newAPIKey(a.ID, otp.ScopeFull, t0.Add(time.Duration(i))), max)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created++
			case !errors.Is(err, otp.ErrConflict):
				failures = append(failures, err)
			}
		})
	}
	wg.Wait()
	for _, err := range failures {
		t.Errorf("CreateAPIKey: %v, want success or ErrConflict", err)
	}
	if created != max {
		t.Errorf("%d of %d concurrent creations succeeded, want the bound %d", created, tries, max)
	}
	list, err := st.ListAPIKeys(t.Context(), a.ID)
	if err != nil || len(list) != max {
		t.Errorf("ListAPIKeys = %d keys, %v; want %d", len(list), err, max)
	}
}
