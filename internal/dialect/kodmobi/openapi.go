package kodmobi

import (
	"reflect"
	"slices"
	"strings"

	"github.com/otpd/otpd/internal/openapi"
)

// operationDoc describes an endpoint in the OpenAPI document.
type operationDoc struct {
	summary  string
	query    []queryParam
	request  any // body type; nil for none
	response any
	// callback, if set, is the body POSTed to the request's callback_url.
	callback any
	// errors are the sys_message values the endpoint answers with, beyond
	// those of every endpoint (access, bad request).
	errors []string
}

type queryParam struct {
	name, description string
	required          bool
}

var sessionIDParam = queryParam{name: "session_id", description: "A session of create (a ULID)"}

var (
	settingsDoc = operationDoc{
		summary:  "The project's settings for the browser: name, code format, CAPTCHA. Public or secret key.",
		query:    []queryParam{{name: "session_id", description: "Accepted and ignored"}},
		response: settingsView{},
	}
	channelsDoc = operationDoc{
		summary: "The project's enabled channels in its order; with session_id, those that reach the session's destination, " +
			"with their timeout and (Telegram) whether the person linked the bot. Public or secret key.",
		query: []queryParam{sessionIDParam}, response: []channelView{}, errors: []string{sysSessionExpired},
	}
	createDoc = operationDoc{
		summary: "Create a session for a phone number or email, or return the one still open for it (same session_id; nothing new is sent " +
			"while the channel's timeout runs), and send a code unless send is false. A session lives the project's sessionTtl (3 minutes by default). " +
			"Protected by the project's CAPTCHA (x-challenge-token, or x-cf-turnstile-token; action create). Public or secret key.",
		request: createRequest{}, response: sessionView{},
		errors: []string{sysNoChannels, sysNoChannel, sysNotAuthorized, sysPhoneBlocked, sysChallenge, sysCountryNotAllowed, sysMessageAttempt, sysWrongBalance},
	}
	sendDoc = operationDoc{
		summary: "Send the session's code on a channel. Each channel waits 60 seconds between two sends of a session " +
			"(429 ERROR_MESSAGE_ATTEMPT with timeout). Public or secret key.",
		request: sendRequest{}, response: sentView{},
		errors: []string{sysSessionExpired, sysBlocked, sysNoChannel, sysNotAuthorized, sysMessageAttempt, sysWrongBalance},
	}
	checkDoc = operationDoc{
		summary: "Check a code. A correct one ends the session with a verify token; a wrong one is 400 ERROR_MESSAGE_WRONG_CODE with attempts_left, " +
			"and the project's maxAttempts-th (5 by default) closes the session (403 ERROR_BLOCKED from then on). A destination whose sessions were " +
			"closed so 3 times within an hour is refused new ones for an hour (ERROR_PHONE_BLOCKED). Public or secret key.",
		request: checkRequest{}, response: checkedView{},
		errors: []string{sysSessionExpired, sysWrongCode, sysBlocked},
	}
	verifyDoc = operationDoc{
		summary: "Redeem a verify token, on your server with the secret key (the public key is 403 ERROR_ACCESS_DENIED): it says who verified. " +
			"A token works once, for 10 minutes; a used, unknown or expired one is 400 ERROR_VERIFY_TOKEN_INVALID.",
		request: verifyRequest{}, response: verifiedView{}, errors: []string{sysVerifyTokenInvalid},
	}
	manualChannelsDoc = operationDoc{
		summary: "Manual flow, on your server with the secret key (the public key is 403 ERROR_ACCESS_DENIED): the project's channels " +
			"this deployment delivers, in the project's order, each with the configured providers that deliver it.",
		response: []manualChannelView{},
	}
	manualSendDoc = operationDoc{
		summary: "Manual flow, on your server with the secret key (the public key is 403 ERROR_ACCESS_DENIED): deliver your code (4 to 6 digits), " +
			"or one otpd draws by the project's policy, through the provider you name or the usual routing. You check the code yourself: " +
			"the answer carries it encrypted for you (AES-256-GCM, key SHA-256 of your secret key). The destination's sends per minute, " +
			"the project's balance and quotas and a test application's inbox apply as to any send. A callback_url hears the final status " +
			"(delivered or failed) once it is known.",
		request: manualSendRequest{}, response: manualSentView{}, callback: manualCallbackView{},
		errors: []string{sysNoChannel, sysNotAuthorized, sysCountryNotAllowed, sysMessageAttempt, sysWrongBalance},
	}
	legacyCreateDoc = operationDoc{
		summary: "Legacy: create (or return) a session and send a code, as POST /v2/create; a phone may also be written 8XXXXXXXXXX (Russia).",
		query: []queryParam{{name: "to", required: true, description: "Phone number or email"},
			{name: "type", description: "Channel of the first send"}, {name: "send", description: "true (default) or false"}},
		response: legacyCreatedView{}, errors: createDoc.errors,
	}
	legacySendDoc = operationDoc{
		summary:  "Legacy: send the session's code on a channel, as POST /v2/send.",
		query:    []queryParam{{name: "session_id", required: true}, {name: "type", required: true, description: "The channel"}},
		response: sentView{}, errors: sendDoc.errors,
	}
	legacyCheckDoc = operationDoc{
		summary:  "Legacy: check a code, as POST /v2/check.",
		query:    []queryParam{{name: "session_id", required: true}, {name: "code", required: true}},
		response: checkedView{}, errors: checkDoc.errors,
	}
	legacyChannelCheckDoc = operationDoc{
		summary:  "Legacy: whether the person can receive on a channel of the session (has linked the Telegram bot).",
		query:    []queryParam{{name: "session_id", required: true}, {name: "type", required: true, description: "The channel"}},
		response: legacyChannelState{}, errors: []string{sysSessionExpired, sysNoChannel},
	}
)

// buildOpenAPI generates the dialect's OpenAPI 3.1 document from its
// endpoint table and the Go types of its requests and answers.
func (d *Dialect) buildOpenAPI() ([]byte, error) {
	g := openapi.NewGenerator(map[string]reflect.Type{})
	errRef := g.Schema(reflect.TypeOf(errorBody{}))
	paths := map[string]any{}
	var names []string
	for p := range d.endpoints {
		names = append(names, p)
	}
	slices.Sort(names)
	for _, p := range names {
		ep := d.endpoints[p]
		doc := ep.doc
		op := map[string]any{
			"summary":     doc.summary,
			"operationId": strings.ToLower(ep.method) + openapi.OperationName(p, ""),
			"security":    []any{map[string]any{"apiKey": []any{}}},
		}
		if len(doc.query) > 0 {
			var params []any
			for _, q := range doc.query {
				params = append(params, map[string]any{"name": q.name, "in": "query", "required": q.required,
					"schema": map[string]any{"type": "string"}, "description": q.description})
			}
			op["parameters"] = params
		}
		if doc.request != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": g.Schema(reflect.TypeOf(doc.request))},
			}}
		}
		if doc.callback != nil {
			op["callbacks"] = map[string]any{"finalStatus": map[string]any{
				"{$request.body#/callback_url}": map[string]any{"post": map[string]any{
					"summary": "The message's final status, once it is known, exactly once; signed with the application's webhook secret " +
						"(Standard Webhooks: webhook-id, the same on every attempt, webhook-timestamp and webhook-signature) and retried " +
						"for over a day until the receiver answers 2xx",
					"requestBody": map[string]any{"required": true, "content": map[string]any{
						"application/json": map[string]any{"schema": g.Schema(reflect.TypeOf(doc.callback))},
					}},
					"responses": map[string]any{"200": map[string]any{"description": "Received; any 2xx ends the retries"}},
				}},
			}}
		}
		ok := g.Schema(reflect.TypeOf(doc.response))
		if ep.legacy {
			ok = map[string]any{"type": "object", "properties": map[string]any{"success": map[string]any{"type": "boolean"}, "data": ok}}
		}
		errs := append([]string{sysAccessDenied, sysBadRequest}, doc.errors...)
		op["responses"] = map[string]any{
			"200": map[string]any{"description": "OK", "content": map[string]any{"application/json": map[string]any{"schema": ok}}},
			"default": map[string]any{
				"description": "An error; sys_message is one of " + strings.Join(errs, ", ") +
					". Statuses: 400 bad request, wrong code, channel not enabled or not linked; 401 unknown or missing key; " +
					"402 ERROR_WRONG_BALANCE; 403 access, ERROR_CHALLENGE, ERROR_BLOCKED, ERROR_PHONE_BLOCKED, ERROR_CHANNEL_NOT_ALLOWED_COUNTRY; " +
					"404 ERROR_SESSION_EXPIRED; 429 ERROR_MESSAGE_ATTEMPT.",
				"content": map[string]any{"application/json": map[string]any{"schema": errRef}},
			},
		}
		item := map[string]any{strings.ToLower(ep.method): op}
		if ep.browser {
			item["options"] = map[string]any{
				"summary":     "CORS preflight: any page; the request itself is refused (403, no CORS headers) from an Origin the application does not list in allowedOrigins",
				"operationId": "options" + openapi.OperationName(p, ""),
				"responses":   map[string]any{"204": map[string]any{"description": "Allowed methods and headers"}},
			}
		}
		paths[p] = item
	}
	paths[iconPrefix+"{file}"] = map[string]any{"get": map[string]any{
		"summary": "A channel's icon (sms.svg, email.svg, telegram.svg, whatsapp.svg, voice.svg), the image_url of the channel objects", "operationId": "getChannelIcon",
		"parameters": openapi.PathParameters(iconPrefix + "{file}"),
		"responses":  map[string]any{"200": map[string]any{"description": "SVG", "content": map[string]any{"image/svg+xml": map[string]any{}}}},
	}}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   d.Title() + " (otpd)",
			"version": "2",
			"description": "kod.mobi's API as otpd speaks it: the session flow a browser runs with the application's public key, " +
				"the server-side verify and the manual flow with its secret API key, and the older query-string API. Both keys go in x-api-key. " +
				"Messages are English or Russian by Accept-Language (or ?lang=ru).",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.Components(),
			"securitySchemes": map[string]any{"apiKey": map[string]any{"type": "apiKey", "in": "header", "name": "x-api-key",
				"description": "The application's public key (session flow) or its secret API key (everything)"}},
		},
	}
	return openapi.Marshal(doc)
}
