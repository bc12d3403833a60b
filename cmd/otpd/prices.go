package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/otpd/otpd/internal/otp"
)

// priceSpec is the prices section of the configuration file: what one
// message costs per channel, by default and per country.
type priceSpec struct {
	Currency  string                       `yaml:"currency"`
	Default   map[string]string            `yaml:"default"`
	Countries map[string]map[string]string `yaml:"countries"`
}

// priceTable is an otp.PriceTable read from a priceSpec.
type priceTable struct {
	byDefault map[otp.Channel]otp.Money
	byCountry map[string]map[otp.Channel]otp.Money
}

var _ otp.PriceTable = (*priceTable)(nil)

// table checks the spec and builds the table; nil when no prices are set.
func (p priceSpec) table() (*priceTable, error) {
	if p.Currency == "" && len(p.Default) == 0 && len(p.Countries) == 0 {
		return nil, nil
	}
	t := &priceTable{byDefault: map[otp.Channel]otp.Money{}, byCountry: map[string]map[otp.Channel]otp.Money{}}
	read := func(where string, in map[string]string, out map[otp.Channel]otp.Money) error {
		for ch, amount := range in {
			if !slices.Contains(otp.Channels, otp.Channel(ch)) {
				return fmt.Errorf("%s.%s: unknown channel", where, ch)
			}
			m, err := otp.ParseMoney(amount, p.Currency)
			if err != nil {
				return fmt.Errorf("%s.%s: %w", where, ch, err)
			}
			out[otp.Channel(ch)] = m
		}
		return nil
	}
	if _, err := otp.ParseMoney("0", p.Currency); err != nil {
		return nil, fmt.Errorf("prices.currency: %w", err)
	}
	if err := read("prices.default", p.Default, t.byDefault); err != nil {
		return nil, err
	}
	for country, prices := range p.Countries {
		if len(country) != 2 || strings.ToUpper(country) != country {
			return nil, fmt.Errorf("prices.countries.%s: not an ISO 3166 region such as RU", country)
		}
		t.byCountry[country] = map[otp.Channel]otp.Money{}
		if err := read("prices.countries."+country, prices, t.byCountry[country]); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Price is the country's price for the channel, else the default one.
func (t *priceTable) Price(channel otp.Channel, country string) (otp.Money, bool) {
	if m, ok := t.byCountry[country][channel]; ok {
		return m, true
	}
	m, ok := t.byDefault[channel]
	return m, ok
}
