package kotp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/otpd/otpd/internal/dialecttest"
)

// The served OpenAPI document is valid, describes K-OTP's four endpoints
// under the server /v1 as K-OTP's document does, and every real request
// and answer (successes and errors) validates against it; its answer
// schemas name exactly the fields the answers have.
func TestOpenAPIDocument(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		r := want(t, call(h, "GET", "/openapi/kotp.json", "", ""), 200)
		doc, err := openapi3.NewLoader().LoadFromData(r.Raw)
		if err != nil {
			t.Fatalf("load: %v", err)
		}
		if err := doc.Validate(context.Background()); err != nil {
			t.Fatalf("invalid OpenAPI document: %v", err)
		}
		for path, method := range map[string]string{"/send": "POST", "/verify": "POST", "/status/{id}": "GET", "/otps": "GET"} {
			item := doc.Paths.Find(path)
			if item == nil || item.GetOperation(method) == nil || len(item.Operations()) != 1 {
				t.Errorf("%s %s missing, or other operations beside it", method, path)
			}
		}
		if len(doc.Servers) != 1 || doc.Servers[0].URL != "/v1" {
			t.Errorf("servers %v, want /v1, K-OTP's base path", doc.Servers)
		}
		native := want(t, call(h, "GET", "/openapi.json", "", ""), 200)
		if !strings.Contains(string(native.Raw), `"/openapi/kotp.json"`) {
			t.Errorf("the native document does not link /openapi/kotp.json under x-otpd-dialects")
		}

		doc.Servers = openapi3.Servers{{URL: h.URL + "/v1"}}
		router, err := legacy.NewRouter(doc)
		if err != nil {
			t.Fatal(err)
		}
		app := h.CreateApp("test", "")
		id := sendSeed(t, h, app.APIKey, "+14155552671")["id"].(string)
		code := h.Code(app, "+14155552671")
		for _, ex := range []struct {
			method, path, body string
			status             int
		}{
			{"POST", "/v1/send", strings.Replace(seedSend, "+1234567890", "+14155552672", 1), 200},
			{"GET", "/v1/status/" + id, "", 200},
			{"POST", "/v1/verify", seedVerify(id, "x"), 400},
			{"POST", "/v1/verify", seedVerify(id, code), 200},
			{"GET", "/v1/otps?limit=1&offset=1&status=verified&method=sms&from=2026-11-22&to=2026-11-22", "", 200},
			{"POST", "/v1/send", seedSend, 400},
			{"GET", "/v1/status/otp_00", "", 404},
		} {
			t.Run(ex.method+" "+ex.path, func(t *testing.T) {
				exchange(t, h, router, app.APIKey, ex.method, ex.path, ex.body, ex.status)
			})
		}
		wantError(t, call(h, "GET", "/v1/otps", "", ""), 401, "INVALID_API_KEY", "")
	})
}

// exchange makes one request, validates it and its answer against the
// document, and checks that the answer has exactly the schema's fields.
func exchange(t *testing.T, h *dialecttest.Harness, router routers.Router, key, method, path, body string, status int) {
	t.Helper()
	newRequest := func() *http.Request {
		req, err := http.NewRequestWithContext(t.Context(), method, h.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+key)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		return req
	}
	req := newRequest()
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("no route in the document: %v", err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if err := openapi3filter.ValidateRequest(t.Context(), in); err != nil {
		t.Errorf("request does not match the document: %v", err)
	}
	res, err := http.DefaultClient.Do(newRequest())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", res.StatusCode, status, raw)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Body: io.NopCloser(bytes.NewReader(raw)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(t.Context(), out); err != nil {
		t.Errorf("answer does not match the document: %v\n%s", err, raw)
	}
	schema := route.Operation.Responses.Status(status).Value.Content.Get("application/json").Schema.Value
	var answer any
	if err := json.Unmarshal(raw, &answer); err != nil {
		t.Fatal(err)
	}
	sameFields(t, "answer", schema, answer)
}

// sameFields fails the test unless every object in v has exactly the
// properties its schema lists (objects without listed properties, such as
// metadata and details, are free).
func sameFields(t *testing.T, where string, s *openapi3.Schema, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		if len(s.Properties) == 0 {
			return
		}
		var want []string
		for k, p := range s.Properties {
			want = append(want, k)
			if sub, ok := v[k]; ok && p.Value != nil {
				sameFields(t, where+"."+k, p.Value, sub)
			}
		}
		slices.Sort(want)
		if got := keys(v); !slices.Equal(got, want) {
			t.Errorf("%s has fields %v, the document lists %v", where, got, want)
		}
	case []any:
		if s.Items != nil && s.Items.Value != nil {
			for _, item := range v {
				sameFields(t, where+"[]", s.Items.Value, item)
			}
		}
	}
}
