package httpjson

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/otpd/otpd/internal/otp"
)

// DataHeaders are the request headers whose values otpd uses as data
// (keys, tokens, idempotency keys, origins), and so must be text.
// Other headers are read only by the HTTP machinery or not at all.
var DataHeaders = []string{"Authorization", "Idempotency-Key", "X-Api-Key", "X-Challenge-Token", "X-Cf-Turnstile-Token", "Origin"}

// RefuseBadText answers, with refuse and before next sees the request,
// a request whose path, query string, data headers or body hold a NUL
// byte or bytes that are not UTF-8. No such text is ever meaningful to
// otpd, PostgreSQL refuses to store either (a 500 deep inside a handler)
// and SQLite would keep the NUL: one check here keeps them out of every
// route and every dialect. A body is read up to maxBody bytes and handed
// on unchanged; a longer one is left to the handler's own size limit.
func RefuseBadText(next http.Handler, maxBody int64, refuse func(http.ResponseWriter, *http.Request, *otp.Error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e := checkRequestText(r, maxBody); e != nil {
			refuse(w, r, e)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// badText is the error for text that is not text: in says where (path,
// query, header, body) and field, when there is one, which name.
func badText(in, field, what string) *otp.Error {
	where := "The request path"
	switch {
	case in == "query":
		where = "Query parameter " + field
	case in == "header":
		where = "Header " + field
	case in == "body" && field == "":
		where = "The request body"
	case in == "body":
		where = "Body field " + field
	}
	return &otp.Error{Code: otp.CodeInvalidParameter, Key: "invalid_encoding", Field: field,
		Message: where + " " + what + "; only UTF-8 text without NUL characters is accepted",
		Params:  map[string]any{"in": in}}
}

// problem says what is wrong with s as text, or "" when nothing is.
func problem(s string) string {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return "holds a NUL character"
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	}
	return ""
}

func checkRequestText(r *http.Request, maxBody int64) *otp.Error {
	if p := problem(r.URL.Path); p != "" {
		return badText("path", "", p)
	}
	if e := checkQuery(r.URL.RawQuery); e != nil {
		return e
	}
	for _, name := range DataHeaders {
		for _, v := range r.Header.Values(name) {
			if p := problem(v); p != "" {
				return badText("header", name, p)
			}
		}
	}
	return checkBody(r, maxBody)
}

// checkQuery checks a query string's names and values once decoded; a
// query string that does not decode is left to the handler, which
// already refuses it in its own words.
func checkQuery(raw string) *otp.Error {
	if raw == "" {
		return nil
	}
	return checkValues("query", raw)
}

// checkValues checks the names and values of a query string or form
// body, in says which, once decoded.
func checkValues(in, raw string) *otp.Error {
	values, _ := url.ParseQuery(raw)
	for name, vs := range values {
		if p := problem(name); p != "" {
			return badText(in, strconv.QuoteToASCII(name), p)
		}
		for _, v := range vs {
			if p := problem(v); p != "" {
				return badText(in, name, p)
			}
		}
	}
	return nil
}

// checkBody reads r's body (at most maxBody bytes), puts it back, and
// checks it: raw bytes must be UTF-8 without NUL; a form's fields once
// decoded likewise; and a JSON text's strings once unescaped, since
// "\u0000" is a NUL after decoding.
func checkBody(r *http.Request, maxBody int64) *otp.Error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	head, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if int64(len(head)) > maxBody || err != nil {
		// Too long to check here, or unreadable: the handler meets the
		// same body (and the same error) and refuses it in its words.
		r.Body = readCloser{io.MultiReader(bytes.NewReader(head), errReader{err}, r.Body), r.Body}
		return nil
	}
	r.Body = heldBody{bytes.NewReader(head), r.Body, head}
	switch {
	case bytes.IndexByte(head, 0) >= 0:
		return badText("body", "", "holds a NUL character")
	case !utf8.Valid(head):
		return badText("body", "", "is not valid UTF-8")
	}
	trimmed := bytes.TrimSpace(head)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[' || trimmed[0] == '"') {
		if bytes.Contains(head, []byte(`\u0000`)) {
			return checkJSONStrings(head)
		}
		return nil
	}
	if isFormType(r.Header.Get("Content-Type")) {
		return checkValues("body", string(head))
	}
	return nil
}

func isFormType(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/x-www-form-urlencoded")
}

// checkJSONStrings walks a JSON text's tokens and names the first key or
// string value that holds a NUL once unescaped, by its path (a.b[2]).
// Malformed JSON is left to the handler's decoder.
func checkJSONStrings(body []byte) *otp.Error {
	dec := json.NewDecoder(bytes.NewReader(body))
	type level struct {
		array bool
		name  string // the object key or array index being read
		index int
		key   bool // an object expects a key next
	}
	var stack []*level
	path := func() string {
		var b strings.Builder
		for _, l := range stack {
			if l.array {
				b.WriteString("[" + strconv.Itoa(l.index) + "]")
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(l.name)
		}
		return b.String()
	}
	// value is called after each complete value inside the top level.
	value := func() {
		if n := len(stack); n > 0 {
			if top := stack[n-1]; top.array {
				top.index++
			} else {
				top.key = true
			}
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		var top *level
		if n := len(stack); n > 0 {
			top = stack[n-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, &level{key: true})
			case '[':
				stack = append(stack, &level{array: true})
			default:
				stack = stack[:len(stack)-1]
				value()
			}
		case string:
			if top != nil && !top.array && top.key {
				top.name, top.key = t, false
				if strings.IndexByte(t, 0) >= 0 {
					top.name = strconv.QuoteToASCII(t)
					return badText("body", path(), "holds a NUL character in a key")
				}
				continue
			}
			if strings.IndexByte(t, 0) >= 0 {
				return badText("body", path(), "holds a NUL character")
			}
			value()
		default:
			value()
		}
	}
}

// readCloser reads from the bytes already read and closes the original body.
type readCloser struct {
	io.Reader
	io.Closer
}

// heldBody is a request body checkBody read whole: ReadBody takes its
// bytes as they are instead of reading and copying them again.
type heldBody struct {
	*bytes.Reader
	io.Closer
	all []byte
}

// take returns the whole body and leaves nothing to read, if nothing was
// read yet and it is at most limit bytes long.
func (h heldBody) take(limit int64) ([]byte, bool) {
	if h.Len() != len(h.all) || int64(len(h.all)) > limit {
		return nil, false
	}
	h.Reset(nil)
	return h.all, true
}

// errReader returns err once the bytes before it are read, or EOF.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) {
	if e.err == nil {
		return 0, io.EOF
	}
	return 0, e.err
}
