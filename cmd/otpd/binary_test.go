package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// built is the otpd binary the crash tests run as a real process, built
// once per test process into a directory TestMain removes.
var built struct {
	dir  string
	once sync.Once
	path string
	err  error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "otpd-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	built.dir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// otpdBinary builds otpd (once per test process: every test of a
// -count=N run shares it) and returns its path.
func otpdBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		path := filepath.Join(built.dir, "otpd")
		// The Dockerfile's flags (TestDockerfile builds with them too), so
		// that CI compiles otpd's packages once for both binaries.
		cmd := exec.Command("go", "build", "-trimpath", "-o", path, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("%v\n%s", err, out)
			return
		}
		built.path = path
	})
	if built.err != nil {
		t.Fatalf("build: %v", built.err)
	}
	return built.path
}
