package smpp_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/smpp"
)

func TestValidate(t *testing.T) {
	valid := smpp.Config{Addr: "smsc.example.com:2775", SystemID: "acme", Password: "secret", SourceAddr: "Acme"}
	tests := []struct {
		name string
		edit func(*smpp.Config)
		want string // "" for valid
	}{
		{"valid", func(*smpp.Config) {}, ""},
		{"numeric source", func(c *smpp.Config) { c.SourceAddr = "+15005550006" }, ""},
		{"empty source", func(c *smpp.Config) { c.SourceAddr = "" }, ""},
		{"no addr", func(c *smpp.Config) { c.Addr = "" }, "addr is required"},
		{"no system id", func(c *smpp.Config) { c.SystemID = "" }, "system_id is required"},
		{"long system id", func(c *smpp.Config) { c.SystemID = strings.Repeat("a", 16) }, "system_id must be at most 15"},
		{"long password", func(c *smpp.Config) { c.Password = "123456789" }, "password must be at most 8"},
		{"long system type", func(c *smpp.Config) { c.SystemType = strings.Repeat("a", 13) }, "system_type must be at most 12"},
		{"negative window", func(c *smpp.Config) { c.Window = -1 }, "window must be between"},
		{"huge window", func(c *smpp.Config) { c.Window = 5000 }, "window must be between"},
		{"negative timeout", func(c *smpp.Config) { c.Timeout = -time.Second }, "timeout"},
		{"negative enquire link", func(c *smpp.Config) { c.EnquireLink = -time.Second }, "enquire_link"},
		{"reconnect bounds reversed", func(c *smpp.Config) { c.ReconnectMin, c.ReconnectMax = time.Minute, time.Second },
			"reconnect_min must not exceed reconnect_max"},
		{"long alphanumeric source", func(c *smpp.Config) { c.SourceAddr = "AcmeCorporation" }, "source_addr"},
		{"odd source", func(c *smpp.Config) { c.SourceAddr = "Acme!" }, "source_addr"},
		{"long numeric source", func(c *smpp.Config) { c.SourceAddr = "+1234567890123456" }, "source_addr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid
			tt.edit(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
			if _, nerr := smpp.New(c); (nerr == nil) != (err == nil) {
				t.Errorf("New error %v disagrees with Validate error %v", nerr, err)
			}
		})
	}
}

func TestConfigYAML(t *testing.T) {
	const doc = `
addr: smsc.example.com:2775
system_id: acme
password: secret
system_type: otp
source_addr: Acme
allow_caller_id: true
receipts: false
window: 20
enquire_link: 45s
timeout: 5s
throttle_backoff: 2s
reconnect_min: 500ms
reconnect_max: 2m
`
	var got smpp.Config
	if err := yaml.Unmarshal([]byte(doc), &got); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	want := smpp.Config{
		Addr: "smsc.example.com:2775", SystemID: "acme", Password: "secret", SystemType: "otp",
		SourceAddr: "Acme", AllowCallerID: true, RequestReceipts: new(false), Window: 20,
		EnquireLink: 45 * time.Second, Timeout: 5 * time.Second, ThrottleBackoff: 2 * time.Second,
		ReconnectMin: 500 * time.Millisecond, ReconnectMax: 2 * time.Minute,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decoded config (-want +got):\n%s", diff)
	}
}

func TestChannels(t *testing.T) {
	p, err := smpp.New(smpp.Config{Addr: "127.0.0.1:1", SystemID: "acme"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer p.Close()
	if got := p.Channels(); !slices.Equal(got, []otp.Channel{otp.SMS}) {
		t.Errorf("Channels() = %v, want [sms]", got)
	}
}
