package bench

import (
	"fmt"
	"strconv"
)

// areaCodes are the US area codes phone destinations are drawn from. With
// the exchanges below, libphonenumber accepts every number as valid, which
// destination_test.go checks exhaustively; otpd rejects any other.
var areaCodes = [...]string{"201", "212", "312", "415", "617", "646", "718", "917"}

// exchangeSecond is the middle digit of an exchange. It leaves out 1 so no
// exchange is an N11 service code (411, 911, ...), and 5 so none is the
// fictional 555.
const exchangeSecond = "02346789"

const (
	exchangesPerArea uint64 = 8 * uint64(len(exchangeSecond)) * 10 // [2-9][exchangeSecond][0-9]
	numbersPerArea          = exchangesPerArea * 10000
	phoneSpace              = uint64(len(areaCodes)) * numbersPerArea
)

// destinations hands out one distinct destination per verification of a
// run. Distinct, because otpd limits the sends to one destination per
// minute; random per run (run, offset), so two runs started within the same
// minute against the same application do not share destinations either.
type destinations struct {
	email  bool   // email addresses instead of phone numbers
	run    string // names the run in email addresses
	offset uint64 // where in the phone number space the run starts
}

// newDestinations returns the destinations of the run that seed identifies.
func newDestinations(channel string, seed uint64) destinations {
	return destinations{
		email:  channel == "email",
		run:    runName(seed),
		offset: seed % phoneSpace,
	}
}

// runName is the short name of a run: what it prints and puts in email
// addresses and the names of what it creates.
func runName(seed uint64) string {
	return fmt.Sprintf("%08x", seed>>32)
}

// appendTo appends the n-th destination of the run to b. Destinations are
// distinct for n below phoneSpace (51 million), far beyond what one run
// creates.
func (d destinations) appendTo(b []byte, n uint64) []byte {
	if d.email {
		b = append(b, "bench+"...)
		b = append(b, d.run...)
		b = append(b, '-')
		b = strconv.AppendUint(b, n, 10)
		return append(b, "@example.com"...)
	}
	i := (d.offset + n) % phoneSpace
	area := areaCodes[i/numbersPerArea]
	i %= numbersPerArea
	exchange, line := i/10000, i%10000
	b = append(b, "+1"...)
	b = append(b, area...)
	b = append(b,
		byte('2'+exchange/(uint64(len(exchangeSecond))*10)),
		exchangeSecond[exchange/10%uint64(len(exchangeSecond))],
		byte('0'+exchange%10),
		byte('0'+line/1000),
		byte('0'+line/100%10),
		byte('0'+line/10%10),
		byte('0'+line%10),
	)
	return b
}
