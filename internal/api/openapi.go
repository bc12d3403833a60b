package api

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/openapi"
	"github.com/otpd/otpd/internal/otp"
)

// buildOpenAPI generates the OpenAPI 3.1 document from the route table and
// the Go types of requests and answers.
// The dialects' documents are linked under x-otpd-dialects.
func buildOpenAPI(routes []route, version string, dialects []dialectLink) ([]byte, error) {
	g := schemaGen{openapi.NewGenerator(schemaTypes)}
	paths := map[string]map[string]any{}
	for _, rt := range routes {
		if rt.path == "/openapi.json" {
			continue
		}
		op := map[string]any{
			"summary":     rt.summary,
			"operationId": strings.ToLower(rt.method) + openapi.OperationName(rt.path, "/v1"),
			"responses":   g.responses(rt),
		}
		params := openapi.PathParameters(rt.path)
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
			if rt.apiKeyHeader {
				op["security"] = append(op["security"].([]any), map[string]any{"apiKeyHeader": []any{}})
			}
		default:
			op["security"] = []any{}
		}
		if rt.request != nil {
			op["requestBody"] = map[string]any{
				"required": rt.method != "POST" || !strings.HasSuffix(rt.path, "/resend"),
				"content":  map[string]any{"application/json": map[string]any{"schema": g.Schema(reflect.TypeOf(rt.request))}},
			}
		}
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	g.AddComponent("Error", map[string]any{
		"type": "object", "required": []string{"error"},
		"properties": map[string]any{"error": map[string]any{
			"type": "object", "required": []string{"code", "message"},
			"properties": map[string]any{
				"code":    map[string]any{"type": "string", "description": "Stable upper-snake code, e.g. INVALID_PHONE"},
				"message": map[string]any{"type": "string", "description": "Human-readable, in English or Russian by Accept-Language"},
				"details": map[string]any{"type": "object", "description": "e.g. field: the request field at fault; reason: why a request was refused"},
			},
		}},
	})
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "otpd native API", "version": version,
			"description": "otpd's own API. The wire dialects otpd also speaks (other services' APIs over the same verifications) " +
				"have OpenAPI documents of their own, listed under x-otpd-dialects."},
		"x-otpd-dialects": dialects,
		"paths":           paths,
		"components": map[string]any{
			"schemas": g.Components(),
			"securitySchemes": map[string]any{
				"consoleToken": map[string]any{"type": "http", "scheme": "bearer", "description": "The admin (console) token, a developer's session token, or an ID token of the operator's OpenID Connect issuer (OTPD_OIDC_ISSUER)"},
				"apiKey": map[string]any{"type": "http", "scheme": "bearer", "description": "An application's API key. Refused with 403 FORBIDDEN " +
					"while the application is disabled by its owner (status), held by the operator (operatorDisabled; details.reason " +
					"operator_disabled) or its owner's account is suspended (details.reason developer_suspended)"},
				"apiKeyHeader": map[string]any{"type": "apiKey", "in": "header", "name": "x-api-key",
					"description": "An application's API key in an x-api-key header, as Cobinar documents for its read-only user lookup"},
			},
		},
	}
	return openapi.Marshal(doc)
}

// schemaGen adds the native API's answer envelope to the generator.
type schemaGen struct {
	*openapi.Generator
}

func (g schemaGen) responses(rt route) map[string]any {
	res := map[string]any{
		"default": map[string]any{
			"description": "An error",
			"content":     map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}},
		},
	}
	res[itoa(rt.status)] = g.answer(rt.summary, rt.response, rt.list)
	if a := rt.also; a != nil {
		res[itoa(a.status)] = g.answer(a.summary, a.response, false)
	}
	return res
}

// answer describes a success answer whose "data" is of response's type.
func (g schemaGen) answer(summary string, response any, list bool) map[string]any {
	ok := map[string]any{"description": summary}
	if response != nil {
		data := g.Schema(reflect.TypeOf(response))
		if list {
			data = map[string]any{"type": "array", "items": data}
		}
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{
			"type": "object", "required": []string{"data"}, "properties": map[string]any{"data": data},
		}}}
	}
	return ok
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// schemaTypes names the types an `openapi:"name"` tag may refer to.
var schemaTypes = map[string]reflect.Type{
	"policyView": reflect.TypeOf(policyView{}),
}
