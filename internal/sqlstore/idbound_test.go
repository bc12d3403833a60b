package sqlstore

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// The ids otp.NewID makes before t's millisecond sort below idBound(t),
// those made in it or later at or above it.
func TestIDBound(t *testing.T) {
	before := otp.NewID("ver")
	time.Sleep(2 * time.Millisecond)
	at := time.Now()
	time.Sleep(time.Millisecond) // otp.NewID reads the clock after at
	after := otp.NewID("ver")
	for _, tc := range []struct {
		name string
		t    time.Time
		id   string
		less bool
	}{
		{"an id of a millisecond before", at, before, true},
		{"an id of a later millisecond", at, after, false},
		{"an id of the bound's own millisecond", time.UnixMilli(0x0193_0000_0001), "ver_019300000001" + "000000" + "00000000000000", false},
		{"an id of the millisecond before the bound's", time.UnixMilli(0x0193_0000_0001), "ver_019300000000" + "ffffff" + "ffffffffffffff", true},
	} {
		bound := idBound("ver", tc.t)
		if got := tc.id < bound; got != tc.less {
			t.Errorf("%s: %s < idBound(%v) = %s is %v, want %v", tc.name, tc.id, tc.t, bound, got, tc.less)
		}
	}
	if got, want := idBound("ver", time.UnixMilli(0x0193_abcd_ef12)), "ver_0193abcdef12"; got != want {
		t.Errorf("idBound = %s, want %s", got, want)
	}
}
