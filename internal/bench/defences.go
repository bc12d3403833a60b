package bench

import (
	"context"
	"fmt"
	"strconv"
)

// maxBudget is otpd's largest budget (otp.MaxBudget): the bench's sends
// must never meet a bound, only pay for counting against it.
const maxBudget = 100_000_000

// benchBudgets are the send budgets of the bench's project: the daily
// bound lifted and, with defences, a budget for the country and for each
// area code the destinations use, and the client-address limit, all
// beyond reach. Either way a rule for the country and for each
// 5-digit prefix (otp.LearntPrefixDigits) of the destinations is out of reach too:
// a rule of a scope takes the place of the budget the pumping detector
// learns for it, and the detector, a minute after otpd starts and hourly
// after, learns one from the bench's own traffic, whose codes are mostly
// never checked, so it would soon refuse the bench's sends.
func benchBudgets(defences bool) map[string]any {
	b := map[string]any{"dailySends": maxBudget}
	country := map[string]any{"country": "US", "perDay": maxBudget}
	if defences {
		country["perHour"] = maxBudget
	}
	rules := []map[string]any{country}
	for _, area := range areaCodes {
		for first := '2'; first <= '9'; first++ {
			rules = append(rules, map[string]any{"prefix": "+1" + area + string(first), "perDay": maxBudget})
		}
	}
	if !defences {
		b["rules"] = rules
		return b
	}
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

// benchGeo are geo permissions that let the bench's destinations through
// but make every send walk them: an allow-list of countries and a denied
// prefix on the default rules and on SMS, and the default number types.
var benchGeo = map[string]any{
	"geo": map[string]any{
		"default": map[string]any{"mode": "allow", "countries": []string{"US", "CA", "GB", "DE", "FR"},
			"prefixes": []map[string]string{{"prefix": "+1900", "action": "deny"}, {"prefix": "+4470", "action": "deny"}}},
		"sms": map[string]any{"mode": "deny", "countries": []string{"RU", "UZ"},
			"prefixes": []map[string]string{{"prefix": "+1900", "action": "deny"}, {"prefix": "+88216", "action": "deny"}}},
	},
	"numberTypes": map[string]any{"allowed": []string{}},
}

// turnOnDefences sets the bench project's geo permissions, test numbers
// and safelist (none of which the bench's destinations are), and blocks a
// prefix by hand, so that a send pays for every check of issue 16 without
// any of them refusing it. The budgets are set by benchBudgets.
func (c *client) turnOnDefences(ctx context.Context, auth, projectID string) error {
	base := "/v1/projects/" + projectID + "/fraud"
	if err := c.put(ctx, auth, base+"/geo", benchGeo); err != nil {
		return fmt.Errorf("set the project's geo permissions: %w", err)
	}
	tests := map[string]any{"testNumbers": []map[string]string{{"to": "+442079460000", "code": "424242"}, {"to": "reviewer@example.com", "code": "1234"}}}
	if err := c.put(ctx, auth, base+"/test-numbers", tests); err != nil {
		return fmt.Errorf("set the project's test numbers: %w", err)
	}
	if err := c.put(ctx, auth, base+"/safelist", map[string]any{"safelist": []string{"ops@example.com", "+442079460001"}}); err != nil {
		return fmt.Errorf("set the project's safelist: %w", err)
	}
	var block map[string]any
	if err := c.console(ctx, auth, base+"/blocks", map[string]any{"prefix": "+99890", "minutes": 10080}, &block); err != nil {
		return fmt.Errorf("block a prefix: %w", err)
	}
	return nil
}
