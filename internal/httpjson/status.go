package httpjson

import "net/http"

// StatusWriter notes the status a handler answers with, for the code
// around it that acts on the status after serving: the audit log, the
// request's span.
type StatusWriter struct {
	http.ResponseWriter
	Status int // 0 until the handler answers
}

func (w *StatusWriter) WriteHeader(code int) {
	if w.Status == 0 && code >= 200 { // 1xx answers come before the real one
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *StatusWriter) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the server's writer (flush,
// deadlines).
func (w *StatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
