package otp

import "testing"

func TestLimitKey(t *testing.T) {
	tests := []struct {
		name string
		in   Destination
		want string
	}{
		{"phone as it is", Destination{Value: "+447946095800", IsPhone: true}, "+447946095800"},
		{"lower case", Destination{Value: "Victim@Example.COM"}, "victim@example.com"},
		{"plus tag dropped", Destination{Value: "victim+1@example.com"}, "victim@example.com"},
		{"every tag after the first plus", Destination{Value: "victim+a+b@example.com"}, "victim@example.com"},
		{"a plus first is the whole local part", Destination{Value: "+tag@example.com"}, "+tag@example.com"},
		{"dots kept at other providers", Destination{Value: "v.ic.tim@outlook.com"}, "v.ic.tim@outlook.com"},
		{"gmail ignores dots", Destination{Value: "v.ic.tim+x@gmail.com"}, "victim@gmail.com"},
		{"googlemail is gmail", Destination{Value: "Vic.Tim@GoogleMail.com"}, "victim@gmail.com"},
		{"gmail local part of dots only kept", Destination{Value: "..@gmail.com"}, "..@gmail.com"},
		{"subdomain of gmail is not gmail", Destination{Value: "v.i@mail.gmail.com"}, "v.i@mail.gmail.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.limitKey(); got != tt.want {
				t.Errorf("limitKey(%q) = %q, want %q", tt.in.Value, got, tt.want)
			}
			if got := limitKeyOf(tt.in.Value); got != tt.want {
				t.Errorf("limitKeyOf(%q) = %q, want %q", tt.in.Value, got, tt.want)
			}
		})
	}
}

// FuzzLimitKey checks that limitKey never panics and is idempotent: the
// key of a canonical address is itself, so a key stored or compared
// twice is the same key.
func FuzzLimitKey(f *testing.F) {
	for _, s := range []string{"victim+1@example.com", "V.I.C+x@googlemail.com", "+@gmail.com", ".+.@gmail.com", "@", "a@b@gmail.com", "+447946095800", "\xff@GMAIL.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		key := limitKeyOf(s)
		if again := limitKeyOf(key); again != key {
			t.Fatalf("limitKeyOf(%q) = %q, whose key is %q", s, key, again)
		}
		d, err := ParseDestination(s, "to")
		if err != nil {
			return
		}
		key = d.limitKey()
		if again := (Destination{Value: key, IsPhone: d.IsPhone}).limitKey(); again != key {
			t.Fatalf("limitKey(%q) = %q, whose key is %q", d.Value, key, again)
		}
	})
}
