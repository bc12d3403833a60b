package api

import (
	"net/http"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// readBody reads a size-limited JSON request body (httpjson.ReadBody).
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return httpjson.ReadBody(w, r, s.maxBody)
}

// decodeJSON parses body strictly into v (httpjson.Decode).
func decodeJSON(body []byte, v any, emptyOK bool) error { return httpjson.Decode(body, v, emptyOK) }

func writeJSON(w http.ResponseWriter, status int, v any) { httpjson.Write(w, status, v) }

type dataBody struct {
	Data any `json:"data"`
}

func writeData(w http.ResponseWriter, status int, v any) {
	writeJSON(w, status, dataBody{Data: v})
}

// errorWriter is a dialect that answers errors of requests refused
// before it saw them in its own error shape.
type errorWriter interface {
	WriteError(w http.ResponseWriter, r *http.Request, err error)
}

// refuseText answers a request whose text httpjson.RefuseBadText refused
// in the shape of whoever would have served it: its dialect's, else the
// native API's.
func (s *Server) refuseText(w http.ResponseWriter, r *http.Request, e *otp.Error) {
	if h, _ := s.mux.Handler(r); h != nil {
		if d, ok := h.(errorWriter); ok {
			d.WriteError(w, r, e)
			return
		}
	}
	s.writeError(w, r, e)
}
