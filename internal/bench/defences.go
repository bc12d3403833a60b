package bench

import "strconv"

// maxBudget is otpd's largest budget (otp.MaxBudget): the bench's sends
// must never meet a bound, only pay for counting against it.
const maxBudget = 100_000_000

// benchBudgets are the send budgets of the bench's project: the daily
// bound lifted and, with defences, a budget for the country and for each
// area code the destinations use, and the client-address limit, all
// beyond reach.
func benchBudgets(defences bool) map[string]any {
	b := map[string]any{"dailySends": maxBudget}
	if !defences {
		return b
	}
	rules := []map[string]any{{"country": "US", "perHour": maxBudget, "perDay": maxBudget}}
	for _, area := range areaCodes {
		rules = append(rules, map[string]any{"prefix": "+1" + area, "perHour": maxBudget, "perDay": maxBudget})
	}
	b["rules"] = rules
	b["ipPerHour"] = maxBudget
	return b
}

// appendRemoteIP appends the remoteIp member of the n-th send: addresses
// of the benchmarking range 198.18.0.0/15, 65536 of them in turn, so the
// limit per address counts many keys as real traffic would.
func appendRemoteIP(b []byte, n uint64) []byte {
	b = append(b, `,"remoteIp":"198.18.`...)
	b = strconv.AppendUint(b, n>>8&0xff, 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, n&0xff, 10)
	return append(b, '"')
}
