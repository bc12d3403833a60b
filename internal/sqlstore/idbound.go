package sqlstore

import (
	"fmt"
	"time"
)

// idBound is the smallest id with prefix that otp.NewID can make at or
// after t: the prefix, an underscore and t's Unix milliseconds as the 12
// hex digits an id starts with. Every id made before t's millisecond sorts
// below it, every one made in it or later at or above it, so "id < bound"
// is a range of the primary key that holds the ids made before t.
func idBound(prefix string, t time.Time) string {
	return fmt.Sprintf("%s_%012x", prefix, min(max(t.UnixMilli(), 0), 1<<48-1))
}
