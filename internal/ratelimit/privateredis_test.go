package ratelimit

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// privateRedis is a redis-server of the test's own, on a free port, that
// the test may kill and start again: the shared Redis of the machine must
// stay up for other tests.
type privateRedis struct {
	t    *testing.T
	port string
	cmd  *exec.Cmd
}

// startPrivateRedis starts a redis-server without persistence, so a
// restart empties it as losing a cache node would. It skips the test when
// redis-server is not installed, except in CI, where it fails.
func startPrivateRedis(t *testing.T) *privateRedis {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server is not installed: %v", err)
		}
		t.Skipf("redis-server is not installed (%v); skipping the outage tests", err)
	}
	r := &privateRedis{t: t, port: strconv.Itoa(freePort(t))}
	r.start()
	t.Cleanup(r.kill)
	return r
}

// url is the server's address for ClientOptions.
func (r *privateRedis) url() string { return "redis://127.0.0.1:" + r.port + "/0" }

// start runs the server and waits until it answers PING; the 10 s bound
// only ends a broken run.
func (r *privateRedis) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", r.port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no")
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + r.port, MaxRetries: -1, DialerRetries: 1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			r.kill()
			r.t.Fatalf("redis-server on port %s did not answer within 10 s: %v", r.port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill stops the server at once, as a crash would, and waits for it to exit.
func (r *privateRedis) kill() {
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Kill()
	r.cmd.Wait()
	r.cmd = nil
}

// client is a new client of the server with the limiter's options.
func (r *privateRedis) client() *redis.Client {
	r.t.Helper()
	opts, err := ClientOptions(r.url())
	if err != nil {
		r.t.Fatal(err)
	}
	c := redis.NewClient(opts)
	r.t.Cleanup(func() { c.Close() })
	return c
}

// freePort returns a loopback port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(fmt.Errorf("find a free port: %w", err))
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
