package otp

import (
	"strings"
	"testing"
	"time"
)

// TestGenerateCodeOfAlphabets: codes hold only their alphabet's
// characters, letters never one that reads like another, and every
// character comes up about as often (chi-square, as for digits: with at
// most 32 degrees of freedom a statistic above 100 happens by chance far
// less than once in a million runs).
func TestGenerateCodeOfAlphabets(t *testing.T) {
	for _, a := range []CodeAlphabet{CodeDigits, CodeLetters, CodeAlphanumeric} {
		chars := a.chars()
		if strings.ContainsAny(chars, "IOL") {
			t.Errorf("%s has a look-alike letter: %s", a, chars)
		}
		counts := map[rune]int{}
		const codes, length = 5_000, 10
		for range codes {
			code := generateCodeOf(length, a)
			if len(code) != length || strings.Trim(code, chars) != "" {
				t.Fatalf("generateCodeOf(%d, %s) = %q", length, a, code)
			}
			for _, r := range code {
				counts[r]++
			}
		}
		expected := float64(codes*length) / float64(len(chars))
		chi2 := 0.0
		for _, r := range chars {
			d := float64(counts[r]) - expected
			chi2 += d * d / expected
		}
		if chi2 > 100 {
			t.Errorf("%s: chi-square %.1f over %v, want at most 100", a, chi2, counts)
		}
	}
}

func TestAlphabetOf(t *testing.T) {
	for _, tc := range []struct {
		digits, letters bool
		want            CodeAlphabet
		ok              bool
	}{
		{true, false, CodeDigits, true},
		{false, true, CodeLetters, true},
		{true, true, CodeAlphanumeric, true},
		{false, false, "", false},
	} {
		got, ok := AlphabetOf(tc.digits, tc.letters)
		if got != tc.want || ok != tc.ok || ok && (got.HasDigits() != tc.digits || got.HasLetters() != tc.letters) {
			t.Errorf("AlphabetOf(%v, %v) = %q, %v", tc.digits, tc.letters, got, ok)
		}
	}
	if !CodeAlphabet("").HasDigits() || CodeAlphabet("").HasLetters() {
		t.Errorf("the zero alphabet is not digits")
	}
}

func TestNormalizeCode(t *testing.T) {
	for in, want := range map[string]string{
		"482913":     "482913",
		"ab7k":       "AB7K",
		"AB7K":       "AB7K",
		"o1iL":       "0111", // letters no code has read as the digits they look like
		"xyz-9":      "XYZ-9",
		"код":        "код",
		"":           "",
		"Hjkmnpqrst": "HJKMNPQRST",
	} {
		if got := normalizeCode(in); got != want {
			t.Errorf("normalizeCode(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBlockedUntil: three blocks within an hour refuse the destination for
// an hour after the third; older or sparser blocks do not.
func TestBlockedUntil(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	at := func(mins ...int) []time.Time { // newest first, as the store lists them
		var out []time.Time
		for _, m := range mins {
			out = append(out, t0.Add(time.Duration(m)*time.Minute))
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		blocks []time.Time
		now    time.Time
		want   time.Time
	}{
		{"none", nil, t0, time.Time{}},
		{"two", at(10, 0), t0.Add(11 * time.Minute), time.Time{}},
		{"three within the hour", at(40, 20, 0), t0.Add(41 * time.Minute), t0.Add(100 * time.Minute)},
		{"three exactly an hour apart", at(60, 30, 0), t0.Add(61 * time.Minute), t0.Add(120 * time.Minute)},
		{"three over more than an hour", at(61, 30, 0), t0.Add(62 * time.Minute), time.Time{}},
		{"the hour has passed", at(40, 20, 0), t0.Add(100 * time.Minute), time.Time{}},
		{"a newer run decides", at(130, 125, 120, 40, 20, 0), t0.Add(131 * time.Minute), t0.Add(190 * time.Minute)},
		{"an old run behind a sparse newer one", at(150, 40, 20, 0), t0.Add(151 * time.Minute), time.Time{}},
		{"a run whose hour has passed behind a newer block", at(121, 60, 59, 58), t0.Add(122 * time.Minute), time.Time{}},
	} {
		got := blockedUntil(tc.blocks, tc.now)
		if !got.Equal(tc.want) {
			t.Errorf("%s: blockedUntil = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestNewULID: 26 characters of Crockford's base 32 whose first ten
// encode the time, so ULIDs of later milliseconds sort later.
func TestNewULID(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	a, b := NewULID(t0), NewULID(t0.Add(time.Millisecond))
	for _, id := range []string{a, b} {
		if len(id) != 26 || strings.Trim(id, crockford) != "" || id[0] > '7' {
			t.Fatalf("NewULID = %q, want 26 characters of Crockford's base 32 starting 0-7", id)
		}
	}
	if !(a < b) {
		t.Errorf("%s is not before %s", a, b)
	}
	var ms uint64
	for _, c := range a[:10] {
		ms = ms<<5 | uint64(strings.IndexRune(crockford, c))
	}
	if got := time.UnixMilli(int64(ms)).UTC(); !got.Equal(t0) {
		t.Errorf("time of %s = %v, want %v", a, got, t0)
	}
	if NewULID(t0) == a {
		t.Errorf("two ULIDs of one millisecond are equal")
	}
}

func TestNormalizeOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://shop.example":        "https://shop.example",
		"HTTPS://Shop.Example/":       "https://shop.example",
		"https://shop.example:443":    "https://shop.example",
		"http://shop.example:80":      "http://shop.example",
		"http://localhost:3000":       "http://localhost:3000",
		"https://shop.example:8443":   "https://shop.example:8443",
		"http://[::1]:8080":           "http://[::1]:8080",
		"http://[::1]":                "http://[::1]",
		"shop.example":                "",
		"https://shop.example/path":   "",
		"https://*.shop.example":      "",
		"https://shop.example?q=1":    "",
		"https://shop.example#x":      "",
		"https://u@shop.example":      "",
		"wss://shop.example":          "",
		"https://shop.example:0":      "",
		"null":                        "",
		"":                            "",
		"https://":                    "",
		"https://shop.example:65536":  "",
		"https://shop.example:443/x/": "",
	} {
		got, err := normalizeOrigin(in)
		if want == "" && err == nil || want != "" && (err != nil || got != want) {
			t.Errorf("normalizeOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	a := &Application{AllowedOrigins: []string{"https://shop.example"}}
	for origin, want := range map[string]bool{"": true, "https://shop.example": true, "https://SHOP.example:443": true,
		"http://shop.example": false, "null": false, "https://evil.example": false} {
		if got := a.AllowsOrigin(origin); got != want {
			t.Errorf("AllowsOrigin(%q) = %v, want %v", origin, got, want)
		}
	}
	if !(&Application{}).AllowsOrigin("https://any.example") {
		t.Errorf("an application without allowedOrigins refuses a page")
	}
}

// TestChatStartToken: a start token names the number it was made for and
// nothing else; a forged or altered one names none, and every token fits
// Telegram's start parameter.
func TestChatStartToken(t *testing.T) {
	s := &Service{keys: testKey(t)}
	tok := s.ChatStartToken("+79991234567")
	if len(tok) > maxStartPayload || strings.Trim(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != "" {
		t.Fatalf("token %q does not fit a start parameter", tok)
	}
	if phone, ok := s.ChatStartPhone(tok); !ok || phone != "+79991234567" {
		t.Errorf("ChatStartPhone(%q) = %q, %v", tok, phone, ok)
	}
	digits, mac, _ := strings.Cut(tok, "-")
	for _, bad := range []string{"79991234568-" + mac, digits + "-" + strings.ToUpper(mac), digits, "", "-" + mac, tok + "x"} {
		if phone, ok := s.ChatStartPhone(bad); ok {
			t.Errorf("ChatStartPhone(%q) = %q, want refused", bad, phone)
		}
	}
	other := &Service{keys: testKey(t)}
	if _, ok := other.ChatStartPhone(tok); ok {
		t.Errorf("another server key accepted the token")
	}
}

func TestSessionPolicyBounds(t *testing.T) {
	for _, tc := range []struct {
		edit  func(p *Policy)
		field string
	}{
		{func(p *Policy) {}, ""},
		{func(p *Policy) { p.SessionTTL = 0 }, ""},
		{func(p *Policy) { p.SessionTTL = MinSessionTTL - time.Second }, "policy.sessionTtl"},
		{func(p *Policy) { p.SessionTTL = MaxSessionTTL + time.Second }, "policy.sessionTtl"},
		{func(p *Policy) { p.CodeAlphabet = "" }, ""},
		{func(p *Policy) { p.CodeAlphabet = "emoji" }, "policy.codeLetters"},
		{func(p *Policy) { p.Countries = []string{"GB", "RU"} }, ""},
		{func(p *Policy) { p.Countries = []string{"UK"} }, "policy.countries[0]"},
	} {
		p := DefaultPolicy()
		tc.edit(&p)
		err := p.Validate()
		if got := ""; err != nil {
			got = ErrorOf(err).Field
			if got != tc.field {
				t.Errorf("Validate() = %v, want field %q", err, tc.field)
			}
		} else if tc.field != "" {
			t.Errorf("Validate() = nil, want an error naming %s", tc.field)
		}
	}
	if got := (Policy{}).SessionLifetime(); got != 3*time.Minute {
		t.Errorf("lifetime of a policy without sessionTtl = %v, want 3 minutes", got)
	}
}
