package otlp

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/telemetry"
)

// batchConfig is OpenTelemetry's batch span processor's, from OTEL_BSP_*.
type batchConfig struct {
	delay         time.Duration // between exports: OTEL_BSP_SCHEDULE_DELAY, default 5 s
	queue         int           // spans waiting, beyond which new ones are dropped: default 2048
	batch         int           // most spans in one export: default 512
	exportTimeout time.Duration // default 30 s
}

func readBatchConfig(getenv func(string) string) (batchConfig, error) {
	c := batchConfig{delay: 5 * time.Second, queue: 2048, batch: 512, exportTimeout: 30 * time.Second}
	for _, v := range []struct {
		name string
		ms   *time.Duration
		n    *int
	}{
		{"OTEL_BSP_SCHEDULE_DELAY", &c.delay, nil},
		{"OTEL_BSP_EXPORT_TIMEOUT", &c.exportTimeout, nil},
		{"OTEL_BSP_MAX_QUEUE_SIZE", nil, &c.queue},
		{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", nil, &c.batch},
	} {
		s := strings.TrimSpace(getenv(v.name))
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return c, fmt.Errorf("%s=%s: want a positive integer", v.name, s)
		}
		if v.ms != nil {
			*v.ms = time.Duration(n) * time.Millisecond
		} else {
			*v.n = n
		}
	}
	c.batch = min(c.batch, c.queue)
	return c, nil
}

// batcher queues ended spans and exports them in batches from one
// goroutine: every delay, or as soon as a batch is full. add never
// blocks: a full queue drops the span.
type batcher struct {
	cfg    batchConfig
	export func(context.Context, []*telemetry.Span) error
	log    *slog.Logger
	queue  chan *telemetry.Span
	quit   chan struct{}
	done   chan struct{}
}

func startBatcher(cfg batchConfig, e *exporter, log *slog.Logger) *batcher {
	b := &batcher{cfg: cfg, export: e.export, log: log, queue: make(chan *telemetry.Span, cfg.queue),
		quit: make(chan struct{}), done: make(chan struct{})}
	go b.run(e)
	return b
}

func (b *batcher) add(s *telemetry.Span) {
	select {
	case b.queue <- s:
	default: // dropped, as OpenTelemetry's batcher drops past its queue
	}
}

func (b *batcher) run(e *exporter) {
	defer close(b.done)
	defer e.close()
	tick := time.NewTicker(b.cfg.delay)
	defer tick.Stop()
	batch := make([]*telemetry.Span, 0, b.cfg.batch)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), b.cfg.exportTimeout)
		if err := b.export(ctx, batch); err != nil {
			b.log.Warn("traces", "err", err)
		}
		cancel()
		batch = batch[:0]
	}
	for {
		select {
		case s := <-b.queue:
			if batch = append(batch, s); len(batch) == b.cfg.batch {
				flush()
			}
		case <-tick.C:
			flush()
		case <-b.quit:
			for {
				select {
				case s := <-b.queue:
					if batch = append(batch, s); len(batch) == b.cfg.batch {
						flush()
					}
				default:
					flush()
					return
				}
			}
		}
	}
}

// stop exports what is queued and stops, or gives up when ctx ends.
func (b *batcher) stop(ctx context.Context) error {
	close(b.quit)
	select {
	case <-b.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("flush traces: %w", ctx.Err())
	}
}
