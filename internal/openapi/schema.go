// Package openapi writes OpenAPI 3.1 documents from Go types: the native
// API and every dialect describe their requests and answers as Go structs,
// and their documents are generated from those structs and their route
// tables, so a document cannot drift from the code it describes.
package openapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"
)

// Generator turns Go types into JSON Schemas; named structs become
// components, collected for the document's components.schemas.
type Generator struct {
	components map[string]any
	named      map[string]reflect.Type
}

// NewGenerator returns a Generator. named lists the types an
// `openapi:"name"` field tag may refer to, for raw JSON fields documented
// as another type.
func NewGenerator(named map[string]reflect.Type) *Generator {
	return &Generator{components: map[string]any{}, named: named}
}

// Components returns the schemas of the named structs met so far, and
// any added with AddComponent.
func (g *Generator) Components() map[string]any { return g.components }

// AddComponent adds a hand-written schema under name.
func (g *Generator) AddComponent(name string, schema map[string]any) { g.components[name] = schema }

var (
	timeType = reflect.TypeOf(time.Time{})
	rawType  = reflect.TypeOf(json.RawMessage{})
)

// Schema returns the JSON Schema of t; named structs become components
// and are referred to.
//
// Field tags refine a struct field's schema: `enum:"a,b"` lists its
// values, `openapi:"object"` documents a raw JSON field as an object and
// `openapi:"name"` as one of the named types, `writeOnly:"true"` and
// `readOnly:"true"` mark a secret a request may set and no answer shows
// (or the reverse), and `description:"..."` describes it.
func (g *Generator) Schema(t reflect.Type) map[string]any {
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
		name := ComponentName(t.Name())
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
		s = map[string]any{"type": "array", "items": g.Schema(t.Elem())}
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

func (g *Generator) object(t reflect.Type) map[string]any {
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
			fs = g.Schema(f.Type)
		case "object":
			fs = map[string]any{"type": "object"}
		default:
			fs = g.Schema(g.named[ref])
		}
		if enum := f.Tag.Get("enum"); enum != "" {
			fs["enum"] = strings.Split(enum, ",")
		}
		for _, tag := range []string{"writeOnly", "readOnly"} {
			if f.Tag.Get(tag) == "true" {
				fs[tag] = true
			}
		}
		if d := f.Tag.Get("description"); d != "" {
			if _, isRef := fs["$ref"]; isRef {
				fs = map[string]any{"allOf": []any{fs}, "description": d}
			} else {
				fs["description"] = d
			}
		}
		props[name] = fs
	}
	return map[string]any{"type": "object", "properties": props}
}

// ComponentName turns an unexported Go type name into a schema name:
// verificationView → Verification, checkRequest → CheckRequest.
func ComponentName(goName string) string {
	n := strings.TrimSuffix(strings.TrimSuffix(goName, "View"), "Request")
	if strings.HasSuffix(goName, "Request") {
		n += "Request"
	}
	return strings.ToUpper(n[:1]) + n[1:]
}

// OperationName turns a path into the camel-case part of an operationId:
// /v1/applications/{id}/rotate/{type} → ApplicationsIdRotateType, after
// prefix is removed.
func OperationName(path, prefix string) string {
	var b strings.Builder
	for _, seg := range strings.Split(strings.TrimPrefix(path, prefix), "/") {
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

// PathParameters returns the path parameters of a path pattern such as
// /v1/status/{id}, each a required string.
func PathParameters(path string) []any {
	var params []any
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") {
			params = append(params, map[string]any{
				"name": strings.Trim(seg, "{}"), "in": "path", "required": true, "schema": map[string]any{"type": "string"},
			})
		}
	}
	return params
}

// Marshal writes doc as indented JSON.
func Marshal(doc map[string]any) ([]byte, error) { return json.MarshalIndent(doc, "", "  ") }
