package whatsapptest

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"unicode/utf8"
)

// The checks in this file hold requests to Meta's published OpenAPI
// description of the Cloud API, as a validating proxy such as Stoplight
// Prism would: github.com/facebook/openapi, business-messaging-api_v23.0.yaml
// (Meta's own repository). The schemas a template send goes through are
// BaseMessageProperties and TemplateMessage (the body of POST
// /{Version}/{Phone-Number-ID}/messages), TemplateObject, LanguageObject,
// TemplateComponent with BodyComponent and ButtonComponent, ParameterObject
// with TextParameter and ButtonParameterObject with ButtonTextParameter, and
// the UserAgent and ContentType header parameters.
//
// One deliberate difference: the specification gives the button index the
// pattern ^[2-6, 11-14]$ — a character class matching one of "1"-"6", ","
// and " " — which refuses "0", the index of an authentication template's
// only button, and the specification's own example ('0'). The fake follows
// the field's description instead: "Position index of the button (0-9)".

// userAgentPattern is components.parameters.UserAgent's pattern.
var userAgentPattern = regexp.MustCompile(`^[a-zA-Z0-9\-_]+\/[0-9]+\.[0-9]+\.[0-9]+(;[a-zA-Z0-9\-=\.]+)?(\s+[a-zA-Z0-9\-_]+\/[0-9\-\.]+)?$`)

// buttonIndex is the button index as the specification describes it.
var buttonIndex = regexp.MustCompile(`^[0-9]$`)

// specViolation is what the fake answers for a request the specification
// refuses: Graph's code 131008 for a missing required field, 100 for any
// other invalid one, both with HTTP 400.
type specViolation struct {
	code    int
	details string
}

func missing(field string) *specViolation {
	return &specViolation{131008, fmt.Sprintf("Parameter '%s' is required.", field)}
}

func invalid(format string, a ...any) *specViolation {
	return &specViolation{100, fmt.Sprintf(format, a...)}
}

// headerViolation checks the headers every operation declares: an
// optional User-Agent in Meta's pattern and, with a body, a Content-Type
// from the ContentType parameter's enumeration.
func headerViolation(r *http.Request, hasBody bool) *specViolation {
	if ua, ok := r.Header["User-Agent"]; ok && !userAgentPattern.MatchString(ua[0]) {
		return invalid("User-Agent %q does not match %s", ua[0], userAgentPattern)
	}
	if hasBody {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if !slices.Contains([]string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}, mt) {
			return invalid("Content-Type %q is not one the API takes", r.Header.Get("Content-Type"))
		}
	}
	return nil
}

// messageViolation checks a send request's body against the
// specification's TemplateMessage schema. It returns nil for a body it
// accepts.
func messageViolation(raw []byte) *specViolation {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return invalid("The request body is not a JSON object.")
	}
	// BaseMessageProperties: required messaging_product, recipient_type, to, type.
	for _, f := range []string{"messaging_product", "recipient_type", "to", "type"} {
		if _, ok := m[f]; !ok {
			return missing(f)
		}
	}
	if v, ok := m["messaging_product"].(string); !ok || v != "whatsapp" {
		return invalid("Parameter 'messaging_product' must be \"whatsapp\".")
	}
	if v, ok := m["recipient_type"].(string); !ok || (v != "individual" && v != "group") {
		return invalid("Parameter 'recipient_type' must be one of individual, group.")
	}
	if v, ok := m["to"].(string); !ok || v == "" {
		return invalid("Parameter 'to' must be a non-empty string.")
	}
	if v, ok := m["type"].(string); !ok || v != "template" {
		// Other message types exist; the fake only knows templates, which
		// is all a business may open a conversation with.
		return nil
	}
	// TemplateMessage: required template, a TemplateObject.
	tv, ok := m["template"]
	if !ok {
		return missing("template")
	}
	t, ok := tv.(map[string]any)
	if !ok {
		return invalid("Parameter 'template' must be an object.")
	}
	if _, ok := t["name"]; !ok {
		return missing("template.name")
	}
	if v, ok := t["name"].(string); !ok || v == "" {
		return invalid("Parameter 'template.name' must be a non-empty string.")
	}
	lv, ok := t["language"]
	if !ok {
		return missing("template.language")
	}
	// LanguageObject: required policy (enum deterministic) and code.
	lang, ok := lv.(map[string]any)
	if !ok {
		return invalid("Parameter 'template.language' must be an object.")
	}
	for _, f := range []string{"policy", "code"} {
		if _, ok := lang[f]; !ok {
			return missing("template.language." + f)
		}
	}
	if v, ok := lang["policy"].(string); !ok || v != "deterministic" {
		return invalid("Parameter 'template.language.policy' must be \"deterministic\".")
	}
	if _, ok := lang["code"].(string); !ok {
		return invalid("Parameter 'template.language.code' must be a string.")
	}
	cv, ok := t["components"]
	if !ok {
		return nil
	}
	comps, ok := cv.([]any)
	if !ok {
		return invalid("Parameter 'template.components' must be an array.")
	}
	for i, c := range comps {
		if v := componentViolation(fmt.Sprintf("template.components[%d]", i), c); v != nil {
			return v
		}
	}
	return nil
}

// componentViolation checks one TemplateComponent, by its type: a
// HeaderComponent or BodyComponent (ParameterObject parameters) or a
// ButtonComponent (sub_type, index and at least one ButtonParameterObject).
func componentViolation(at string, v any) *specViolation {
	c, ok := v.(map[string]any)
	if !ok {
		return invalid("Parameter '%s' must be an object.", at)
	}
	if _, ok := c["type"]; !ok {
		return missing(at + ".type")
	}
	typ, _ := c["type"].(string)
	if !slices.Contains([]string{"header", "body", "button"}, typ) {
		return invalid("Parameter '%s.type' must be one of header, body, button.", at)
	}
	var params []any
	if pv, ok := c["parameters"]; ok {
		if params, ok = pv.([]any); !ok {
			return invalid("Parameter '%s.parameters' must be an array.", at)
		}
	}
	if typ != "button" {
		if typ == "header" && len(params) == 0 {
			return invalid("Parameter '%s.parameters' must have at least one item.", at)
		}
		for i, p := range params {
			if v := parameterViolation(fmt.Sprintf("%s.parameters[%d]", at, i), p,
				[]string{"currency", "date_time", "document", "image", "text", "video"}); v != nil {
				return v
			}
		}
		return nil
	}
	for _, f := range []string{"sub_type", "index", "parameters"} {
		if _, ok := c[f]; !ok {
			return missing(at + "." + f)
		}
	}
	if s, _ := c["sub_type"].(string); !slices.Contains([]string{"quick_reply", "url", "catalog"}, s) {
		return invalid("Parameter '%s.sub_type' must be one of quick_reply, url, catalog.", at)
	}
	if s, ok := c["index"].(string); !ok || !buttonIndex.MatchString(s) {
		return invalid("Parameter '%s.index' must be a string holding the button's position (0-9).", at)
	}
	if len(params) == 0 {
		return invalid("Parameter '%s.parameters' must have at least one item.", at)
	}
	for i, p := range params {
		if v := parameterViolation(fmt.Sprintf("%s.parameters[%d]", at, i), p, []string{"payload", "text"}); v != nil {
			return v
		}
	}
	return nil
}

// parameterViolation checks a ParameterObject or ButtonParameterObject:
// a type among types and the field that type requires. Only text and
// payload parameters are looked into; the fake's templates take no media.
func parameterViolation(at string, v any, types []string) *specViolation {
	p, ok := v.(map[string]any)
	if !ok {
		return invalid("Parameter '%s' must be an object.", at)
	}
	if _, ok := p["type"]; !ok {
		return missing(at + ".type")
	}
	typ, _ := p["type"].(string)
	if !slices.Contains(types, typ) {
		return invalid("Parameter '%s.type' must be one of %v.", at, types)
	}
	switch typ {
	case "text":
		if _, ok := p["text"]; !ok {
			return missing(at + ".text")
		}
		s, ok := p["text"].(string)
		if !ok || utf8.RuneCountInString(s) > 32768 {
			return invalid("Parameter '%s.text' must be a string of at most 32768 characters.", at)
		}
	case "payload":
		if _, ok := p["payload"].(string); !ok {
			return missing(at + ".payload")
		}
	}
	return nil
}
