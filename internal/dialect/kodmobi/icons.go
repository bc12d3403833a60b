package kodmobi

import (
	"embed"
	"net/http"
	"strings"

	"github.com/otpd/otpd/internal/otp"
)

// icons are the channels' icons, drawn for otpd (plain shapes, no
// vendor's artwork), so that image_url never points at another host.
//
//go:embed icons/*.svg
var icons embed.FS

// iconPrefix is where the icons are served.
const iconPrefix = "/static/channels/"

// serveIcon answers GET /static/channels/{channel}.svg.
func serveIcon(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, iconPrefix)
	b, err := icons.ReadFile("icons/" + name)
	if err != nil || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Cache-Control", "public, max-age=86400")
	// An SVG opened on its own is a document: it may run nothing.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	w.Write(b)
}

// iconURL is the absolute URL of a channel's icon on the host the request
// came to: a page on another site shows it from there. A proxy in front
// of otpd that ends TLS tells otpd so with X-Forwarded-Proto.
func iconURL(r *http.Request, c otp.Channel) string {
	return selfOrigin(r) + iconPrefix + string(c) + ".svg"
}

// selfOrigin is the origin of otpd as the request reached it.
func selfOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
