package kookoo

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strings"
)

// maxBodyBytes bounds a POST body: KooKoo's parameters are a few short
// strings.
const maxBodyBytes = 16 << 10

// formValues are a request's parameters: a POST body's fields first,
// then the query string's, as PHP's $_REQUEST, which KooKoo clients may
// rely on, mixes them.
type formValues struct{ url.Values }

// httpError is a mistake of HTTP rather than of KooKoo's parameters: it
// keeps its HTTP status, with KooKoo's body.
type httpError struct {
	status  int
	message string
}

func (e *httpError) Error() string { return e.message }

// The mistakes of HTTP a request can make.
var (
	errMalformed = &httpError{http.StatusBadRequest, "Malformed Request: the query string or form body could not be read"}
	errMediaType = &httpError{http.StatusUnsupportedMediaType,
		"Unsupported Content-Type: send the parameters in the query string or as an application/x-www-form-urlencoded or multipart/form-data body"}
	errTooLarge = &httpError{http.StatusRequestEntityTooLarge, "Request Too Large: the form body must be at most 16384 bytes"}
	errMethod   = &httpError{http.StatusMethodNotAllowed, "Method Not Allowed: use GET or POST"}
)

// readForm reads the parameters of a GET query string or of a POST's
// query string and form body. A POST body of another type is refused
// rather than ignored, so a client sending JSON learns why its fields
// are not seen.
func readForm(w http.ResponseWriter, r *http.Request) (formValues, error) {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return formValues{}, errMalformed
	}
	if r.Method != http.MethodPost {
		return formValues{query}, nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	var body url.Values
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "multipart/form-data":
		err := r.ParseMultipartForm(maxBodyBytes)
		if r.MultipartForm != nil {
			body = r.MultipartForm.Value
			r.MultipartForm.RemoveAll()
		}
		if err != nil {
			return formValues{}, formError(err)
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return formValues{}, formError(err)
		}
		body = r.PostForm
	default:
		if n, _ := io.ReadFull(r.Body, make([]byte, 1)); n > 0 {
			return formValues{}, errMediaType
		}
	}
	all := url.Values{}
	for _, vs := range []url.Values{body, query} {
		for k, v := range vs {
			all[k] = append(all[k], v...)
		}
	}
	return formValues{all}, nil
}

func formError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || strings.Contains(err.Error(), "request body too large") {
		return errTooLarge
	}
	return errMalformed
}

// decode fills the string fields of the struct v points to from the
// parameters named by their json tags, without surrounding space.
func (f formValues) decode(v any) {
	rv := reflect.ValueOf(v).Elem()
	for i := range rv.NumField() {
		name, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("json"), ",")
		rv.Field(i).SetString(strings.TrimSpace(f.Get(name)))
	}
}
