package cobinar

import (
	"reflect"
	"strings"

	"github.com/otpd/otpd/internal/openapi"
)

// operation is one endpoint of the document.
type operation struct {
	path, summary, description string
	request, response          any
	errors                     map[string]string // status: when
}

var operations = []operation{
	{
		path: "/v1/otp/send", summary: "Generate and send an OTP to a phone",
		description: "Sends a code (6 digits, valid 5 minutes, 5 attempts: the project's policy, whose defaults are Cobinar's) " +
			"on the project's preferred phone channel (SMS unless the policy orders others first). A test application's " +
			"codes go to its test inbox, and it may use fictional numbers in unassigned country codes such as +999. " +
			"Rate-limited to 5 a minute per application unless the project's policy.appSendsPerMinute sets another limit.",
		request: sendRequest{}, response: sentOTPView{},
		errors: map[string]string{
			"400": "INVALID_PARAMETER (details.field), INVALID_PHONE, INVALID_JSON",
			"401": "UNAUTHENTICATED: a missing or wrong x-client-id, x-client-secret or x-api-key",
			"402": "INSUFFICIENT_CREDITS: the project's prepaid balance is used up",
			"403": "FORBIDDEN: the application is disabled; QUOTA_EXCEEDED: the plan's monthly messages are used up",
			"415": "UNSUPPORTED_MEDIA_TYPE: the body is not JSON",
			"429": "RATE_LIMITED (Retry-After, details.retryAfter): the application's or the phone's limit",
		},
	},
	{
		path: "/v1/otp/verify", summary: "Verify a code",
		description: "Checks the code of an OTP request. Rate-limited to 10 a minute per application unless the project's " +
			"policy.appChecksPerMinute sets another limit; 5 attempts per request (policy.maxAttempts).",
		request: verifyRequest{}, response: verifiedOTPView{},
		errors: map[string]string{
			"400": "INVALID_CODE (details.attempts_remaining), OTP_EXPIRED, MAX_ATTEMPTS (also for the right code afterwards), " +
				"INVALID_PARAMETER (details.field), INVALID_JSON",
			"401": "UNAUTHENTICATED: a missing or wrong x-client-id, x-client-secret or x-api-key",
			"403": "FORBIDDEN: the application is disabled",
			"404": "OTP_NOT_FOUND: no request with this requestId for this application",
			"409": "OTP_ALREADY_VERIFIED, OTP_CANCELED",
			"415": "UNSUPPORTED_MEDIA_TYPE: the body is not JSON",
			"429": "RATE_LIMITED (Retry-After, details.retryAfter)",
		},
	},
}

// document is the dialect's OpenAPI 3.1 document, generated from the
// request and answer types above so it cannot drift from them.
func document() []byte {
	g := openapi.NewGenerator(nil)
	paths := map[string]any{}
	for _, op := range operations {
		responses := map[string]any{
			"200": map[string]any{"description": op.summary + ": done", "content": jsonContent(map[string]any{
				"type": "object", "required": []string{"data"}, "properties": map[string]any{"data": g.Schema(reflect.TypeOf(op.response))},
			})},
		}
		for status, when := range op.errors {
			responses[status] = map[string]any{"description": when, "content": jsonContent(map[string]any{"$ref": "#/components/schemas/Error"})}
		}
		paths[op.path] = map[string]any{"post": map[string]any{
			"summary": op.summary, "description": op.description,
			"operationId": "post" + openapi.OperationName(op.path, "/v1"),
			"security":    []any{map[string]any{"clientId": []any{}, "clientSecret": []any{}, "apiKey": []any{}}},
			"parameters": []any{map[string]any{
				"name": "Accept-Language", "in": "header", "required": false, "schema": map[string]any{"type": "string"},
				"description": "en (the default) or ru: the language of error messages",
			}},
			"requestBody": map[string]any{"required": true, "content": jsonContent(g.Schema(reflect.TypeOf(op.request)))},
			"responses":   responses,
		}}
	}
	g.AddComponent("Error", map[string]any{
		"type": "object", "required": []string{"error"},
		"properties": map[string]any{"error": map[string]any{
			"type": "object", "required": []string{"code", "message"},
			"properties": map[string]any{
				"code":    map[string]any{"type": "string", "description": "Stable upper-snake code, e.g. INVALID_CODE"},
				"message": map[string]any{"type": "string", "description": "Human-readable, in English or Russian by Accept-Language"},
				"details": map[string]any{"type": "object", "description": "field: the request field at fault; attempts_remaining; retryAfter (seconds)"},
			},
		}},
	})
	schemas := g.Components()
	markTimes(schemas)
	for typ, fields := range map[any][]string{
		sendRequest{}:     {"phone"},
		verifyRequest{}:   {"requestId", "code"},
		sentOTPView{}:     {"requestId", "phone", "status", "expiresAt"},
		verifiedOTPView{}: {"requestId", "status", "phone", "verifiedAt"},
	} {
		schemas[openapi.ComponentName(reflect.TypeOf(typ).Name())].(map[string]any)["required"] = fields
	}
	header := func(name, what string) map[string]any {
		return map[string]any{"type": "apiKey", "in": "header", "name": name, "description": what}
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Cobinar phone API (otpd dialect)", "version": "1",
			"description": "The application endpoints of the Cobinar phone API, served by otpd. Console endpoints " +
				"(projects, applications, webhooks, users, logs, analytics, developer profile) are otpd's native API: /openapi.json."},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"clientId":     header(headerClientID, "The application's clientId (ph_live_client_… / ph_test_client_…)"),
				"clientSecret": header(headerClientSecret, "The application's clientSecret, shown once at creation"),
				"apiKey":       header(headerAPIKey, "The application's apiKey, shown once at creation"),
			},
		},
	}
	b, err := openapi.Marshal(doc)
	if err != nil {
		panic("cobinar: OpenAPI document: " + err.Error()) // only a programming error can fail here
	}
	return b
}

func jsonContent(schema map[string]any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

// markTimes documents the string fields named …At as date-times: the
// answers write them as strings, with Cobinar's milliseconds.
func markTimes(schemas map[string]any) {
	for _, s := range schemas {
		props, _ := s.(map[string]any)["properties"].(map[string]any)
		for name, p := range props {
			if ps, ok := p.(map[string]any); ok && strings.HasSuffix(name, "At") && ps["type"] == "string" {
				ps["format"] = "date-time"
			}
		}
	}
}
