package api

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// buildOpenAPI generates the OpenAPI 3.1 document from the route table and
// the Go types of requests and answers.
func buildOpenAPI(routes []route, version string) ([]byte, error) {
	g := &schemaGen{components: map[string]any{}}
	paths := map[string]map[string]any{}
	for _, rt := range routes {
		if rt.path == "/openapi.json" {
			continue
		}
		op := map[string]any{
			"summary":     rt.summary,
			"operationId": strings.ToLower(rt.method) + operationName(rt.path),
			"responses":   g.responses(rt),
		}
		var params []any
		for _, seg := range strings.Split(rt.path, "/") {
			if strings.HasPrefix(seg, "{") {
				params = append(params, map[string]any{
					"name": strings.Trim(seg, "{}"), "in": "path", "required": true, "schema": map[string]any{"type": "string"},
				})
			}
		}
		if rt.method == "POST" && rt.path == "/v1/verifications" {
			params = append(params, map[string]any{
				"name": "Idempotency-Key", "in": "header", "required": false, "schema": map[string]any{"type": "string", "maxLength": 255},
				"description": "A retry with the same key and body within 24 h returns the first answer and sends nothing.",
			}, map[string]any{
				"name": "X-Challenge-Token", "in": "header", "required": false, "schema": map[string]any{"type": "string", "maxLength": 4096},
				"description": "The end user's CAPTCHA token, required when the project's policy.challenge is enabled (or the challengeToken field): " +
					"missing is 400 CHALLENGE_REQUIRED, refused by the provider 403 CHALLENGE_FAILED (details.reason), provider unreachable 503 CHALLENGE_UNAVAILABLE. " +
					"X-CF-Turnstile-Token is accepted as well.",
			}, map[string]any{
				"name": "X-CF-Turnstile-Token", "in": "header", "required": false, "deprecated": true, "schema": map[string]any{"type": "string", "maxLength": 4096},
				"description": "The former name of X-Challenge-Token.",
			})
		}
		if rt.method == "POST" && rt.path == "/v1/applications/{id}/rotate/{type}" {
			params = append(params, map[string]any{
				"name": "gracePeriod", "in": "query", "required": false,
				"schema": map[string]any{"type": "integer", "minimum": 0, "maximum": int(otp.MaxRotationGrace / time.Second)},
				"description": "Seconds the old credential keeps working (at most 7 days; 0 or absent: it stops at once). " +
					"An old API key or client secret is still accepted; an old webhook secret still signs: deliveries to endpoints with " +
					"signing standard carry two signatures in webhook-signature, the new secret's then the old one's, so a receiver " +
					"holding either accepts. The kotp and cobinar headers carry one signature, the new secret's, so their receivers must switch at once.",
			})
		}
		if params != nil {
			op["parameters"] = params
		}
		switch rt.auth {
		case authConsole:
			op["security"] = []any{map[string]any{"consoleToken": []any{}}}
		case authApp:
			op["security"] = []any{map[string]any{"apiKey": []any{}}}
		case authConsoleOrApp:
			op["security"] = []any{map[string]any{"consoleToken": []any{}}, map[string]any{"apiKey": []any{}}}
		default:
			op["security"] = []any{}
		}
		if rt.request != nil {
			op["requestBody"] = map[string]any{
				"required": rt.method != "POST" || !strings.HasSuffix(rt.path, "/resend"),
				"content":  map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.request))}},
			}
		}
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	g.components["Error"] = map[string]any{
		"type": "object", "required": []string{"error"},
		"properties": map[string]any{"error": map[string]any{
			"type": "object", "required": []string{"code", "message"},
			"properties": map[string]any{
				"code":    map[string]any{"type": "string", "description": "Stable upper-snake code, e.g. INVALID_PHONE"},
				"message": map[string]any{"type": "string", "description": "Human-readable, in English or Russian by Accept-Language"},
				"details": map[string]any{"type": "object", "description": "e.g. field: the request field at fault"},
			},
		}},
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "otpd native API", "version": version},
		"paths":   paths,
		"components": map[string]any{
			"schemas": g.components,
			"securitySchemes": map[string]any{
				"consoleToken": map[string]any{"type": "http", "scheme": "bearer", "description": "The admin (console) token"},
				"apiKey":       map[string]any{"type": "http", "scheme": "bearer", "description": "An application's API key"},
			},
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

func operationName(path string) string {
	var b strings.Builder
	for _, seg := range strings.Split(strings.TrimPrefix(path, "/v1"), "/") {
		seg = strings.Trim(seg, "{}")
		if seg == "" {
			continue
		}
		for _, part := range strings.FieldsFunc(seg, func(r rune) bool { return r == '_' || r == '.' }) {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

type schemaGen struct {
	components map[string]any
}

func (g *schemaGen) responses(rt route) map[string]any {
	res := map[string]any{
		"default": map[string]any{
			"description": "An error",
			"content":     map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}},
		},
	}
	ok := map[string]any{"description": rt.summary}
	if rt.response != nil {
		data := g.schema(reflect.TypeOf(rt.response))
		if rt.list {
			data = map[string]any{"type": "array", "items": data}
		}
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{
			"type": "object", "required": []string{"data"}, "properties": map[string]any{"data": data},
		}}}
	}
	res[itoa(rt.status)] = ok
	return res
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// schemaTypes names the types an `openapi:"name"` tag may refer to.
var schemaTypes = map[string]reflect.Type{
	"policyView": reflect.TypeOf(policyView{}),
}

var (
	timeType = reflect.TypeOf(time.Time{})
	rawType  = reflect.TypeOf(json.RawMessage{})
)

// schema returns the JSON Schema of t; named structs become components.
func (g *schemaGen) schema(t reflect.Type) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s map[string]any
	switch {
	case t == timeType:
		s = map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		s = map[string]any{"type": "object"}
	case t.Kind() == reflect.Struct:
		name := componentName(t.Name())
		if _, done := g.components[name]; !done {
			g.components[name] = nil // placeholder against recursion
			g.components[name] = g.object(t)
		}
		s = map[string]any{"$ref": "#/components/schemas/" + name}
		if nullable {
			return map[string]any{"oneOf": []any{s, map[string]any{"type": "null"}}}
		}
		return s
	case t.Kind() == reflect.Slice:
		s = map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case t.Kind() == reflect.Map:
		s = map[string]any{"type": "object"}
	case t.Kind() == reflect.String:
		s = map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		s = map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		s = map[string]any{"type": "number"}
	default:
		s = map[string]any{}
	}
	if nullable {
		s["type"] = []any{s["type"], "null"}
	}
	return s
}

func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		var fs map[string]any
		switch ref := f.Tag.Get("openapi"); ref {
		case "":
			fs = g.schema(f.Type)
		case "object":
			fs = map[string]any{"type": "object"}
		default:
			// A raw JSON field documented as another type, e.g. a partial policy.
			fs = g.schema(schemaTypes[ref])
		}
		if enum := f.Tag.Get("enum"); enum != "" {
			fs["enum"] = strings.Split(enum, ",")
		}
		// A secret a request may set and no answer shows, or the reverse.
		for _, tag := range []string{"writeOnly", "readOnly"} {
			if f.Tag.Get(tag) == "true" {
				fs[tag] = true
			}
		}
		props[name] = fs
	}
	return map[string]any{"type": "object", "properties": props}
}

// componentName turns an unexported Go type name into a schema name:
// verificationView → Verification.
func componentName(goName string) string {
	n := strings.TrimSuffix(strings.TrimSuffix(goName, "View"), "Request")
	if strings.HasSuffix(goName, "Request") {
		n += "Request"
	}
	return strings.ToUpper(n[:1]) + n[1:]
}
