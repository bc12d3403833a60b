package otp

import (
	"encoding/binary"
	"time"
)

// crockford is the alphabet of ULIDs: Crockford's base 32, without I, L,
// O and U.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewULID returns a ULID (github.com/ulid/spec) for time t: 48 bits of
// Unix milliseconds then 80 random bits, as 26 characters of Crockford's
// base 32. ULIDs sort by time as strings; kod.mobi's session ids are ULIDs.
func NewULID(t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	copy(b[6:], randomBytes(10))
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	var out [26]byte
	// 26 characters hold 130 bits: the 128 of the ULID after two zero bits.
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}
