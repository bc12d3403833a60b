package otp

import "testing"

func TestMoney(t *testing.T) {
	for _, tc := range []struct {
		amount string
		micros int64
		want   string
	}{
		{"0.0075", 7500, "0.0075"},
		{"1.5", 1_500_000, "1.50"},
		{"12", 12_000_000, "12.00"},
		{"0.000001", 1, "0.000001"},
	} {
		m, err := ParseMoney(tc.amount, "USD")
		if err != nil {
			t.Fatalf("ParseMoney(%q): %v", tc.amount, err)
		}
		if m.Micros != tc.micros || m.Amount() != tc.want {
			t.Errorf("ParseMoney(%q) = %d micros %q, want %d %q", tc.amount, m.Micros, m.Amount(), tc.micros, tc.want)
		}
	}
	for _, bad := range []string{"", "-1", "1.0000001", "abc", "1.2.3", "+1", "1e3"} {
		if _, err := ParseMoney(bad, "USD"); err == nil {
			t.Errorf("ParseMoney(%q) succeeded, want an error", bad)
		}
	}
	if _, err := ParseMoney("1", "usd"); err == nil {
		t.Error("ParseMoney with currency usd succeeded, want an error")
	}
	a, _ := ParseMoney("0.0075", "USD")
	sum, err := a.Add(a)
	if err != nil || sum.Amount() != "0.015" {
		t.Errorf("0.0075+0.0075 = %q, %v; want 0.015", sum.Amount(), err)
	}
	if sum, _ := (Money{}).Add(a); sum != a {
		t.Errorf("zero + a = %+v, want %+v", sum, a)
	}
	if _, err := a.Add(Money{Micros: 1, Currency: "EUR"}); err == nil {
		t.Error("adding EUR to USD succeeded, want an error")
	}
}
