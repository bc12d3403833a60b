package client_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADMEExampleCompiles builds the Go program of the README's
// "Go client" section against this module, so that the README cannot
// show a call the client no longer has.
func TestREADMEExampleCompiles(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Go client\n")
	if !ok {
		t.Fatal(`README.md has no "## Go client" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	_, program, ok := strings.Cut(section, "```go\n")
	program, _, closed := strings.Cut(program, "```")
	if !ok || !closed || !strings.HasPrefix(program, "package main") {
		t.Fatal(`the README's "Go client" section has no complete package main in a go block`)
	}
	gotool, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the go command is not on PATH under CI")
		}
		t.Skip("the go command is not on PATH")
	}
	main := filepath.Join(t.TempDir(), "main.go")
	if err := os.WriteFile(main, []byte(program), 0o644); err != nil {
		t.Fatal(err)
	}
	// Run from the module's root, so that the import resolves to this
	// working tree's client package.
	cmd := exec.Command(gotool, "build", "-o", os.DevNull, main)
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("the README's Go client example does not build: %v\n%s", err, out)
	}
}
