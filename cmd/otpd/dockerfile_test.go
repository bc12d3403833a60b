package main

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// imageBudget is the most the container image may weigh (issue 18), and
// distrolessStatic what its base, gcr.io/distroless/static-debian12,
// takes of it (about 2 MB unpacked; rounded up).
const (
	imageBudget      = 40_000_000
	distrolessStatic = 2_500_000
)

// dockerInstruction is one instruction of a Dockerfile: "RUN" and the
// rest of its line, continuation lines joined.
type dockerInstruction struct {
	Keyword string
	Args    string
}

// parseDockerfile reads a Dockerfile's instructions, grouped by stage.
func parseDockerfile(t *testing.T, path string) [][]dockerInstruction {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var stages [][]dockerInstruction
	var logical string
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && logical == "") {
			continue
		}
		if cont, ok := strings.CutSuffix(trimmed, `\`); ok {
			logical += cont + " "
			continue
		}
		logical += trimmed
		keyword, args, _ := strings.Cut(logical, " ")
		logical = ""
		in := dockerInstruction{Keyword: strings.ToUpper(keyword), Args: strings.TrimSpace(args)}
		if in.Keyword == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			if in.Keyword == "ARG" {
				continue // an ARG before the first FROM
			}
			t.Fatalf("%s: %s before the first FROM", path, in.Keyword)
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
	}
	return stages
}

// instructionArgs groups a stage's instructions' arguments by keyword.
func instructionArgs(stage []dockerInstruction) map[string][]string {
	found := map[string][]string{}
	for _, in := range stage {
		found[in.Keyword] = append(found[in.Keyword], in.Args)
	}
	return found
}

// stageEnv is the environment a stage's ENV instructions set, written
// NAME=value (values without spaces).
func stageEnv(stage []dockerInstruction) (map[string]string, error) {
	env := map[string]string{}
	for _, args := range instructionArgs(stage)["ENV"] {
		for _, kv := range strings.Fields(args) {
			name, value, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, fmt.Errorf("ENV %q: write NAME=value", args)
			}
			env[name] = value
		}
	}
	return env, nil
}

// shellWords splits a command line as sh would for a simple command,
// expanding $NAME and ${NAME} from vars outside single quotes. It refuses
// what would need a real shell (operators, unknown variables), so that a
// Dockerfile the test cannot mimic fails instead of being misread.
func shellWords(line string, vars map[string]string) ([]string, error) {
	var words []string
	var word strings.Builder
	inWord := false
	expand := func(i int) (int, error) {
		rest := line[i+1:]
		var name string
		if strings.HasPrefix(rest, "{") {
			end := strings.Index(rest, "}")
			if end < 0 {
				return 0, fmt.Errorf("unclosed ${ in %q", line)
			}
			name = rest[1:end]
			i += end + 1
		} else {
			name = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*`).FindString(rest)
			i += len(name)
		}
		v, ok := vars[name]
		if !ok {
			return 0, fmt.Errorf("$%s is not an ARG the test knows", name)
		}
		word.WriteString(v)
		return i, nil
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		case c == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unclosed ' in %q", line)
			}
			word.WriteString(line[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			inWord = true
			for i++; ; i++ {
				if i >= len(line) {
					return nil, fmt.Errorf(`unclosed " in %q`, line)
				}
				if line[i] == '"' {
					break
				}
				var err error
				switch {
				case line[i] == '\\' && i+1 < len(line) && strings.IndexByte(`"\$`, line[i+1]) >= 0:
					i++
					word.WriteByte(line[i])
				case line[i] == '$':
					i, err = expand(i)
				default:
					word.WriteByte(line[i])
				}
				if err != nil {
					return nil, err
				}
			}
		case c == '$':
			var err error
			if i, err = expand(i); err != nil {
				return nil, err
			}
			inWord = true
		case strings.IndexByte(";&|<>()`\\", c) >= 0:
			return nil, fmt.Errorf("%q needs a shell (%q): keep the go build alone on its RUN line", line, c)
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, word.String())
	}
	return words, nil
}

// isOtpdCommand tells whether name is one of otpd's commands, as its
// usage text lists them.
func isOtpdCommand(name string) bool {
	return strings.Contains(usage, "\n  otpd "+name+" ")
}

// TestDockerfile checks the image's Dockerfile without Docker, which
// cannot run here: it runs the build stage's `go build` line as written,
// checks that the binary is static, runs, and leaves room for the base
// image within the 40 MB budget, and checks the final stage's settings.
func TestDockerfile(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	stages := parseDockerfile(t, filepath.Join(root, "Dockerfile"))
	if len(stages) != 2 {
		t.Fatalf("the Dockerfile has %d stages, want 2: build and run", len(stages))
	}
	build, final := stages[0], stages[1]

	if from := build[0].Args; !regexp.MustCompile(`^golang:1\.26(\.\d+)?-bookworm AS build$`).MatchString(from) {
		t.Errorf("build stage FROM %q, want golang:1.26-bookworm AS build (go.mod's Go, a tag without a digest)", from)
	}
	// The ARGs of the build stage, with the value a release would give.
	const stamped = "v0.0.0-dockerfile-test"
	vars := map[string]string{}
	var buildLine string
	for _, in := range build {
		switch in.Keyword {
		case "ARG":
			name, def, _ := strings.Cut(in.Args, "=")
			vars[name] = def
		case "RUN":
			if strings.Contains(in.Args, "go build") {
				buildLine = in.Args
			}
		}
	}
	if _, ok := vars["VERSION"]; !ok {
		t.Fatal("the build stage has no ARG VERSION to stamp the version with")
	}
	vars["VERSION"] = stamped
	words, err := shellWords(buildLine, vars)
	if err != nil {
		t.Fatal(err)
	}
	// NAME=value words before the command are its environment.
	var env []string
	for len(words) > 0 && regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`).MatchString(words[0]) {
		env = append(env, words[0])
		words = words[1:]
	}
	if len(words) < 2 || words[0] != "go" || words[1] != "build" {
		t.Fatalf("no `go build` command in the build stage (found %q)", buildLine)
	}
	args := words[1:]
	if !slices.Contains(env, "CGO_ENABLED=0") {
		t.Errorf("go build runs with %v, want CGO_ENABLED=0 for a static binary", env)
	}
	if !slices.Contains(args, "-trimpath") {
		t.Errorf("go build %v: want -trimpath", args)
	}
	ldflags := ""
	if i := slices.Index(args, "-ldflags"); i >= 0 && i+1 < len(args) {
		ldflags = args[i+1]
	}
	for _, f := range []string{"-s", "-w", "-X github.com/otpd/otpd/internal/version.version=" + stamped} {
		if !strings.Contains(" "+ldflags+" ", " "+f+" ") {
			t.Errorf("go build -ldflags %q: want %s", ldflags, f)
		}
	}
	out := slices.Index(args, "-o")
	if out < 0 || out+1 >= len(args) {
		t.Fatalf("go build %v: want -o naming the binary", args)
	}
	inImage := args[out+1]

	// The build, as written, into a temporary directory.
	bin := filepath.Join(t.TempDir(), "otpd")
	args[out+1] = bin
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	checkStatic(t, bin)
	got, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || strings.TrimSpace(string(got)) != "otpd "+stamped {
		t.Errorf("%s version = %q, %v; want %q", bin, got, err, "otpd "+stamped)
	}
	fi, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the image's binary: %.1f MB", float64(fi.Size())/1e6)
	if fi.Size() > imageBudget-distrolessStatic {
		t.Errorf("the binary is %d bytes: with the base image (%d) the image would exceed %d", fi.Size(), distrolessStatic, imageBudget)
	}

	checkFinalStage(t, final, inImage)
}

// staticProblems says why the ELF file at path would not run in an image
// without a libc: a dynamic loader or shared libraries it asks for.
func staticProblems(path string) ([]string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var problems []string
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			problems = append(problems, fmt.Sprintf("a %s program header", p.Type))
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		return nil, err
	}
	for _, l := range libs {
		problems = append(problems, "needs "+l)
	}
	return problems, nil
}

func checkStatic(t *testing.T, path string) {
	t.Helper()
	problems, err := staticProblems(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("%s is not static: %s", path, strings.Join(problems, "; "))
	}
}

// TestStaticProblemsOfADynamicBinary shows staticProblems can fail: the
// system's shell is dynamically linked.
func TestStaticProblemsOfADynamicBinary(t *testing.T) {
	problems, err := staticProblems("/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(problems, func(p string) bool { return strings.HasPrefix(p, "needs libc.so") }) {
		t.Errorf("staticProblems(/bin/sh) = %q, want it to need libc.so", problems)
	}
}

// checkFinalStage checks the image that runs: a base without a shell, a
// non-root user, the binary built by the first stage, otpd's own
// variables, and commands otpd has.
func checkFinalStage(t *testing.T, final []dockerInstruction, built string) {
	t.Helper()
	found := instructionArgs(final)
	for _, run := range found["RUN"] {
		t.Errorf("the final stage runs %q: the image has no shell to run it with", run)
	}
	env, err := stageEnv(final)
	if err != nil {
		t.Fatal(err)
	}
	one := func(keyword string) string {
		if len(found[keyword]) != 1 {
			t.Errorf("the final stage has %d %s instructions, want 1", len(found[keyword]), keyword)
			return ""
		}
		return found[keyword][0]
	}
	if from := one("FROM"); !strings.HasPrefix(from, "gcr.io/distroless/static-debian12") && from != "scratch" {
		t.Errorf("final stage FROM %q, want gcr.io/distroless/static-debian12 or scratch", from)
	}
	if user := one("USER"); user == "" || user == "root" || user == "0" || strings.HasPrefix(user, "0:") || strings.HasPrefix(user, "root:") {
		t.Errorf("USER %q, want a non-root user", user)
	}
	if copy := found["COPY"]; len(copy) == 0 || copy[0] != "--from=build "+built+" /otpd" {
		t.Errorf("COPY %v, want the first to be --from=build %s /otpd", copy, built)
	}
	if got := one("ENTRYPOINT"); got != `["/otpd"]` {
		t.Errorf(`ENTRYPOINT %s, want ["/otpd"]`, got)
	}
	if got := one("CMD"); got != `["serve"]` || !isOtpdCommand("serve") {
		t.Errorf(`CMD %s, want ["serve"], an otpd command`, got)
	}
	if got := one("HEALTHCHECK"); !strings.HasSuffix(got, `CMD ["/otpd", "health"]`) || !isOtpdCommand("health") {
		t.Errorf(`HEALTHCHECK %s, want CMD ["/otpd", "health"], an otpd command`, got)
	}
	var names []string
	for name := range env {
		names = append(names, name)
	}
	slices.Sort(names)
	checkEnvNames(t, "the Dockerfile's ENV", names)
	cfg, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("the Dockerfile's ENV: %v", err)
	}
	if _, port, _ := strings.Cut(cfg.Addr, ":"); cfg.Addr != ":"+port || one("EXPOSE") != port {
		t.Errorf("OTPD_ADDR %q and EXPOSE %q: want otpd on every interface, on the exposed port", cfg.Addr, one("EXPOSE"))
	}
	if got := one("VOLUME"); got != cfg.DataDir {
		t.Errorf("VOLUME %q, want OTPD_DATA_DIR %q", got, cfg.DataDir)
	}
}
