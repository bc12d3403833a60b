package console

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"
)

func serve(t *testing.T, target string) *http.Response {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/console/", Handler("/console/"))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), "GET", target, nil))
	return rec.Result()
}

// embedded returns every embedded file path under static/, without the prefix.
func embedded(t *testing.T) []string {
	t.Helper()
	var files []string
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, strings.TrimPrefix(p, "static/"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(static, "static/"+name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestConsoleServesEveryFileWithSecurityHeaders(t *testing.T) {
	wantType := map[string]string{
		".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml",
	}
	targets := []string{"/console/"}
	for _, f := range embedded(t) {
		if f != "index.html" { // /console/index.html redirects to /console/
			targets = append(targets, "/console/"+f)
		}
	}
	for _, target := range targets {
		t.Run(target, func(t *testing.T) {
			res := serve(t, target)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d, want 200", target, res.StatusCode)
			}
			checkSecurityHeaders(t, res)
			ext := path.Ext(target)
			if ext == "" {
				ext = ".html"
			}
			if got, want := res.Header.Get("Content-Type"), wantType[ext]; want == "" || !strings.HasPrefix(got, want) {
				t.Errorf("Content-Type = %q, want %q (nosniff makes browsers trust it)", got, want)
			}
		})
	}
}

func checkSecurityHeaders(t *testing.T, res *http.Response) {
	t.Helper()
	for name, want := range map[string]string{
		"X-Frame-Options":        "DENY",
		"X-Content-Type-Options": "nosniff",
	} {
		if got := res.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, directive := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, directive) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, directive)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("Content-Security-Policy %q allows inline code", csp)
	}
}

func TestConsoleUnknownAssetIsNotFound(t *testing.T) {
	for _, target := range []string{"/console/nope.js", "/console/js/pages/nope.js", "/console/console.go", "/console/static/console.css"} {
		res := serve(t, target)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", target, res.StatusCode)
		}
		checkSecurityHeaders(t, res)
	}
}

func TestConsoleIndexServesTheApp(t *testing.T) {
	res := serve(t, "/console/")
	body, _ := io.ReadAll(res.Body)
	for _, want := range []string{`<script type="module" src="js/main.js"></script>`, `<link rel="stylesheet" href="console.css">`, `role="status"`, `aria-live="polite"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
}

var (
	attrRef    = regexp.MustCompile(`\b(?:src|href)="([^"]*)"`)
	importRef  = regexp.MustCompile(`(?m)^\s*(?:import|export)\b[^'";]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'`)
	scriptTag  = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`)
	styleAttr  = regexp.MustCompile(`(?i)<[^>]*\sstyle\s*=`)
	inlineOnX  = regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`)
	styleBlock = regexp.MustCompile(`(?i)<style\b`)
)

// TestConsoleReferencedFilesExist follows index.html's src and href attributes and
// every module's imports: each must name an embedded file.
func TestConsoleReferencedFilesExist(t *testing.T) {
	have := map[string]bool{}
	for _, f := range embedded(t) {
		have[f] = true
	}
	refs := 0
	for _, m := range attrRef.FindAllStringSubmatch(read(t, "index.html"), -1) {
		ref := m[1]
		if strings.HasPrefix(ref, "#") {
			continue // in-page and hash-route links
		}
		if strings.Contains(ref, "//") || strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "data:") {
			t.Errorf("index.html refers to %q: the console loads only its own relative files", ref)
			continue
		}
		refs++
		if !have[ref] {
			t.Errorf("index.html refers to %q, which is not embedded", ref)
		}
	}
	for f := range have {
		if path.Ext(f) != ".js" {
			continue
		}
		for _, m := range importRef.FindAllStringSubmatch(read(t, f), -1) {
			ref := m[1] + m[2]
			refs++
			if !strings.HasPrefix(ref, "./") && !strings.HasPrefix(ref, "../") {
				t.Errorf("%s imports %q: only relative imports of embedded modules", f, ref)
				continue
			}
			if target := path.Join(path.Dir(f), ref); !have[target] {
				t.Errorf("%s imports %q (%s), which is not embedded", f, ref, target)
			}
		}
	}
	if refs < 10 {
		t.Errorf("found %d references, want the stylesheet, the icon, main.js and the modules' imports", refs)
	}
}

// TestConsoleNoInlineCodeOrStyle keeps the pages within the CSP: no inline script
// bodies, style attributes, <style> blocks or on* handler attributes in
// HTML, and no HTML parsing or style attributes from the scripts.
func TestConsoleNoInlineCodeOrStyle(t *testing.T) {
	forbiddenJS := regexp.MustCompile(`\.(?:inner|outer)HTML\b|insertAdjacentHTML|document\.write|setAttribute\(\s*['"]style|\.style\b|\beval\(|\bnew Function\b|localStorage\.|document\.cookie`)
	for _, f := range embedded(t) {
		text := read(t, f)
		switch path.Ext(f) {
		case ".html":
			for _, m := range scriptTag.FindAllStringSubmatch(text, -1) {
				if strings.TrimSpace(m[2]) != "" {
					t.Errorf("%s has an inline <script> body: %.60q", f, m[2])
				}
				if !strings.Contains(m[1], "src=") {
					t.Errorf("%s has a <script> without src", f)
				}
			}
			for _, re := range []*regexp.Regexp{styleAttr, inlineOnX, styleBlock} {
				if loc := re.FindString(text); loc != "" {
					t.Errorf("%s has inline style or code: %.80q", f, loc)
				}
			}
		case ".js":
			for _, bad := range forbiddenJS.FindAllString(text, -1) {
				t.Errorf("%s uses %q: values go into the DOM as text, styles come from console.css, and the token lives in sessionStorage only", f, bad)
			}
		}
	}
}

// TestConsoleNotFoundIsJSON: a path under /console/ that is no file of
// the console (a directory included) is the native API's JSON 404, not
// Go's plain text or a directory listing; the root still serves the app.
func TestConsoleNotFoundIsJSON(t *testing.T) {
	for _, target := range []string{"/console/nope", "/console/js/", "/console/js/pages/", "/console/api/v1/x"} {
		res := serve(t, target)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusNotFound || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") ||
			!strings.Contains(string(body), `{"error":{"code":"NOT_FOUND"`) {
			t.Errorf("GET %s = %d %s %s, want a JSON 404 with code NOT_FOUND", target, res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	}
	if res := serve(t, "/console/"); res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("GET /console/ = %d %s, want the app's index.html", res.StatusCode, res.Header.Get("Content-Type"))
	}
}
