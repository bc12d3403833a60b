package kookoo_test

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/otpd/otpd/internal/dialecttest"
)

// TestOpenAPIDocument: /openapi/kookoo.json is a valid OpenAPI document
// (kin-openapi) with GET and POST of every endpoint, the parameters of
// the seed's requests, the answer's fields as the handlers write them,
// and the native document links it.
func TestOpenAPIDocument(t *testing.T) {
	dialecttest.Each(t, testOpenAPIDocument)
}

func testOpenAPIDocument(t *testing.T, engine string) {
	h := newHarness(t, engine)
	r := get(h, "/openapi/kookoo.json")
	if r.Status != 200 {
		t.Fatalf("GET /openapi/kookoo.json: %d %s", r.Status, r.Raw)
	}
	doc, err := openapi3.NewLoader().LoadFromData(r.Raw)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("invalid OpenAPI document: %v", err)
	}
	for _, seed := range []string{seedSMSOTP, seedCallOTP, seedVerifyOTP} {
		u, err := url.Parse(seed)
		if err != nil {
			t.Fatal(err)
		}
		item := doc.Paths.Find(u.Path)
		if item == nil {
			t.Errorf("path %s missing", u.Path)
			continue
		}
		var want []string
		for name := range u.Query() {
			want = append(want, name)
		}
		slices.Sort(want)
		for _, method := range []string{"GET", "POST"} {
			op := item.GetOperation(method)
			if op == nil {
				t.Errorf("%s %s missing", method, u.Path)
				continue
			}
			var got []string
			for _, p := range op.Parameters {
				got = append(got, p.Value.Name)
				if p.Value.In != "query" || p.Value.Required != (method == "GET" && p.Value.Name != "sender_id" && p.Value.Name != "caller_id") {
					t.Errorf("%s %s parameter %s in %s, required %v", method, u.Path, p.Value.Name, p.Value.In, p.Value.Required)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s %s parameters %v, want the seed's %v", method, u.Path, got, want)
			}
			if method == "POST" {
				form := op.RequestBody.Value.Content.Get("application/x-www-form-urlencoded")
				if form == nil || len(form.Schema.Value.Properties) != len(want) {
					t.Errorf("POST %s form body %+v, want the %d parameters", u.Path, form, len(want))
				}
			}
			if op.Responses.Value("200") == nil || op.Responses.Value("405") == nil {
				t.Errorf("%s %s does not document its 200 and 405 answers", method, u.Path)
			}
		}
	}

	// The Answer schema has the fields the handlers write, and the statuses.
	schema := doc.Components.Schemas["Answer"].Value
	app := h.CreateApp("test", "")
	for _, answer := range []dialecttest.Response{
		get(h, fromSeed(seedSMSOTP, app.APIKey, "")),
		get(h, fromSeed(seedCallOTP, app.APIKey, "")),
		get(h, fromSeed(seedVerifyOTP, app.APIKey, "000000")),
	} {
		for field := range answer.Body {
			if schema.Properties[field] == nil {
				t.Errorf("answer field %q is not in the Answer schema", field)
			}
		}
		if !slices.Contains(schema.Properties["status"].Value.Enum, any(answer.Body["status"])) {
			t.Errorf("status %v is not in the Answer schema's enum %v", answer.Body["status"], schema.Properties["status"].Value.Enum)
		}
	}

	// The native document lists the dialect.
	var native struct {
		Dialects []struct{ Name, Title, OpenAPI string } `json:"x-otpd-dialects"`
	}
	json.Unmarshal(get(h, "/openapi.json").Raw, &native)
	if !slices.Contains(native.Dialects, struct{ Name, Title, OpenAPI string }{"kookoo", "KooKoo TwoFactor API", "/openapi/kookoo.json"}) {
		t.Errorf("x-otpd-dialects %v, want kookoo listed", native.Dialects)
	}
}
