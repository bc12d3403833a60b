package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Extract says where a value sits in a gateway's answer: at a JSON path,
// or in the one capture group of a regular expression over the raw body.
// Exactly one of the two is set.
type Extract struct {
	// JSONPath is a dot-separated path into a JSON answer: object keys,
	// and array indexes as numbers, e.g. "data.id" or
	// "messages.0.message-id". Keys that contain a dot cannot be named.
	JSONPath string `yaml:"json_path"`
	// Regex is an RE2 expression with exactly one capture group, matched
	// against the raw body (JSON or text), e.g. `id=([A-Za-z0-9-]+)`.
	Regex string `yaml:"regex"`
}

func (e Extract) isZero() bool { return e.JSONPath == "" && e.Regex == "" }

// StringList is a list of strings that the yaml file may also write as a
// single value: `equals: success` or `equals: [success, queued]`.
type StringList []string

// UnmarshalYAML accepts a scalar or a sequence of scalars.
func (l *StringList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			*l = nil
			return nil
		}
		*l = StringList{n.Value}
		return nil
	case yaml.SequenceNode:
		var s []string
		if err := n.Decode(&s); err != nil {
			return err
		}
		*l = s
		return nil
	}
	return errors.New("want a string or a list of strings")
}

// jsonPath is a parsed Extract.JSONPath.
type jsonPath []string

func parseJSONPath(s string) (jsonPath, error) {
	if s == "" {
		return nil, errors.New("is empty")
	}
	p := jsonPath(strings.Split(s, "."))
	for _, seg := range p {
		if seg == "" {
			return nil, fmt.Errorf("%q has an empty segment: write keys separated by single dots, such as data.id", s)
		}
	}
	return p, nil
}

func (p jsonPath) String() string { return strings.Join(p, ".") }

// errNotFound is an answer without the value an extractor looks for.
var errNotFound = errors.New("not found")

// lookup finds the scalar at p in a document decoded by decodeJSON and
// returns it as text: strings as they are, numbers as written, booleans
// as true or false. A null, a missing key, an index out of range, an
// object or an array wrap errNotFound.
func (p jsonPath) lookup(doc any) (string, error) {
	v := doc
	for i, seg := range p {
		switch node := v.(type) {
		case map[string]any:
			next, ok := node[seg]
			if !ok {
				return "", fmt.Errorf("%s: %w", p[:i+1], errNotFound)
			}
			v = next
		case []any:
			n, err := strconv.Atoi(seg)
			if err != nil || n < 0 || n >= len(node) {
				return "", fmt.Errorf("%s: %w", p[:i+1], errNotFound)
			}
			v = node[n]
		default:
			return "", fmt.Errorf("%s: %w", p[:i+1], errNotFound)
		}
	}
	switch s := v.(type) {
	case string:
		return s, nil
	case json.Number:
		return s.String(), nil
	case bool:
		return strconv.FormatBool(s), nil
	case nil:
		return "", fmt.Errorf("%s is null: %w", p, errNotFound)
	}
	return "", fmt.Errorf("%s is an object or array, not a value: %w", p, errNotFound)
}

// decodeJSON decodes one JSON document, keeping numbers as written so
// that long ids do not lose digits to float64.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errors.New("the body is not JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("the body has data after its JSON value")
	}
	return v, nil
}

// answer is a gateway's HTTP answer, with its body decoded as JSON on
// first use.
type answer struct {
	status int
	header http.Header
	body   []byte

	decoded bool
	doc     any
	docErr  error
}

func (a *answer) json() (any, error) {
	if !a.decoded {
		a.doc, a.docErr = decodeJSON(a.body)
		a.decoded = true
	}
	return a.doc, a.docErr
}

// extractor is a compiled Extract; the zero value extracts nothing.
type extractor struct {
	path jsonPath
	re   *regexp.Regexp
}

func newExtractor(e Extract) (extractor, error) {
	switch {
	case e.JSONPath != "" && e.Regex != "":
		return extractor{}, errors.New("set json_path or regex, not both")
	case e.JSONPath != "":
		p, err := parseJSONPath(e.JSONPath)
		if err != nil {
			return extractor{}, fmt.Errorf("json_path %w", err)
		}
		return extractor{path: p}, nil
	case e.Regex != "":
		re, err := regexp.Compile(e.Regex)
		if err != nil {
			return extractor{}, fmt.Errorf("regex: %w", err)
		}
		if re.NumSubexp() != 1 {
			return extractor{}, fmt.Errorf("regex must have exactly one capture group, it has %d", re.NumSubexp())
		}
		return extractor{re: re}, nil
	}
	return extractor{}, nil
}

func (x extractor) configured() bool { return x.path != nil || x.re != nil }

// extract returns the value x finds in a, or an error saying why there is
// none: the body is not JSON, the path leads nowhere, the regex does not
// match or its group is empty. Errors never quote the body.
func (x extractor) extract(a *answer) (string, error) {
	switch {
	case x.path != nil:
		doc, err := a.json()
		if err != nil {
			return "", err
		}
		return x.path.lookup(doc)
	case x.re != nil:
		m := x.re.FindSubmatch(a.body)
		if m == nil || len(m[1]) == 0 {
			return "", fmt.Errorf("regex %s: %w", x.re, errNotFound)
		}
		return string(m[1]), nil
	}
	return "", errNotFound
}
