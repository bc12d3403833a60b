package api

import "net/http"

// Dialect is a wire dialect served beside the native API: another
// service's API (K-OTP, Cobinar, KooKoo, kod.mobi) spoken over the same
// otp.Service, so that its clients work against otpd by changing only
// their base URL. The API mounts each dialect's patterns on its own mux,
// so the server in cmd/otpd and every test serve the same routes.
type Dialect interface {
	http.Handler
	// Name is the dialect's short name, e.g. "kotp". Its OpenAPI document
	// is at /openapi/{name}.json, which it serves itself.
	Name() string
	// Title says what the dialect speaks, e.g. "K-OTP API".
	Title() string
	// Patterns are the http.ServeMux patterns the dialect answers,
	// /openapi/{name}.json among them. A pattern that would overlap one of
	// the native API's names its method (POST /v1/otp/send beside
	// GET /v1/otp/{id}); others are bare paths, so the dialect answers a
	// wrong method in its own error shape.
	Patterns() []string
}

// dialectLink is a dialect as /openapi.json lists it.
type dialectLink struct {
	Name    string `json:"name"`
	Title   string `json:"title"`
	OpenAPI string `json:"openapi"`
}

func dialectLinks(ds []Dialect) []dialectLink {
	links := make([]dialectLink, 0, len(ds))
	for _, d := range ds {
		links = append(links, dialectLink{Name: d.Name(), Title: d.Title(), OpenAPI: "/openapi/" + d.Name() + ".json"})
	}
	return links
}
