package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// envNamePattern is what a configuration variable's name looks like in
// the source: otpd's own, and OpenTelemetry's standard ones.
var envNamePattern = regexp.MustCompile(`^(OTPD|OTEL)_[A-Z0-9_]+$`)

var readEnvNames = sync.OnceValues(func() ([]string, error) {
	names := map[string]bool{}
	// Every name loadConfig asks for, however it builds the name.
	loadConfig(func(name string) string {
		names[name] = true
		return ""
	})
	// And every name written as a string literal anywhere in the
	// command's code, for variables read outside loadConfig.
	files, err := filepath.Glob("*.go")
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return nil, err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if s, err := strconv.Unquote(lit.Value); err == nil && envNamePattern.MatchString(s) {
				names[s] = true
			}
			return true
		})
	}
	out := make([]string, 0, len(names))
	for n := range names {
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
})

// otpdEnvNames returns, sorted, the environment variables otpd reads,
// found in its source so that tests of the packaging files cannot drift
// from it.
func otpdEnvNames(t *testing.T) []string {
	t.Helper()
	names, err := readEnvNames()
	if err != nil {
		t.Fatalf("read the environment variables from the source: %v", err)
	}
	if !slices.Contains(names, "OTPD_DATABASE_URL") || !slices.Contains(names, "OTPD_API_RATE_LIMIT") {
		t.Fatalf("the names found in the source, %v, miss OTPD_DATABASE_URL or OTPD_API_RATE_LIMIT: the search is broken", names)
	}
	return names
}

// checkEnvNames fails the test for every name in names that otpd does
// not read; where says where the name was found.
func checkEnvNames(t *testing.T, where string, names []string) {
	t.Helper()
	known := otpdEnvNames(t)
	for _, n := range names {
		if !slices.Contains(known, n) {
			t.Errorf("%s sets %s, which otpd does not read (it reads %s)", where, n, strings.Join(known, ", "))
		}
	}
}

// repoRoot is the repository's top directory; tests run in cmd/otpd.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod two levels up from the test: %v", err)
	}
	return root
}
