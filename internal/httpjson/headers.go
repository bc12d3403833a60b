package httpjson

import (
	"net/http"

	"github.com/otpd/otpd/internal/otp"
)

// CodeHeadersTooLarge is the code of a request whose headers exceed
// MaxHeaderBytes.
const CodeHeadersTooLarge = "REQUEST_HEADERS_TOO_LARGE"

// MaxHeaderBytes is the most a request's line and headers may take
// (README, "The API in brief"). The server itself reads up to
// ServerMaxHeaderBytes, more, so that a request between the two is
// refused by LimitHeaders in JSON rather than by Go's plain text.
const (
	MaxHeaderBytes       = 64 << 10
	ServerMaxHeaderBytes = 1 << 20
)

// LimitHeaders answers 431 in otpd's error shape to a request whose
// request line and headers take more than limit bytes.
func LimitHeaders(limit int, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := headerBytes(r); n > limit {
			Write(w, http.StatusRequestHeaderFieldsTooLarge, NewErrorBody(r, &otp.Error{Code: CodeHeadersTooLarge, Key: "headers_too_large",
				Message: "The request's headers are too large", Params: map[string]any{"limit": limit}}))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// headerBytes is the size of r's request line and headers as sent,
// near enough: "Name: value\r\n" for each.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4 + len(r.Host) + len("Host: \r\n")
	for name, values := range r.Header {
		for _, v := range values {
			n += len(name) + len(v) + 4
		}
	}
	return n
}
