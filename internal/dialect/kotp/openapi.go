package kotp

import (
	"reflect"
	"slices"
	"strings"

	"github.com/otpd/otpd/internal/openapi"
)

// errorStatuses are the error answers each endpoint documents, beside
// 401, 403 and 429, which every authenticated endpoint may answer.
var errorStatuses = map[string][]string{
	"/v1/send":        {"400", "402"},
	"/v1/verify":      {"400", "404"},
	"/v1/status/{id}": {"404"},
	"/v1/otps":        {"400"},
}

// buildOpenAPI writes the OpenAPI 3.1 document of the routes, with K-OTP's
// base path /v1 as the server, so that paths read as K-OTP's document
// writes them (/send, /verify, ...).
func buildOpenAPI(routes []route) ([]byte, error) {
	g := openapi.NewGenerator(nil)
	errRef := map[string]any{"$ref": "#/components/schemas/Error"}
	rateHeaders := map[string]any{}
	for name, desc := range map[string]string{
		"X-RateLimit-Limit":     "Calls allowed per minute with this API key",
		"X-RateLimit-Remaining": "Calls left in the current window",
		"X-RateLimit-Reset":     "When the window resets, in unix seconds",
	} {
		rateHeaders[name] = map[string]any{"description": desc, "schema": map[string]any{"type": "integer"}}
	}
	paths := map[string]any{}
	for _, rt := range routes {
		if rt.public {
			continue
		}
		responses := map[string]any{
			"200": map[string]any{
				"description": rt.summary,
				"headers":     rateHeaders,
				"content":     map[string]any{"application/json": map[string]any{"schema": g.Schema(reflect.TypeOf(rt.response))}},
			},
		}
		for _, status := range append(errorStatuses[rt.path], "401", "403", "429") {
			res := map[string]any{
				"description": errorDescriptions[status],
				"content":     map[string]any{"application/json": map[string]any{"schema": errRef}},
			}
			if status == "429" {
				res["headers"] = map[string]any{"Retry-After": map[string]any{
					"description": "Seconds to wait before a retry can succeed", "schema": map[string]any{"type": "integer"}}}
			}
			responses[status] = res
		}
		op := map[string]any{
			"summary":     rt.summary,
			"operationId": strings.ToLower(rt.method) + openapi.OperationName(rt.path, "/v1"),
			"security":    []any{map[string]any{"apiKey": []any{}}},
			"responses":   responses,
		}
		params := openapi.PathParameters(rt.path)
		for _, p := range rt.query {
			schema := map[string]any{"type": p.typ}
			if p.enum != nil {
				schema["enum"] = p.enum
			}
			params = append(params, map[string]any{"name": p.name, "in": "query", "required": false,
				"description": p.description, "schema": schema})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.request != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": g.Schema(reflect.TypeOf(rt.request))}}}
		}
		path := strings.TrimPrefix(rt.path, "/v1")
		item, _ := paths[path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[path] = item
		}
		item[strings.ToLower(rt.method)] = op
	}
	// Requests require what the seed's tables mark required; answers
	// always carry every field (null where a value is unknown).
	components := g.Components()
	for name, schema := range components {
		obj, _ := schema.(map[string]any)
		props, _ := obj["properties"].(map[string]any)
		if obj == nil || props == nil {
			continue
		}
		switch name {
		case "SendRequest":
			obj["required"] = []string{"to", "method", "type"}
		case "VerifyRequest":
			obj["required"] = []string{"id", "code"}
		default:
			var all []string
			for p := range props {
				all = append(all, p)
			}
			slices.Sort(all)
			obj["required"] = all
		}
	}
	g.AddComponent("Error", map[string]any{
		"type": "object", "required": []string{"error"},
		"properties": map[string]any{"error": map[string]any{
			"type": "object", "required": []string{"code", "message", "details"},
			"properties": map[string]any{
				"code": map[string]any{"type": "string", "description": "INVALID_API_KEY, INSUFFICIENT_CREDITS, RATE_LIMITED, INVALID_PHONE, " +
					"INVALID_EMAIL, OTP_NOT_FOUND, OTP_EXPIRED, INVALID_CODE, MAX_ATTEMPTS, and otpd's: INVALID_REQUEST, INVALID_PARAMETER, " +
					"OTP_ALREADY_VERIFIED, OTP_CANCELED, FORBIDDEN, QUOTA_EXCEEDED, METHOD_NOT_ALLOWED, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, INTERNAL_ERROR"},
				"message": map[string]any{"type": "string", "description": "Human-readable, in English or Russian by Accept-Language"},
				"details": map[string]any{"type": "object", "description": "field and value: the request field at fault and what it was; " +
					"attempts_remaining for INVALID_CODE; retry_after (seconds) for RATE_LIMITED"},
			},
		}},
	})
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "K-OTP API (otpd dialect)", "version": "1",
			"description": "K-OTP's API as otpd speaks it: a client written for K-OTP works by changing its base URL to this server's /v1. " +
				"Authenticate with an otpd application's API key; a test application is K-OTP's sandbox."},
		"servers":  []any{map[string]any{"url": "/v1"}},
		"paths":    paths,
		"security": []any{map[string]any{"apiKey": []any{}}},
		"components": map[string]any{
			"schemas": g.Components(),
			"securitySchemes": map[string]any{
				"apiKey": map[string]any{"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <API key of an otpd application>"},
			},
		},
	}
	return openapi.Marshal(doc)
}

var errorDescriptions = map[string]string{
	"400": "The request is invalid (INVALID_REQUEST, INVALID_PARAMETER, INVALID_PHONE, INVALID_EMAIL) or the code is not accepted " +
		"(INVALID_CODE, OTP_EXPIRED, MAX_ATTEMPTS, OTP_ALREADY_VERIFIED, OTP_CANCELED)",
	"401": "INVALID_API_KEY: the API key is missing or invalid",
	"402": "INSUFFICIENT_CREDITS: the project's balance is used up; QUOTA_EXCEEDED: the plan's monthly messages are used up",
	"403": "FORBIDDEN: the application is disabled, or the key may not make this call",
	"404": "OTP_NOT_FOUND: no OTP of this application has this id",
	"429": "RATE_LIMITED: too many calls with this API key, or too many OTPs to this destination",
}
