package cobinar_test

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/otpd/otpd/internal/dialecttest"
)

// TestOpenAPIDocument: GET /openapi/cobinar.json is a valid OpenAPI 3.1
// document (kin-openapi) of both endpoints, with the triple of headers as
// one security requirement, and its answer schemas name exactly the
// fields the endpoints answer; the native document links it.
func TestOpenAPIDocument(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)
		r := h.Do(dialecttest.Request{Method: "GET", Path: "/openapi/cobinar.json"})
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("GET /openapi/cobinar.json: %d %s", r.Status, r.Header.Get("Content-Type"))
		}
		doc, err := openapi3.NewLoader().LoadFromData(r.Raw)
		if err != nil {
			t.Fatalf("load: %v", err)
		}
		if err := doc.Validate(context.Background()); err != nil {
			t.Fatalf("invalid OpenAPI document: %v", err)
		}
		app := h.CreateApp("test", "")
		id := send(t, h, app, "+999 482 918 102")
		answers := map[string]map[string]any{
			"/v1/otp/send":   post(h, "/v1/otp/send", auth(app), `{ "phone": "+999 482 918 103" }`).Data(),
			"/v1/otp/verify": post(h, "/v1/otp/verify", auth(app), verifyBody(id, h.Code(app, "+999482918102"))).Data(),
		}
		for path, answer := range answers {
			item := doc.Paths.Find(path)
			if item == nil || item.Post == nil {
				t.Errorf("POST %s missing", path)
				continue
			}
			op := item.Post
			if op.Security == nil || len(*op.Security) != 1 || len((*op.Security)[0]) != 3 {
				t.Errorf("POST %s security = %v, want one requirement of the three headers", path, op.Security)
			}
			for _, status := range []string{"200", "400", "401", "403", "429"} {
				if op.Responses.Value(status) == nil {
					t.Errorf("POST %s documents no %s answer", path, status)
				}
			}
			data := op.Responses.Value("200").Value.Content.Get("application/json").Schema.Value.Properties["data"].Value
			var documented []string
			for name := range data.Properties {
				documented = append(documented, name)
			}
			sort.Strings(documented)
			if got, want := strings.Join(documented, ","), keys(answer); got != want {
				t.Errorf("POST %s: the schema names %s, the answer has %s", path, got, want)
			}
			for _, name := range data.Required {
				if _, ok := answer[name]; !ok {
					t.Errorf("POST %s: required %s is not in the answer", path, name)
				}
			}
		}
		for name, header := range map[string]string{"clientId": "x-client-id", "clientSecret": "x-client-secret", "apiKey": "x-api-key"} {
			s := doc.Components.SecuritySchemes[name]
			if s == nil || s.Value.Type != "apiKey" || s.Value.In != "header" || s.Value.Name != header {
				t.Errorf("security scheme %s = %+v, want the %s header", name, s, header)
			}
		}

		var native struct {
			Dialects []struct{ Name, OpenAPI string } `json:"x-otpd-dialects"`
		}
		json.Unmarshal(h.Do(dialecttest.Request{Method: "GET", Path: "/openapi.json"}).Raw, &native)
		if len(native.Dialects) != 1 || native.Dialects[0].Name != "cobinar" || native.Dialects[0].OpenAPI != "/openapi/cobinar.json" {
			t.Errorf("native document lists %+v, want the cobinar document", native.Dialects)
		}
	})
}
