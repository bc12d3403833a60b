package kotp

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/otpd/otpd/internal/httpjson"
)

// decodeBody reads r's JSON body strictly into v and returns the body's
// scalar field values, which error answers show as details.value.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) (map[string]any, error) {
	body, err := httpjson.ReadBody(w, r, maxBody)
	if err != nil {
		return nil, err
	}
	values := scalarFields(body)
	return values, withValues(httpjson.Decode(body, v, false), values)
}

// scalarFields returns the string, number and boolean fields of a JSON
// object, nil if body is not one. A code is left out: what a person typed
// as a code is not echoed, right or wrong.
func scalarFields(body []byte) map[string]any {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return nil
	}
	out := map[string]any{}
	for k, raw := range fields {
		if k == "code" {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			continue
		}
		switch v.(type) {
		case string, json.Number, bool:
			out[k] = v
		}
	}
	return out
}
