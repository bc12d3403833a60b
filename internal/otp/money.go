package otp

import (
	"fmt"
	"strconv"
	"strings"
)

// Money is an amount in millionths of a currency unit: message prices are
// fractions of a cent, and integers add up exactly.
type Money struct {
	Micros   int64
	Currency string // ISO 4217, e.g. "USD"; "" for no amount
}

// IsZero reports whether m holds no amount.
func (m Money) IsZero() bool { return m.Currency == "" && m.Micros == 0 }

// Add returns m + o. The price table has one currency, so a sum across
// currencies is a programming error, reported rather than added up wrong.
func (m Money) Add(o Money) (Money, error) {
	switch {
	case o.IsZero():
		return m, nil
	case m.IsZero():
		return o, nil
	case m.Currency != o.Currency:
		return m, fmt.Errorf("add %s to %s", o.Currency, m.Currency)
	}
	return Money{Micros: m.Micros + o.Micros, Currency: m.Currency}, nil
}

// Amount formats the amount as a decimal string with as many decimals as
// it needs, at least two: "0.0075", "1.50".
func (m Money) Amount() string {
	sign := ""
	n := m.Micros
	if n < 0 {
		sign, n = "-", -n
	}
	frac := fmt.Sprintf("%06d", n%1_000_000)
	frac = strings.TrimRight(frac, "0")
	for len(frac) < 2 {
		frac += "0"
	}
	return sign + strconv.FormatInt(n/1_000_000, 10) + "." + frac
}

// ParseMoney reads a decimal amount with at most six decimals, such as a
// price in the configuration file.
func ParseMoney(amount, currency string) (Money, error) {
	if len(currency) != 3 || strings.ToUpper(currency) != currency {
		return Money{}, fmt.Errorf("currency %q is not an ISO 4217 code such as USD", currency)
	}
	whole, frac, _ := strings.Cut(strings.TrimSpace(amount), ".")
	if whole == "" || len(frac) > 6 || strings.HasPrefix(whole, "-") || strings.HasPrefix(whole, "+") {
		return Money{}, fmt.Errorf("amount %q is not a non-negative decimal with at most 6 decimals", amount)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 1_000_000 {
		return Money{}, fmt.Errorf("amount %q is not a non-negative decimal with at most 6 decimals", amount)
	}
	var f int64
	if frac != "" {
		f, err = strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
		if err != nil || f < 0 {
			return Money{}, fmt.Errorf("amount %q is not a non-negative decimal with at most 6 decimals", amount)
		}
	}
	return Money{Micros: w*1_000_000 + f, Currency: currency}, nil
}

// PriceTable tells what one message costs on a channel to a country (an
// ISO 3166 region, "" for email). ok is false when no price is known.
type PriceTable interface {
	Price(channel Channel, country string) (price Money, ok bool)
}
