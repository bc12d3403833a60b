package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/otpd/otpd/internal/otp"
)

// composeFile is the part of compose.yaml the test reads.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Build       string            `yaml:"build"`
	Image       string            `yaml:"image"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	Volumes     []string          `yaml:"volumes"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

// composeVar is compose's interpolation: ${NAME}, ${NAME:-default},
// ${NAME:?error}.
var composeVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?)([^}]*))?\}`)

// interpolate replaces compose's variables in s with env's values, or
// their defaults; a required variable env lacks is an error.
func interpolate(s string, env map[string]string) (string, error) {
	var err error
	out := composeVar.ReplaceAllStringFunc(s, func(ref string) string {
		m := composeVar.FindStringSubmatch(ref)
		if v := env[m[1]]; v != "" {
			return v
		}
		if m[2] == ":?" && err == nil {
			err = fmt.Errorf("%s is required: %s", m[1], m[3])
		}
		return m[3]
	})
	return out, err
}

// TestComposeFile checks compose.yaml against otpd and its Dockerfile:
// the variables it sets are ones otpd reads, the URLs name the services
// and their credentials, each dependency is awaited healthy, and the
// data volume is where the image keeps its data.
func TestComposeFile(t *testing.T) {
	root := repoRoot(t)
	raw, err := os.ReadFile(filepath.Join(root, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	if err := yaml.Unmarshal(raw, &cf); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	otpd, ok := cf.Services["otpd"]
	if !ok {
		t.Fatal("compose.yaml has no otpd service")
	}
	if otpd.Build != "." {
		t.Errorf("otpd's build is %q, want . (the Dockerfile at the root)", otpd.Build)
	}

	var names []string
	for name := range otpd.Environment {
		names = append(names, name)
	}
	slices.Sort(names)
	checkEnvNames(t, "compose.yaml's otpd service", names)

	// What otpd sees once compose has filled in the variables: the server
	// key is required, the rest have defaults.
	key := otp.GenerateServerKey()
	if _, err := interpolate(otpd.Environment["OTPD_SECRET_KEY"], nil); err == nil {
		t.Error("OTPD_SECRET_KEY has a default in compose.yaml; want it required (${OTPD_SECRET_KEY:?...}), never shared by every copy of the file")
	}
	env := map[string]string{}
	for name, v := range otpd.Environment {
		if env[name], err = interpolate(v, map[string]string{"OTPD_SECRET_KEY": key}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The image's own ENV applies under compose's.
	stages := parseDockerfile(t, filepath.Join(root, "Dockerfile"))
	final := stages[len(stages)-1]
	image, err := stageEnv(final)
	if err != nil {
		t.Fatal(err)
	}
	expose := strings.Join(instructionArgs(final)["EXPOSE"], " ")
	volume := strings.Join(instructionArgs(final)["VOLUME"], " ")
	cfg, err := loadConfig(func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return image[k]
	})
	if err != nil {
		t.Fatalf("otpd's configuration in compose.yaml: %v", err)
	}
	if _, err := cfg.serverKey(nil); err != nil {
		t.Errorf("OTPD_SECRET_KEY as compose passes it: %v", err)
	}

	postgres := cf.Services["postgres"]
	db, err := url.Parse(cfg.DatabaseURL)
	if err != nil || !isPostgres(cfg.DatabaseURL) {
		t.Fatalf("OTPD_DATABASE_URL %q: want a postgres:// URL (%v)", cfg.DatabaseURL, err)
	}
	password, _ := db.User.Password()
	pgEnv := map[string]string{}
	for name, v := range postgres.Environment {
		pgEnv[name], _ = interpolate(v, nil)
	}
	if db.Hostname() != "postgres" || db.User.Username() != pgEnv["POSTGRES_USER"] || password != pgEnv["POSTGRES_PASSWORD"] ||
		strings.TrimPrefix(db.Path, "/") != pgEnv["POSTGRES_DB"] {
		t.Errorf("OTPD_DATABASE_URL %q does not match the postgres service (%v)", cfg.DatabaseURL, pgEnv)
	}
	redis, err := url.Parse(cfg.RedisURL)
	if err != nil || redis.Scheme != "redis" || redis.Hostname() != "redis" {
		t.Errorf("OTPD_REDIS_URL %q: want redis://redis:6379/... (%v)", cfg.RedisURL, err)
	}
	if _, ok := cf.Services["redis"]; !ok {
		t.Error("compose.yaml has no redis service")
	}

	for _, dep := range []string{"postgres", "redis"} {
		if c := otpd.DependsOn[dep].Condition; c != "service_healthy" {
			t.Errorf("otpd depends on %s with condition %q, want service_healthy", dep, c)
		}
		if len(cf.Services[dep].Healthcheck.Test) == 0 {
			t.Errorf("the %s service has no healthcheck to wait for", dep)
		}
	}
	for name := range otpd.DependsOn {
		if _, ok := cf.Services[name]; !ok {
			t.Errorf("otpd depends on %s, which is no service", name)
		}
	}

	if !slices.ContainsFunc(otpd.Ports, func(p string) bool { return strings.HasSuffix(p, ":"+expose) }) {
		t.Errorf("otpd's ports %v publish no port %s (the image's EXPOSE)", otpd.Ports, expose)
	}
	mounted := false
	for _, v := range otpd.Volumes {
		source, target, _ := strings.Cut(v, ":")
		if target != volume {
			continue
		}
		mounted = true
		if _, ok := cf.Volumes[source]; !ok {
			t.Errorf("otpd mounts %q on %s, which is not a named volume of compose.yaml", source, target)
		}
	}
	if !mounted {
		t.Errorf("otpd's volumes %v mount nothing on the image's data directory %s", otpd.Volumes, volume)
	}
}

func TestComposeInterpolate(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		env      map[string]string
		err      bool
	}{
		{"${A:-x}@host", "x@host", nil, false},
		{"${A:-x}@host", "a@host", map[string]string{"A": "a"}, false},
		{"${A:?set A}", "", nil, true},
		{"${A:?set A}", "a", map[string]string{"A": "a"}, false},
		{"plain", "plain", nil, false},
	} {
		got, err := interpolate(tc.in, tc.env)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("interpolate(%q, %v) = %q, %v; want %q (error: %v)", tc.in, tc.env, got, err, tc.want, tc.err)
		}
	}
}
