package kookoo

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/otpd/otpd/internal/openapi"
)

// buildOpenAPI generates the dialect's OpenAPI 3.1 document from its
// endpoint table and the Go types of parameters and answers.
func buildOpenAPI(eps []endpoint) ([]byte, error) {
	g := openapi.NewGenerator(nil)
	answerSchema := g.Schema(reflect.TypeOf(answer{}))
	paths := map[string]any{}
	for _, ep := range eps {
		var query []any
		props, required := map[string]any{}, []string{}
		for _, f := range paramFields(ep.params) {
			field := g.Schema(f.typ) // a new map per call: parameters are plain strings
			field["description"] = f.description
			props[f.name] = field
			query = append(query, map[string]any{"name": f.name, "in": "query", "required": f.required, "description": f.description, "schema": g.Schema(f.typ)})
			if f.required {
				required = append(required, f.name)
			}
		}
		var optionalQuery []any
		for _, p := range query {
			q := map[string]any{}
			for k, v := range p.(map[string]any) {
				q[k] = v
			}
			q["required"] = false
			optionalQuery = append(optionalQuery, q)
		}
		form := map[string]any{"type": "object", "properties": props,
			"description": strings.Join(required, ", ") + " are required, in the body or in the query string; a body field wins over a query parameter of the same name."}
		op := func(method string) map[string]any {
			return map[string]any{
				"summary":     ep.summary,
				"description": ep.description,
				"operationId": strings.ToLower(method) + ep.operation,
				"security":    []any{map[string]any{"apiKey": []any{}}},
				"responses":   responses(ep, answerSchema),
			}
		}
		get, post := op(http.MethodGet), op(http.MethodPost)
		get["parameters"] = query
		post["parameters"] = optionalQuery
		post["requestBody"] = map[string]any{"required": false, "content": map[string]any{
			"application/x-www-form-urlencoded": map[string]any{"schema": form},
			"multipart/form-data":               map[string]any{"schema": form},
		}}
		paths[ep.path] = map[string]any{"get": get, "post": post}
	}
	// Both fields are always there, errors included.
	g.Components()[openapi.ComponentName("answer")].(map[string]any)["required"] = []string{"status", "message"}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "KooKoo TwoFactor API (otpd dialect)",
			"version": "v1",
			"description": "KooKoo's TwoFactor API (kookoo.in, Ozonetel) as otpd speaks it: point a KooKoo client at otpd's base URL. " +
				"api_key is an otpd application's API key. Phone numbers are read as typed in India. " +
				"Every answer is {\"status\",\"message\"}; errors are HTTP 200 with status Error, as KooKoo answers, " +
				"except HTTP mistakes (400 unreadable query or form, 405 method, 413 body too large, 415 body type) and 500 internal errors. " +
				"Decisions where KooKoo's documents are silent: docs/dialects.md, KooKoo section.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.Components(),
			"securitySchemes": map[string]any{
				"apiKey": map[string]any{"type": "apiKey", "in": "query", "name": "api_key",
					"description": "An otpd application's API key; a POST may send it as a form field instead"},
			},
		},
	}
	return openapi.Marshal(doc)
}

// responses documents an endpoint's answers: KooKoo's 200 with its
// success and error examples, and the HTTP errors.
func responses(ep endpoint, answerSchema map[string]any) map[string]any {
	examples := map[string]any{"success": map[string]any{"value": ep.success}}
	for i, m := range ep.errors {
		examples["error"+strconv.Itoa(i+1)] = map[string]any{"summary": m, "value": failure(m)}
	}
	res := map[string]any{
		"200": map[string]any{
			"description": "Success, or an error KooKoo answers with HTTP 200 and status Error",
			"content":     map[string]any{"application/json": map[string]any{"schema": answerSchema, "examples": examples}},
		},
	}
	for _, e := range []*httpError{errMalformed, errMethod, errTooLarge, errMediaType, {http.StatusInternalServerError, msgInternal}} {
		res[strconv.Itoa(e.status)] = map[string]any{
			"description": e.message,
			"content":     map[string]any{"application/json": map[string]any{"schema": answerSchema, "example": failure(e.message)}},
		}
	}
	return res
}

// paramField is one parameter of an endpoint, read from its struct.
type paramField struct {
	name, description string
	required          bool
	typ               reflect.Type
}

func paramFields(params any) []paramField {
	t := reflect.TypeOf(params)
	out := make([]paramField, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out = append(out, paramField{name: name, description: f.Tag.Get("description"), required: f.Tag.Get("required") == "true", typ: f.Type})
	}
	return out
}
