package widget_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// TestHostedPageRefusesBadText: a NUL or bytes that are not UTF-8 in the
// hosted page's key or return URL is the page for a bad link (400) on
// both engines, never the broken page of a store error (PostgreSQL
// refuses such text).
func TestHostedPageRefusesBadText(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := dialecttest.New(t, dialecttest.Options{Engine: engine})
		base := site(t, h, nil)
		app := h.CreateApp("test", "")
		for _, path := range []string{"/hosted/pk%00", "/hosted/pk%ff", "/hosted/" + app.PublicKey + "?return_url=https://shop.example/%00"} {
			p := get(t, base+path, http.Header{"Accept-Language": {"en"}})
			if p.status != http.StatusBadRequest || !strings.Contains(p.body, "This link cannot be used") || p.header.Get("Content-Security-Policy") != errorPolicy {
				t.Errorf("GET %s: %d, want the bad link page (400):\n%s", path, p.status, p.body)
			}
		}
	})
}
