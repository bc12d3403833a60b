package httpjson

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCheckBodyText: a JSON body the check lets through decodes to no
// string, key or value, holding a NUL or an invalid byte, and a body it
// refuses is one that does.
func FuzzCheckBodyText(f *testing.F) {
	for _, seed := range []string{
		`{"a":"b"}`, `{"a\u0000":1}`, `[1,{"b":["\u0000"]}]`, `"\u0000"`, `{"a":"\\u0000"}`,
		"{\"a\":\"\xff\"}", `{"a":{"b":[{"c":"\u0000"}]}}`, `{"a":`, "\x00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		refused := checkBody(req, 1<<20) != nil
		var v any
		if json.Unmarshal([]byte(body), &v) != nil {
			return
		}
		bad := !utf8.ValidString(body) || holdsNUL(v)
		if refused != bad {
			t.Fatalf("%q: refused %v, holds bad text %v", body, refused, bad)
		}
	})
}

func holdsNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.IndexByte(v, 0) >= 0
	case []any:
		for _, e := range v {
			if holdsNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if strings.IndexByte(k, 0) >= 0 || holdsNUL(e) {
				return true
			}
		}
	}
	return false
}
