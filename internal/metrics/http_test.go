package metrics

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// routes is a mux like the API's, with a dialect's bare pattern.
func routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/verifications/{id}/check", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/v1/send", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	return mux
}

// A request is counted under its mux pattern, its status (200 when the
// handler wrote nothing) and its dialect.
func TestInstrumentCountsByPatternAndDialect(t *testing.T) {
	m := New()
	h := m.Instrument(routes(), map[string]string{"/v1/send": "kotp"})
	for _, r := range []*http.Request{
		httptest.NewRequest("POST", "/v1/verifications/ver_1/check", nil),
		httptest.NewRequest("POST", "/v1/verifications/ver_2/check", nil),
		httptest.NewRequest("POST", "/v1/send", nil),
		httptest.NewRequest("GET", "/nowhere", nil),
	} {
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	want := `
# HELP otpd_http_requests_total HTTP requests answered, by route pattern, method, status code and dialect.
# TYPE otpd_http_requests_total counter
otpd_http_requests_total{code="200",dialect="native",method="POST",route="POST /v1/verifications/{id}/check"} 2
otpd_http_requests_total{code="201",dialect="kotp",method="POST",route="/v1/send"} 1
otpd_http_requests_total{code="404",dialect="native",method="GET",route="unmatched"} 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "otpd_http_requests_total"); err != nil {
		t.Error(err)
	}
}

// The middleware's cost per request beside the mux's own.
func BenchmarkInstrument(b *testing.B) {
	h := New().Instrument(routes(), nil)
	r := httptest.NewRequest("POST", "/v1/verifications/ver_1/check", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

func BenchmarkMuxAlone(b *testing.B) {
	h := routes()
	r := httptest.NewRequest("POST", "/v1/verifications/ver_1/check", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}
