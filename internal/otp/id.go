package otp

import (
	"encoding/hex"
	"sync"
	"time"
)

// idSource makes time-ordered identifiers: 48 bits of milliseconds, then a
// counter that keeps IDs made in the same millisecond in order, then random
// bits. Sorting IDs as strings sorts them by creation, which cursor
// pagination relies on.
type idSource struct {
	mu     sync.Mutex
	lastMS int64
	seq    uint32
}

var ids idSource // the one mutable global: ordering needs a single sequence per process

// NewID returns prefix_ followed by 32 hex digits, time-ordered.
func NewID(prefix string) string {
	var b [16]byte
	ms := time.Now().UnixMilli()
	ids.mu.Lock()
	if ms <= ids.lastMS {
		ms = ids.lastMS
		ids.seq++
	} else {
		ids.lastMS = ms
		ids.seq = 0
	}
	seq := ids.seq
	ids.mu.Unlock()
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	b[6], b[7], b[8] = byte(seq>>16), byte(seq>>8), byte(seq)
	copy(b[9:], randomBytes(7))
	return prefix + "_" + hex.EncodeToString(b[:])
}
