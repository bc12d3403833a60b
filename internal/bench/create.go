package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// verification is one verification the create phase made.
type verification struct {
	id string
	to string
}

// createAnswer is the part of POST /v1/verifications' answer the bench reads.
type createAnswer struct {
	Data struct {
		ID string `json:"id"`
	} `json:"data"`
}

// create runs the create phase: POST /v1/verifications, each time to a new
// destination, and returns what was created besides the measurements.
// The destinations start at the first-th, after those of the prefill.
func create(ctx context.Context, c *client, auth string, cfg Config, dests destinations, first uint64) (*stats, []verification) {
	created := make([][]verification, cfg.Concurrency)
	url := c.base + "/v1/verifications"
	limit := int64(-1)
	if cfg.Requests > 0 {
		limit = int64(cfg.Requests)
	}
	st := runPhase(ctx, "create", cfg.Concurrency, limit, cfg.Duration, func(ctx context.Context, w *worker, i int64) (int, bool) {
		b, from, to := appendCreateBody(w.body[:0], cfg, dests, first+uint64(i))
		w.body = b

		status, _, err := c.do(ctx, http.MethodPost, url, auth, b, &w.resp)
		if err != nil {
			return 0, false
		}
		if status != http.StatusCreated {
			return status, false
		}
		var a createAnswer
		if json.Unmarshal(w.resp.Bytes(), &a) != nil || a.Data.ID == "" {
			return status, false
		}
		created[w.id] = append(created[w.id], verification{id: a.Data.ID, to: string(b[from:to])})
		return status, true
	})
	var all []verification
	for _, vs := range created {
		all = append(all, vs...)
	}
	return st, all
}

// appendCreateBody appends the body of the create request for the n-th
// destination to b, and says where in b the destination is. The body is
// built by hand: json.Marshal would allocate for every request, and no part
// needs escaping (the channel is checked to be lower-case letters,
// destinations are generated).
func appendCreateBody(b []byte, cfg Config, dests destinations, n uint64) (body []byte, from, to int) {
	b = append(b, `{"to":"`...)
	from = len(b)
	b = dests.appendTo(b, n)
	to = len(b)
	b = append(b, `","channel":"`...)
	b = append(b, cfg.Channel...)
	b = append(b, `","ttl":`...)
	b = strconv.AppendInt(b, int64(codeTTL/time.Second), 10)
	if cfg.Defences {
		b = appendRemoteIP(b, n)
	}
	return append(b, '}'), from, to
}
