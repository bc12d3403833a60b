package api

import (
	"reflect"
	"strings"
	"testing"
)

// secretFields are the JSON names of answer fields that hold a secret or
// a code in full.
var secretFields = map[string]bool{
	"token": true, "apiKey": true, "clientSecret": true, "webhookSecret": true,
	"previousWebhookSecret": true, "key": true, "value": true, "code": true,
}

// notSecret are fields of those names that hold no secret, as
// type.jsonName.
var notSecret = map[string]bool{
	"breakdownView.key": true, // a channel or a country
}

// A route whose answer holds a secret is marked secret (and so sent with
// Cache-Control: no-store): a new route cannot forget it unnoticed.
func TestRoutesAnsweringSecretsAreMarked(t *testing.T) {
	s := &Server{}
	for _, rt := range s.routes() {
		if rt.response == nil {
			continue
		}
		field := secretField(reflect.TypeOf(rt.response), map[reflect.Type]bool{})
		if field != "" && !rt.secret {
			t.Errorf("%s %s answers %q but is not marked secret", rt.method, rt.path, field)
		}
		if field == "" && rt.secret {
			t.Errorf("%s %s is marked secret but its answer has no secret field: add it to secretFields", rt.method, rt.path)
		}
	}
}

// secretField returns the JSON name of the first field of t (or of a
// struct within it) that holds a secret, or "".
func secretField(t reflect.Type, seen map[reflect.Type]bool) string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return ""
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Tag.Get("writeOnly") == "true" {
			continue // never in an answer
		}
		if secretFields[name] && f.Type.Kind() == reflect.String && !notSecret[t.Name()+"."+name] {
			return t.Name() + "." + name
		}
		if s := secretField(f.Type, seen); s != "" {
			return s
		}
	}
	return ""
}
