package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// notRun marks a shell block the README test leaves out, with the reason,
// on the line just before the block's opening fence.
const notRun = "<!-- not run by the README test: "

// docsThatRun are the documents whose ```sh and ```bash blocks
// TestDocsRunAsWritten runs, each in one shell in the order written, as
// a reader pasting them into one terminal would: the README and every
// document in docs/.
func docsThatRun(t *testing.T) []string {
	docs, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{"../../README.md"}, docs...)
}

// shellBlock is one ```sh block of a document.
type shellBlock struct {
	line  int // of the opening fence
	lines []string
}

// shellBlocks returns a document's shell blocks that are to run, and
// fails on a block left out without a reason.
func shellBlocks(t *testing.T, doc string) []shellBlock {
	t.Helper()
	text, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(text), "\n")
	var blocks []shellBlock
	for i := 0; i < len(lines); i++ {
		fence := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(fence, "```") {
			continue
		}
		lang := strings.TrimPrefix(fence, "```")
		start := i
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
		}
		if lang != "sh" && lang != "bash" {
			continue
		}
		if marker := strings.TrimSpace(lines[max(start-1, 0)]); start > 0 && strings.HasPrefix(marker, notRun) {
			if !strings.HasSuffix(marker, "-->") || len(strings.TrimPrefix(marker, notRun)) < 10 {
				t.Errorf("%s:%d: a block left out must say why: %s", doc, start, lines[start-1])
			}
			continue
		}
		blocks = append(blocks, shellBlock{line: start + 1, lines: lines[start+1 : i]})
	}
	return blocks
}

// step is a run of commands and the answer shown after them ("# → …"),
// if any.
type step struct {
	where    string // file:line of the step's last command
	commands string
	expected string // the JSON after "# → ", with any HTTP status before it removed
}

func steps(doc string, blocks []shellBlock) []step {
	var out []step
	for _, b := range blocks {
		var cur []string
		for j, l := range b.lines {
			if want, ok := strings.CutPrefix(strings.TrimSpace(l), "# → "); ok {
				if status, rest, ok := strings.Cut(want, " "); ok && len(status) == 3 && strings.Trim(status, "0123456789") == "" {
					want = rest
				}
				out = append(out, step{where: fmt.Sprintf("%s:%d", doc, b.line+j), commands: strings.Join(cur, "\n"), expected: want})
				cur = nil
				continue
			}
			cur = append(cur, l)
		}
		if strings.TrimSpace(strings.Join(cur, "")) != "" {
			out = append(out, step{where: fmt.Sprintf("%s:%d", doc, b.line+len(b.lines)), commands: strings.Join(cur, "\n")})
		}
	}
	return out
}

// TestDocsRunAsWritten runs the README's shell examples against a fresh
// otpd (SQLite in a temporary directory, console delivery) as a reader
// would after starting it: with ADMIN set to its admin token, and only
// localhost:8080 replaced by the test server's address. Each answer shown
// as "# → {…}" must have the keys shown (and the booleans), not the same
// bytes: ids and times differ on every run.
func TestDocsRunAsWritten(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is needed to run the README's examples: %v", tool, err)
			}
			t.Skipf("%s is not installed; the README's examples need it", tool)
		}
	}
	const admin = testAdminToken
	url, logs, _ := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": admin})
	addr := strings.TrimPrefix(url, "http://")

	for _, doc := range docsThatRun(t) {
		all := steps(filepath.Base(doc), shellBlocks(t, doc))
		if len(all) == 0 {
			if filepath.Base(doc) == "README.md" {
				t.Fatalf("%s: no shell example to run", doc)
			}
			continue
		}
		var script strings.Builder
		script.WriteString("set -euo pipefail\n")
		for i, s := range all {
			cmds := strings.NewReplacer("localhost:8080", addr, "127.0.0.1:8080", addr).Replace(s.commands)
			fmt.Fprintf(&script, "%s\necho\necho '@@step %d@@'\n", cmds, i)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
		cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
		cmd.Dir = t.TempDir()
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "ADMIN=" + admin}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		cancel()
		outputs := strings.Split(string(out), "\n")
		done := 0
		var step []string
		for _, l := range outputs {
			if strings.HasPrefix(l, "@@step ") && done < len(all) {
				checkAnswer(t, all[done], step)
				done++
				step = nil
				continue
			}
			step = append(step, l)
		}
		if err != nil || done != len(all) {
			failed := all[min(done, len(all)-1)]
			t.Fatalf("%s: the example ending at %s failed (%v):\n%s\n--- its output:\n%s\n--- stderr:\n%s\n--- otpd:\n%s",
				doc, failed.where, err, failed.commands, strings.Join(step, "\n"), stderr.String(), logs)
		}
	}
}

// checkAnswer checks that a step's last JSON line has the shape shown.
func checkAnswer(t *testing.T, s step, output []string) {
	t.Helper()
	if s.expected == "" {
		return
	}
	var want any
	if err := json.Unmarshal([]byte(withoutEllipses(s.expected)), &want); err != nil {
		t.Errorf("%s: the answer shown is not JSON once its … are left out: %v\n%s", s.where, err, s.expected)
		return
	}
	for i := len(output) - 1; i >= 0; i-- {
		var got any
		if json.Unmarshal([]byte(output[i]), &got) != nil {
			continue
		}
		if missing := shapeDiff("", want, got); missing != "" {
			t.Errorf("%s: the answer lacks %s\n got: %s\nshown: %s", s.where, missing, output[i], s.expected)
		}
		return
	}
	t.Errorf("%s: no JSON answer in the output:\n%s\nshown: %s", s.where, strings.Join(output, "\n"), s.expected)
}

// withoutEllipses removes the bare … that stand for more members of an
// object or array (",…}"), keeping those inside strings ("app_…").
func withoutEllipses(s string) string {
	var b strings.Builder
	inString, escaped, dropComma := false, false, false
	for _, r := range s {
		switch {
		case inString:
			b.WriteRune(r)
			if escaped {
				escaped = false
			} else if r == '\\' {
				escaped = true
			} else if r == '"' {
				inString = false
			}
			continue
		case r == '…':
			kept := strings.TrimRight(b.String(), " ")
			if strings.HasSuffix(kept, ",") {
				b.Reset()
				b.WriteString(strings.TrimSuffix(kept, ","))
			} else {
				dropComma = true
			}
			continue
		case r == ',' && dropComma:
			dropComma = false
			continue
		case r == '"':
			inString = true
		}
		if r != ' ' {
			dropComma = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// shapeDiff names the first key (or boolean) of want that got lacks or
// differs in, "" when got has want's shape.
func shapeDiff(path string, want, got any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("an object at %q", path)
		}
		for k, v := range w {
			gv, ok := g[k]
			if !ok {
				return fmt.Sprintf("key %q", path+"."+k)
			}
			if d := shapeDiff(path+"."+k, v, gv); d != "" {
				return d
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) < len(w) {
			return fmt.Sprintf("an array of at least %d at %q", len(w), path)
		}
		for i := range w {
			if d := shapeDiff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); d != "" {
				return d
			}
		}
	case bool:
		if got != w {
			return fmt.Sprintf("%v at %q", w, path)
		}
	}
	return ""
}
