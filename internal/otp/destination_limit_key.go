package otp

import "strings"

// dotlessDomains are the mail providers known to ignore dots in the local
// part, each mapped to the domain its addresses canonicalise to. The list
// is short on purpose: dropping dots for a provider that does not ignore
// them would make two people share one counter, so only providers that
// document it are here. Outlook, Yahoo and iCloud treat dots as
// significant; Gmail and its old googlemail.com name do not.
var dotlessDomains = map[string]string{
	"gmail.com":      "gmail.com",
	"googlemail.com": "gmail.com",
}

// limitKey is the destination as the limits count it: an email address
// canonicalised so that its variants share one counter (see
// canonicalEmail); a phone number as it is. The verification keeps the
// address as given, since that is where the mail goes.
func (d Destination) limitKey() string {
	if d.IsPhone {
		return d.Value
	}
	return canonicalEmail(d.Value)
}

// limitKeyOf is limitKey for a destination as stored (a verification's or
// a session's to): an email address has an "@", a phone number none.
func limitKeyOf(to string) string {
	return Destination{Value: to, IsPhone: !strings.Contains(to, "@")}.limitKey()
}

// canonicalEmail lower-cases an address, drops a "+tag" from its local
// part (every large provider delivers local+anything to local, and it is
// the cheapest way to make many addresses out of one), and drops dots in
// the local part for the providers in dotlessDomains. It is idempotent,
// and returns anything without an "@" lower-cased as it is.
func canonicalEmail(addr string) string {
	addr = strings.ToLower(addr)
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr
	}
	local, domain := addr[:at], addr[at+1:]
	if plus := strings.IndexByte(local, '+'); plus > 0 {
		local = local[:plus] // "+tag" alone is an address of its own
	}
	if canon, ok := dotlessDomains[domain]; ok {
		if dotless := strings.ReplaceAll(local, ".", ""); dotless != "" {
			local = dotless
		}
		domain = canon
	}
	return local + "@" + domain
}
