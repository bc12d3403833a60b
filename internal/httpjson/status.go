package httpjson

import "net/http"

// StatusRecorder is a ResponseWriter that remembers the status its
// handler answered with: 0 until the handler writes, 200 when it writes
// a body without a status. The audit log and the request metrics read it.
type StatusRecorder struct {
	http.ResponseWriter
	Status int
}

func (s *StatusRecorder) WriteHeader(code int) {
	if s.Status == 0 && code >= 200 { // 1xx answers are not the final status
		s.Status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *StatusRecorder) Write(b []byte) (int, error) {
	if s.Status == 0 {
		s.Status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the server's writer
// (flushes, deadlines).
func (s *StatusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Flush passes flushes on, for handlers that type-assert http.Flusher.
func (s *StatusRecorder) Flush() {
	if s.Status == 0 {
		s.Status = http.StatusOK
	}
	http.NewResponseController(s.ResponseWriter).Flush()
}
