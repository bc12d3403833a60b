// Package telegramtest holds in-process fakes of the two Telegram APIs
// otpd delivers through, for tests.
//
// GatewayServer fakes the Telegram Gateway API
// (https://core.telegram.org/gateway/api): its four methods, bearer or
// access_token authentication, parameters as a query string, a form or
// JSON, the {"ok": false, "error": "…"} answers, and delivery reports
// signed with X-Request-Timestamp and X-Request-Signature.
//
// BotServer fakes the Telegram Bot API (https://core.telegram.org/bots/api)
// as far as sendMessage and getMe: the token in the path, private chats
// that exist or have blocked the bot, and the {"ok": false, "error_code":
// …, "description": …, "parameters": {"retry_after": …}} answers.
//
// Both can be scripted to fail: any documented error, 429, 5xx, slow
// answers and malformed bodies. They are written from Telegram's
// documentation, independently of the provider package, so that tests of
// one check the other.
package telegramtest

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// params reads a request's parameters the three ways both APIs accept
// them: the query string, and a form or JSON body. JSON numbers and
// booleans are kept in their JSON spelling ("300", "true"). With an
// unreadable body it returns the query string's parameters and an error.
func params(r *http.Request, body []byte) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range r.URL.Query() {
		out[k] = v[0]
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return out, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			return out, fmt.Errorf("the body is not a JSON object: %w", err)
		}
		for k, v := range m {
			switch v := v.(type) {
			case string:
				out[k] = v
			case json.Number:
				out[k] = v.String()
			default:
				b, _ := json.Marshal(v)
				out[k] = string(b)
			}
		}
	case "application/x-www-form-urlencoded":
		f, err := url.ParseQuery(string(body))
		if err != nil {
			return out, fmt.Errorf("the body is not a form: %w", err)
		}
		for k, v := range f {
			out[k] = v[0]
		}
	default:
		return out, fmt.Errorf("unsupported content type %q", ct)
	}
	return out, nil
}

// readBody reads the whole body before anything else: net/http notices
// that a client gave up (and cancels r.Context) only once the body is
// consumed, and a slow answer must end when the client's timeout does.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return nil, false
	}
	return body, true
}

// wait sleeps for d or until the client gives up; false means it gave up.
func wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeRaw(w http.ResponseWriter, status int, contentType, body string) {
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.WriteHeader(status)
	io.WriteString(w, body)
}

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

// randomToken returns n characters of the URL-safe alphabet tokens use.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	var s strings.Builder
	for _, c := range b {
		s.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return s.String()
}
