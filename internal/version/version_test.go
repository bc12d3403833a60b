package version

import (
	"regexp"
	"testing"
)

// metaUserAgent is the pattern of the User-Agent header in Meta's WhatsApp
// Cloud API specification (facebook/openapi,
// business-messaging-api_v23.0.yaml, components.parameters.UserAgent).
var metaUserAgent = regexp.MustCompile(`^[a-zA-Z0-9\-_]+\/[0-9]+\.[0-9]+\.[0-9]+(;[a-zA-Z0-9\-=\.]+)?(\s+[a-zA-Z0-9\-_]+\/[0-9\-\.]+)?$`)

func TestUserAgent(t *testing.T) {
	for _, tc := range []struct{ version, want string }{
		{"v1.2.3", "otpd/1.2.3"},
		{"1.2.3", "otpd/1.2.3"},
		{"v10.20.30", "otpd/10.20.30"},
		{"v1.2.3-rc.1", "otpd/1.2.3;rc.1"},
		{"v1.2.3+dirty", "otpd/1.2.3;dirty"},
		{"v1.2.3-rc.1+build.5", "otpd/1.2.3;rc.1.build.5"},
		{"v0.0.0-20261207101010-0123456789ab", "otpd/0.0.0;20261207101010-0123456789ab"},
		{"v2.0.0+incompatible", "otpd/2.0.0;incompatible"},
		{"dev-0123456789ab", "otpd/0.0.0;dev=0123456789ab"},
		{"dev", "otpd/0.0.0;dev"},
		{"", "otpd/0.0.0"},
		{"1.2", "otpd/0.0.0;1.2"},
		{"nightly build/7", "otpd/0.0.0;nightly.build.7"},
	} {
		got := userAgent(tc.version)
		if got != tc.want {
			t.Errorf("userAgent(%q) = %q, want %q", tc.version, got, tc.want)
		}
		if !metaUserAgent.MatchString(got) {
			t.Errorf("userAgent(%q) = %q, which Meta's User-Agent pattern refuses", tc.version, got)
		}
	}
}

// TestUserAgentOfThisBuild checks the value the adapters send, whatever
// String finds in this test binary's build information.
func TestUserAgentOfThisBuild(t *testing.T) {
	if got := UserAgent(); !metaUserAgent.MatchString(got) || !regexp.MustCompile(`^otpd/\d+\.\d+\.\d+`).MatchString(got) {
		t.Errorf("UserAgent() = %q (String() %q), want otpd/x.y.z in Meta's pattern", got, String())
	}
}

func TestStampedVersion(t *testing.T) {
	old := version
	t.Cleanup(func() { version = old })
	version = "v1.4.0"
	if got, want := String(), "v1.4.0"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := UserAgent(), "otpd/1.4.0"; got != want {
		t.Errorf("UserAgent() = %q, want %q", got, want)
	}
}
