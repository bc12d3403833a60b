package api

import (
	"net/http"

	"github.com/otpd/otpd/internal/httpjson"
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
