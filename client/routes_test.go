package client

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/api"
)

// clientRoute is the client's side of one route of the OpenAPI document:
// its method on *Client, the Go type of the request body (nil: none) and
// of the answer's "data" (an element, for a list).
type clientRoute struct {
	method   string
	request  any
	response any
}

// apiKeyRoutes is every route of the native API an application's API key
// may call, and /v1/health. A route added to otpd for API keys without
// a method here fails TestClientCoversAPIKeyRoutes. Console-only routes
// are out of the client's scope.
var apiKeyRoutes = map[string]clientRoute{
	"GET /v1/health":                      {"Health", nil, Health{}},
	"POST /v1/verifications":              {"CreateVerification", CreateVerificationRequest{}, Verification{}},
	"GET /v1/verifications":               {"ListVerifications", nil, Verification{}},
	"GET /v1/verifications/{id}":          {"GetVerification", nil, Verification{}},
	"POST /v1/verifications/check":        {"CheckDestination", checkDestinationRequest{}, CheckResult{}},
	"POST /v1/verifications/{id}/check":   {"Check", checkRequest{}, CheckResult{}},
	"POST /v1/verifications/{id}/resend":  {"Resend", resendRequest{}, Verification{}},
	"POST /v1/verifications/{id}/cancel":  {"Cancel", nil, Verification{}},
	"GET /v1/verifications/{id}/messages": {"Messages", nil, Message{}},
	"GET /v1/users":                       {"ListUsers", nil, User{}},
	"GET /v1/users/{phoneNumber}":         {"GetUser", nil, User{}},
	"DELETE /v1/users/{phoneNumber}":      {"EraseUser", nil, Erasure{}},
	"GET /v1/test/messages":               {"TestMessages", nil, TestMessage{}},
}

// openAPIDoc is otpd's OpenAPI document, as GET /openapi.json serves it.
func openAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	h, err := api.New(api.Config{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /openapi.json: %d %s", rec.Code, rec.Body)
	}
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestClientCoversAPIKeyRoutes walks the OpenAPI document: every
// operation an API key may call (security apiKey or apiKeyHeader) must
// have a method in apiKeyRoutes that exists on *Client, and every entry
// of apiKeyRoutes must still be in the document.
func TestClientCoversAPIKeyRoutes(t *testing.T) {
	doc := openAPIDoc(t)
	inDoc := map[string]bool{}
	for path, ops := range doc["paths"].(map[string]any) {
		for method, op := range ops.(map[string]any) {
			route := strings.ToUpper(method) + " " + path
			inDoc[route] = true
			if !forAPIKeys(op.(map[string]any)) {
				continue
			}
			cr, ok := apiKeyRoutes[route]
			if !ok {
				t.Errorf("%s may be called with an API key, and the client has no method for it: add one and list it in apiKeyRoutes", route)
				continue
			}
			if _, ok := reflect.TypeFor[*Client]().MethodByName(cr.method); !ok {
				t.Errorf("%s: apiKeyRoutes names (*Client).%s, which does not exist", route, cr.method)
			}
		}
	}
	for route := range apiKeyRoutes {
		if !inDoc[route] {
			t.Errorf("apiKeyRoutes lists %s, which the OpenAPI document no longer has", route)
		}
	}
}

func forAPIKeys(op map[string]any) bool {
	security, _ := op["security"].([]any)
	if len(security) == 0 {
		return false // no authentication: only /v1/health, listed by hand
	}
	for _, s := range security {
		for scheme := range s.(map[string]any) {
			if scheme == "apiKey" || scheme == "apiKeyHeader" {
				return true
			}
		}
	}
	return false
}

// TestClientTypesMatchOpenAPI compares the JSON field names of the
// client's request and answer types with the document's schemas, nested
// objects included, so that a field otpd adds or renames shows here.
func TestClientTypesMatchOpenAPI(t *testing.T) {
	doc := openAPIDoc(t)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	paths := doc["paths"].(map[string]any)
	for route, cr := range apiKeyRoutes {
		method, path, _ := strings.Cut(route, " ")
		op, _ := paths[path].(map[string]any)[strings.ToLower(method)].(map[string]any)
		if op == nil {
			continue // TestClientCoversAPIKeyRoutes reports it
		}
		if cr.request != nil {
			body := op["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
			compareFields(t, route+" request", reflect.TypeOf(cr.request), body, schemas)
		}
		for status, res := range op["responses"].(map[string]any) {
			if status == "default" {
				continue
			}
			content, _ := res.(map[string]any)["content"].(map[string]any)
			if content == nil {
				continue
			}
			data := content["application/json"].(map[string]any)["schema"].(map[string]any)["properties"].(map[string]any)["data"].(map[string]any)
			if items, ok := data["items"].(map[string]any); ok {
				data = items
			}
			compareFields(t, route+" "+status, reflect.TypeOf(cr.response), data, schemas)
		}
	}
}

// compareFields compares the JSON names of struct type typ with the
// properties of schema, then does the same for each field that is an
// object (or a list of objects) on both sides.
func compareFields(t *testing.T, where string, typ reflect.Type, schema, schemas map[string]any) {
	t.Helper()
	schema = resolve(schema, schemas)
	props, _ := schema["properties"].(map[string]any)
	var want, got []string
	for name := range props {
		want = append(want, name)
	}
	fields := map[string]reflect.Type{}
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() && name == "" {
			continue
		}
		got = append(got, name)
		fields[name] = f.Type
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		t.Errorf("%s: %s has JSON fields\n%v\nthe OpenAPI schema has\n%v", where, typ, got, want)
		return
	}
	for name, ft := range fields {
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		prop := resolve(props[name].(map[string]any), schemas)
		if items, ok := prop["items"].(map[string]any); ok {
			prop = resolve(items, schemas)
		}
		if ft.Kind() == reflect.Struct && ft.PkgPath() == typ.PkgPath() && prop["properties"] != nil {
			compareFields(t, where+"."+name, ft, prop, schemas)
		}
	}
}

// resolve follows a $ref into components.schemas, and the first branch
// of a oneOf/anyOf (how a nullable object is written).
func resolve(s, schemas map[string]any) map[string]any {
	for {
		if ref, ok := s["$ref"].(string); ok {
			s = schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
			continue
		}
		for _, k := range []string{"oneOf", "anyOf"} {
			if alts, ok := s[k].([]any); ok {
				for _, a := range alts {
					if a := a.(map[string]any); a["type"] != "null" {
						return resolve(a, schemas)
					}
				}
			}
		}
		return s
	}
}
