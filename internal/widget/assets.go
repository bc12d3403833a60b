package widget

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"path"
	"time"
)

// static holds the script, its styles and the page's icon; the script is
// the same file for the hosted page and for sites that embed the flow.
//
//go:embed static/otpd.js static/otpd.css static/otpd.svg
var static embed.FS

// assetPrefix is where the assets are served.
const assetPrefix = "/static/"

// asset is one embedded file, served with a validator so that browsers
// revalidate it cheaply and pick up a new version at once.
type asset struct {
	name, contentType, etag string
	body                    []byte
}

// contentTypes are the assets' types, fixed rather than read from the
// system's MIME database, which differs between machines.
var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
}

// loadAssets reads the embedded files.
func loadAssets() map[string]asset {
	entries, err := static.ReadDir("static")
	if err != nil {
		panic("widget: embedded assets: " + err.Error()) // fixed at build time
	}
	out := map[string]asset{}
	for _, e := range entries {
		b, err := static.ReadFile("static/" + e.Name())
		if err != nil {
			panic("widget: embedded assets: " + err.Error())
		}
		sum := sha256.Sum256(b)
		out[e.Name()] = asset{name: e.Name(), contentType: contentTypes[path.Ext(e.Name())],
			etag: `"` + hex.EncodeToString(sum[:12]) + `"`, body: b}
	}
	return out
}

// ServeHTTP serves the file. Other sites load the script and its styles,
// so any origin may (CORS, for pages that add integrity or crossorigin,
// and CORP, for pages isolated with COEP).
func (a asset) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	if path.Ext(a.name) == ".svg" {
		// An SVG opened on its own is a document: it may run nothing.
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	}
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.body))
}
