package main

import (
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// privatePostgres is a PostgreSQL cluster of one test's own, on a free
// port, which the test may stop, start, freeze and thaw: the machine's
// shared server (5432) serves other tests and is never touched.
type privatePostgres struct {
	t        *testing.T
	bin, dir string
	port     int
	asRoot   bool // the test runs as root: the tools run as postgres
}

// startPrivatePostgres initialises and starts a cluster, or skips the
// test (fails it under CI) when PostgreSQL's server binaries are missing.
func startPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) are missing under CI")
		}
		t.Skip("PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) are missing")
	}
	p := &privatePostgres{t: t, bin: filepath.Dir(bins[len(bins)-1])}
	// t.TempDir's parents are private to root; the cluster's directory
	// must be the server user's.
	dir, err := os.MkdirTemp("", "otpd-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	p.dir = dir
	if os.Geteuid() == 0 {
		// initdb refuses to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs the postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		p.asRoot = true
	}
	p.run("initdb", "-D", p.data(), "-A", "trust", "-U", "postgres", "--no-sync")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	p.start()
	t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(p.data(), "postmaster.pid")); err == nil {
			p.signal(syscall.SIGCONT) // a frozen server cannot stop
		}
		p.command("pg_ctl", "-D", p.data(), "-m", "immediate", "-w", "stop").Run()
	})
	return p
}

func (p *privatePostgres) data() string { return filepath.Join(p.dir, "data") }

// URL is the cluster's postgres database.
func (p *privatePostgres) URL() string {
	return "postgres://postgres@127.0.0.1:" + strconv.Itoa(p.port) + "/postgres?sslmode=disable"
}

// start starts the server and waits until it accepts connections.
func (p *privatePostgres) start() {
	p.t.Helper()
	p.run("pg_ctl", "-D", p.data(), "-w", "-l", filepath.Join(p.dir, "log"),
		"-o", "-p "+strconv.Itoa(p.port)+" -k "+p.dir+" -c listen_addresses=127.0.0.1 -c fsync=off", "start")
}

// stop shuts the server down as an operator's restart does: connections
// are ended (57P01), then new ones are refused.
func (p *privatePostgres) stop() {
	p.t.Helper()
	p.run("pg_ctl", "-D", p.data(), "-w", "-m", "fast", "stop")
}

// signal sends sig to the postmaster and every backend it started.
func (p *privatePostgres) signal(sig syscall.Signal) {
	p.t.Helper()
	b, err := os.ReadFile(filepath.Join(p.data(), "postmaster.pid"))
	if err != nil {
		p.t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
	if err != nil {
		p.t.Fatal(err)
	}
	pids := []int{pid}
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, stat := range procs {
		b, err := os.ReadFile(stat)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …: comm may hold spaces, so split after ")".
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			child, _ := strconv.Atoi(strings.Fields(s)[0])
			pids = append(pids, child)
		}
	}
	for _, id := range pids {
		syscall.Kill(id, sig)
	}
}

func (p *privatePostgres) run(tool string, args ...string) {
	p.t.Helper()
	if out, err := p.command(tool, args...).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "log"))
		p.t.Fatalf("%s %v: %v\n%s\n%s", tool, args, err, out, log)
	}
}

// command runs one of PostgreSQL's tools, as the postgres user when the
// test runs as root.
func (p *privatePostgres) command(tool string, args ...string) *exec.Cmd {
	path := filepath.Join(p.bin, tool)
	if p.asRoot {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}
