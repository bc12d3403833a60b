package main

import (
	"context"
	"fmt"
	"log/slog"
)

// redisLog takes go-redis's own log lines ("connection pool: failed to
// dial …", every few seconds while Redis is down), which it would
// otherwise print straight to stderr, breaking JSON logs and the rule
// that an outage is logged once: the rate limiter already logs the
// outage and its end with their cause. They go to slog's default logger
// at DEBUG. It is set in main, once, because go-redis keeps it in a
// global that in-process tests must not race on.
type redisLog struct{}

func (redisLog) Printf(ctx context.Context, format string, v ...any) {
	slog.Default().DebugContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}
