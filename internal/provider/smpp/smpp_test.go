package smpp_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/smpp"
	"github.com/otpd/otpd/internal/provider/smpp/smsctest"
)

// newProvider returns a provider bound for srv, closed when the test ends.
func newProvider(t testing.TB, srv *smsctest.Server, edit func(*smpp.Config)) *smpp.Provider {
	t.Helper()
	c := smpp.Config{
		Name:         "smpp-test",
		Addr:         srv.Addr(),
		SystemID:     smsctest.DefaultSystemID,
		Password:     smsctest.DefaultPassword,
		SystemType:   "otp",
		SourceAddr:   "Acme",
		Timeout:      5 * time.Second,
		ReconnectMin: 10 * time.Millisecond,
		ReconnectMax: 50 * time.Millisecond,
	}
	if edit != nil {
		edit(&c)
	}
	p, err := smpp.New(c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func sms(body string) otp.OutgoingMessage {
	return otp.OutgoingMessage{ID: "dlv_1", To: "+447700900123", Channel: otp.SMS, Body: body, Code: "123456"}
}

// waitStats waits for the fake's counters to satisfy cond.
func waitStats(t *testing.T, srv *smsctest.Server, cond func(smsctest.Stats) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := srv.WaitStats(ctx, cond); err != nil {
		t.Fatal(err)
	}
}

// septets counts the GSM 7-bit septets of s: characters of the extension
// table take two.
func septets(s string) int {
	n := 0
	for _, r := range s {
		n++
		if strings.ContainsRune("€[]{}|~^\\\f", r) {
			n++
		}
	}
	return n
}

func TestSendEncodesAndSplits(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantCoding byte
		wantParts  int
	}{
		{"gsm", "Your Acme code is 482913.", 0, 1},
		{"gsm extension table", "Code {482913} [Acme] costs 5€ | ~^\\", 0, 1},
		{"ucs2", "Ваш код Acme: 482913", 8, 1},
		{"ucs2 emoji", "Your code 🔐 482913", 8, 1},
		{"gsm 160 fits one part", strings.Repeat("a", 160), 0, 1},
		{"gsm 161 needs two", strings.Repeat("a", 161), 0, 2},
		{"gsm escapes count twice", strings.Repeat("€", 80), 0, 1},
		{"gsm escapes over 160", strings.Repeat("€", 81), 0, 2},
		{"gsm long", strings.Repeat("Your Acme code is 482913. ", 16), 0, 3},
		{"gsm escape on a part boundary", strings.Repeat("a", 152) + "€" + strings.Repeat("b", 20), 0, 2},
		{"ucs2 70 fits one part", strings.Repeat("ж", 70), 8, 1},
		{"ucs2 71 needs two", strings.Repeat("ж", 71), 8, 2},
		{"ucs2 long", strings.Repeat("Код 482913. ", 13), 8, 3},
		{"ucs2 surrogate pair on a part boundary", strings.Repeat("ж", 66) + "🔐" + strings.Repeat("ж", 10), 8, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smsctest.Start(t, smsctest.Config{})
			p := newProvider(t, srv, nil)

			res, err := p.Send(t.Context(), sms(tt.body))
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("the SMSC got %d messages, want 1", len(msgs))
			}
			m := msgs[0]
			if got, want := res, (otp.SendResult{Provider: "smpp-test", ProviderMessageID: m.Parts[0].MessageID}); got != want {
				t.Errorf("Send = %+v, want %+v (the first part's id)", got, want)
			}
			if m.Text != tt.body {
				t.Errorf("reassembled text = %q, want %q", m.Text, tt.body)
			}
			if len(m.Parts) != tt.wantParts {
				t.Fatalf("%d parts, want %d", len(m.Parts), tt.wantParts)
			}
			for i, part := range m.Parts {
				if part.DataCoding != tt.wantCoding {
					t.Errorf("part %d data_coding = %d, want %d", i+1, part.DataCoding, tt.wantCoding)
				}
				limit, size := 160, septets(part.Text)
				if tt.wantCoding == 8 {
					limit, size = 70, len(utf16.Encode([]rune(part.Text)))
				}
				if tt.wantParts > 1 {
					limit = limit - 7 // 153 septets or 67 UCS-2 characters beside the header
					if tt.wantCoding == 8 {
						limit = 67
					}
				}
				if size > limit {
					t.Errorf("part %d holds %d units, want at most %d", i+1, size, limit)
				}
				if tt.wantParts == 1 {
					if part.Total != 0 || part.ESMClass&0x40 != 0 {
						t.Errorf("single part has a concatenation header: total %d, esm_class %#x", part.Total, part.ESMClass)
					}
					continue
				}
				if part.ESMClass&0x40 == 0 {
					t.Errorf("part %d esm_class = %#x, want the UDHI bit 0x40", i+1, part.ESMClass)
				}
				if part.Total != tt.wantParts || part.Seq != i+1 || part.Ref != m.Parts[0].Ref {
					t.Errorf("part %d header: ref %d total %d seq %d, want ref %d total %d seq %d",
						i+1, part.Ref, part.Total, part.Seq, m.Parts[0].Ref, tt.wantParts, i+1)
				}
			}
		})
	}
}

func TestSendConcatenationReferencesDiffer(t *testing.T) {
	srv := smsctest.Start(t, smsctest.Config{})
	p := newProvider(t, srv, nil)
	body := strings.Repeat("x", 200)
	for range 2 {
		if _, err := p.Send(t.Context(), sms(body)); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("the SMSC got %d messages, want 2", len(msgs))
	}
	if a, b := msgs[0].Parts[0].Ref, msgs[1].Parts[0].Ref; a == b {
		t.Errorf("two long messages to the same number share reference %d", a)
	}
}

func TestSendAddresses(t *testing.T) {
	tests := []struct {
		name          string
		sourceAddr    string
		allowCallerID bool
		callerID      string
		receipts      *bool
		want          smsctest.Submit
	}{
		{name: "alphanumeric sender", sourceAddr: "Acme",
			want: smsctest.Submit{SourceAddr: "Acme", SourceTON: 5, SourceNPI: 0, RegisteredDelivery: 1}},
		{name: "numeric sender", sourceAddr: "+15005550006",
			want: smsctest.Submit{SourceAddr: "15005550006", SourceTON: 1, SourceNPI: 1, RegisteredDelivery: 1}},
		{name: "caller id allowed", sourceAddr: "Acme", allowCallerID: true, callerID: "AcmeBank",
			want: smsctest.Submit{SourceAddr: "AcmeBank", SourceTON: 5, SourceNPI: 0, RegisteredDelivery: 1}},
		{name: "numeric caller id allowed", sourceAddr: "Acme", allowCallerID: true, callerID: "+15005550006",
			want: smsctest.Submit{SourceAddr: "15005550006", SourceTON: 1, SourceNPI: 1, RegisteredDelivery: 1}},
		{name: "caller id not allowed", sourceAddr: "Acme", callerID: "AcmeBank",
			want: smsctest.Submit{SourceAddr: "Acme", SourceTON: 5, SourceNPI: 0, RegisteredDelivery: 1}},
		{name: "unusable caller id falls back", sourceAddr: "Acme", allowCallerID: true, callerID: "Acme Bank Ltd",
			want: smsctest.Submit{SourceAddr: "Acme", SourceTON: 5, SourceNPI: 0, RegisteredDelivery: 1}},
		{name: "receipts off", sourceAddr: "Acme", receipts: new(false),
			want: smsctest.Submit{SourceAddr: "Acme", SourceTON: 5, SourceNPI: 0, RegisteredDelivery: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smsctest.Start(t, smsctest.Config{})
			p := newProvider(t, srv, func(c *smpp.Config) {
				c.SourceAddr, c.AllowCallerID, c.RequestReceipts = tt.sourceAddr, tt.allowCallerID, tt.receipts
			})
			m := sms("Your code is 482913")
			m.CallerID = tt.callerID
			if _, err := p.Send(t.Context(), m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			subs := srv.Submits()
			if len(subs) != 1 {
				t.Fatalf("the SMSC got %d submit_sm, want 1", len(subs))
			}
			want := tt.want
			want.DestAddr, want.DestTON, want.DestNPI = "447700900123", 1, 1
			got := subs[0]
			got.MessageID, got.Text = "", ""
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("submit_sm (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSendValidityPeriod(t *testing.T) {
	moscow := time.FixedZone("MSK", 3*60*60)
	tests := []struct {
		name      string
		expiresAt time.Time
		body      string
		want      string
	}{
		{"utc", time.Date(2026, 12, 7, 10, 15, 30, 0, time.UTC), "Your code is 482913", "261207101530000+"},
		{"tenths dropped", time.Date(2026, 12, 7, 10, 15, 30, 999_000_000, time.UTC), "Your code is 482913", "261207101530000+"},
		{"other zone given in utc", time.Date(2026, 12, 7, 13, 15, 30, 0, moscow), "Your code is 482913", "261207101530000+"},
		{"every part of a long message", time.Date(2027, 1, 1, 0, 0, 5, 0, time.UTC), strings.Repeat("x", 200), "270101000005000+"},
		{"no expiry", time.Time{}, "Your code is 482913", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smsctest.Start(t, smsctest.Config{})
			p := newProvider(t, srv, nil)
			m := sms(tt.body)
			m.ExpiresAt = tt.expiresAt
			if _, err := p.Send(t.Context(), m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			subs := srv.Submits()
			if len(subs) == 0 {
				t.Fatal("the SMSC got no submit_sm")
			}
			for i, sub := range subs {
				if sub.ValidityPeriod != tt.want {
					t.Errorf("submit_sm %d validity_period = %q, want %q", i+1, sub.ValidityPeriod, tt.want)
				}
			}
		})
	}
}

func TestBindPresentsCredentials(t *testing.T) {
	srv := smsctest.Start(t, smsctest.Config{})
	p := newProvider(t, srv, nil)
	if err := p.Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	want := []smsctest.Bind{{Command: "bind_transceiver", SystemID: smsctest.DefaultSystemID, SystemType: "otp", OK: true}}
	if diff := cmp.Diff(want, srv.Binds()); diff != "" {
		t.Errorf("binds (-want +got):\n%s", diff)
	}
	if st := srv.Stats(); st.EnquireLinks < 1 || st.Submits != 0 {
		t.Errorf("Check: %d enquire_link and %d submit_sm, want at least 1 and 0", st.EnquireLinks, st.Submits)
	}
}

// TestSendStatusErrors goes through the command_status values of SMPP
// 3.4 section 5.1.3 a submit_sm_resp can carry, and their classes.
func TestSendStatusErrors(t *testing.T) {
	const (
		transient = iota
		refused
		permanent
	)
	tests := []struct {
		status uint32
		name   string
		class  int
	}{
		// The recipient: no provider can help.
		{0x0000000B, "ESME_RINVDSTADR", permanent},
		// The message, our sender, our parameters or our bind, as this SMSC sees them.
		{0x00000001, "ESME_RINVMSGLEN", refused},
		{0x00000002, "ESME_RINVCMDLEN", refused},
		{0x00000003, "ESME_RINVCMDID", refused},
		{0x00000004, "ESME_RINVBNDSTS", refused},
		{0x00000005, "ESME_RALYBND", refused},
		{0x00000006, "ESME_RINVPRTFLG", refused},
		{0x00000007, "ESME_RINVREGDLVFLG", refused},
		{0x0000000A, "ESME_RINVSRCADR", refused},
		{0x0000000D, "ESME_RBINDFAIL", refused},
		{0x0000000E, "ESME_RINVPASWD", refused},
		{0x0000000F, "ESME_RINVSYSID", refused},
		{0x00000015, "ESME_RINVSERTYP", refused},
		{0x00000043, "ESME_RINVESMCLASS", refused},
		{0x00000048, "ESME_RINVSRCTON", refused},
		{0x00000049, "ESME_RINVSRCNPI", refused},
		{0x00000050, "ESME_RINVDSTTON", refused},
		{0x00000051, "ESME_RINVDSTNPI", refused},
		{0x00000053, "ESME_RINVSYSTYP", refused},
		{0x00000054, "ESME_RINVREPFLAG", refused},
		{0x00000061, "ESME_RINVSCHED", refused},
		{0x00000062, "ESME_RINVEXPIRY", refused},
		{0x00000063, "ESME_RINVDFTMSGID", refused},
		{0x000000C0, "ESME_RINVOPTPARSTREAM", refused},
		{0x000000C1, "ESME_ROPTPARNOTALLWD", refused},
		{0x000000C2, "ESME_RINVPARLEN", refused},
		{0x000000C3, "ESME_RMISSINGOPTPARAM", refused},
		{0x000000C4, "ESME_RINVOPTPARAMVAL", refused},
		// The SMSC's state, or nothing specific: retry.
		{0x00000008, "ESME_RSYSERR", transient},
		{0x00000014, "ESME_RMSGQFUL", transient},
		{0x00000058, "ESME_RTHROTTLED", transient},
		{0x00000045, "ESME_RSUBMITFAIL", transient},
		{0x00000064, "ESME_RX_T_APPN", transient},
		{0x000000FF, "ESME_RUNKNOWNERR", transient},
		{0x00000401, "SMSC vendor-specific error", transient},
		{0x00000300, "unknown command status", transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smsctest.Start(t, smsctest.Config{})
			p := newProvider(t, srv, func(c *smpp.Config) { c.ThrottleBackoff = 3 * time.Second })
			srv.FailNext(1, tt.status)

			_, err := p.Send(t.Context(), sms("Your code is 482913"))
			var pe *otp.ProviderError
			if !errors.As(err, &pe) {
				t.Fatalf("Send error = %v, want a *otp.ProviderError", err)
			}
			want := otp.ProviderError{Provider: "smpp-test", Code: fmt.Sprintf("0x%08X", tt.status), Message: tt.name,
				Permanent: tt.class == permanent, Refused: tt.class == refused}
			if tt.status == smsctest.StatusThrottled || tt.status == smsctest.StatusMsgQFull {
				want.RetryAfter = 3 * time.Second
			}
			if diff := cmp.Diff(want, *pe); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if got := errors.Is(err, otp.ErrPermanent); got != want.Permanent {
				t.Errorf("errors.Is(err, ErrPermanent) = %v, want %v", got, want.Permanent)
			}
			// The refusal concerned that message only.
			if _, err := p.Send(t.Context(), sms("Your code is 482913")); err != nil {
				t.Errorf("next Send: %v", err)
			}
		})
	}
}

func TestSendMalformedAnswer(t *testing.T) {
	srv := smsctest.Start(t, smsctest.Config{})
	p := newProvider(t, srv, nil)
	srv.MalformNext(1)
	_, err := p.Send(t.Context(), sms("Your code is 482913"))
	var pe *otp.ProviderError
	if !errors.As(err, &pe) || pe.Permanent || pe.Refused || !strings.Contains(pe.Message, "message_id") {
		t.Errorf("Send error = %#v, want a transient *otp.ProviderError about the missing message_id", err)
	}
}

func TestSendRefusesBadMessages(t *testing.T) {
	tests := []struct {
		name          string
		edit          func(*otp.OutgoingMessage)
		wantPermanent bool
	}{
		{"national number", func(m *otp.OutgoingMessage) { m.To = "07700900123" }, true},
		{"leading zero", func(m *otp.OutgoingMessage) { m.To = "+07700900123" }, true},
		{"too long", func(m *otp.OutgoingMessage) { m.To = "+4477009001234567" }, true},
		{"email", func(m *otp.OutgoingMessage) { m.To = "ann@example.com" }, true},
		{"empty body", func(m *otp.OutgoingMessage) { m.Body = "" }, false},
		{"longer than 255 parts", func(m *otp.OutgoingMessage) { m.Body = strings.Repeat("a", 153*255+1) }, false},
		{"not sms", func(m *otp.OutgoingMessage) { m.Channel = otp.Voice }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smsctest.Start(t, smsctest.Config{})
			p := newProvider(t, srv, nil)
			m := sms("Your code is 482913")
			tt.edit(&m)
			_, err := p.Send(t.Context(), m)
			var pe *otp.ProviderError
			if !errors.As(err, &pe) {
				t.Fatalf("Send error = %v, want a *otp.ProviderError", err)
			}
			// Not a number is the destination's fault; the rest is the
			// message's, which another provider may still take.
			if pe.Permanent != tt.wantPermanent || pe.Refused == tt.wantPermanent {
				t.Errorf("Permanent, Refused = %v, %v; want %v, %v (%v)", pe.Permanent, pe.Refused, tt.wantPermanent, !tt.wantPermanent, err)
			}
			if strings.Contains(err.Error(), "7700900") {
				t.Errorf("error %q shows the phone number", err)
			}
			if n := srv.Stats().Submits; n != 0 {
				t.Errorf("the SMSC got %d submit_sm, want none", n)
			}
		})
	}
}

func TestBindFailure(t *testing.T) {
	tests := []struct {
		name     string
		systemID string
		password string
		want     otp.ProviderError
	}{
		{"wrong password", smsctest.DefaultSystemID, "wrong",
			otp.ProviderError{Provider: "smpp-test", Code: "0x0000000E", Message: "bind refused: ESME_RINVPASWD", Refused: true}},
		{"unknown system id", "nobody", smsctest.DefaultPassword,
			otp.ProviderError{Provider: "smpp-test", Code: "0x0000000F", Message: "bind refused: ESME_RINVSYSID", Refused: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smsctest.Start(t, smsctest.Config{})
			p := newProvider(t, srv, func(c *smpp.Config) { c.SystemID, c.Password = tt.systemID, tt.password })
			checkBindRefused(t, srv, p, tt.want)
		})
	}
}

// TestBindRefusedWithoutBody: a bind_resp that is only a header, as
// node-smpp and others send for a refusal, is reported with its status,
// classified as bindClass says.
func TestBindRefusedWithoutBody(t *testing.T) {
	tests := []struct {
		status  uint32
		name    string
		refused bool
	}{
		{smsctest.StatusBindFail, "ESME_RBINDFAIL", true},
		{0x0000000E, "ESME_RINVPASWD", true},
		{0x0000000F, "ESME_RINVSYSID", true},
		{0x00000053, "ESME_RINVSYSTYP", true},
		{0x00000005, "ESME_RALYBND", true},
		{0x00000410, "SMSC vendor-specific error", true},
		{smsctest.StatusSysErr, "ESME_RSYSERR", false},
		{smsctest.StatusThrottled, "ESME_RTHROTTLED", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smsctest.Start(t, smsctest.Config{})
			srv.RefuseBinds(tt.status)
			p := newProvider(t, srv, func(c *smpp.Config) { c.ThrottleBackoff = 3 * time.Second })
			want := otp.ProviderError{Provider: "smpp-test", Code: fmt.Sprintf("0x%08X", tt.status),
				Message: "bind refused: " + tt.name, Refused: tt.refused}
			if tt.status == smsctest.StatusThrottled {
				want.RetryAfter = 3 * time.Second
			}
			checkBindRefused(t, srv, p, want)
		})
	}
}

// checkBindRefused checks that Check and Send report the refused bind as
// want, and that the SMSC saw nothing but refused binds.
func checkBindRefused(t *testing.T, srv *smsctest.Server, p *smpp.Provider, want otp.ProviderError) {
	t.Helper()
	err := p.Check(t.Context())
	var pe *otp.ProviderError
	if !errors.As(err, &pe) {
		t.Fatalf("Check error = %v, want a *otp.ProviderError", err)
	}
	if diff := cmp.Diff(want, *pe); diff != "" {
		t.Errorf("Check error (-want +got):\n%s", diff)
	}
	_, err = p.Send(t.Context(), sms("Your code is 482913"))
	if !errors.As(err, &pe) || pe.Permanent || pe.Refused != want.Refused || !strings.Contains(pe.Message, "bind refused") {
		t.Errorf("Send error = %#v, want the bind refusal (refused %v)", err, want.Refused)
	}
	if st := srv.Stats(); st.BindFailures < 1 || st.Binds != 0 || st.Submits != 0 {
		t.Errorf("SMSC counters %+v, want a refused bind and nothing else", st)
	}
}

func TestCheckUnreachable(t *testing.T) {
	srv := smsctest.Start(t, smsctest.Config{})
	p := newProvider(t, srv, nil)
	srv.Close()
	err := p.Check(t.Context())
	var pe *otp.ProviderError
	if !errors.As(err, &pe) || pe.Permanent || pe.Refused || !strings.Contains(pe.Message, "connect") {
		t.Errorf("Check error = %v, want a transient connection error", err)
	}
	if _, err := p.Send(t.Context(), sms("Your code is 482913")); !errors.As(err, &pe) || pe.Permanent || pe.Refused {
		t.Errorf("Send error = %v, want a transient *otp.ProviderError", err)
	}
}

func TestReconnectAfterDrop(t *testing.T) {
	srv := smsctest.Start(t, smsctest.Config{})
	p := newProvider(t, srv, nil)
	if _, err := p.Send(t.Context(), sms("first")); err != nil {
		t.Fatalf("Send before the drop: %v", err)
	}
	for round := 2; round <= 3; round++ {
		srv.DropConnections()
		// Once the SMSC sees the new bind the provider knows the old
		// connection is gone; Send waits for the bind to complete.
		waitStats(t, srv, func(s smsctest.Stats) bool { return s.Binds >= round })
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		_, err := p.Send(ctx, sms("after"))
		cancel()
		if err != nil {
			t.Fatalf("Send after drop %d: %v", round-1, err)
		}
	}
	if got := len(srv.Messages()); got != 3 {
		t.Errorf("the SMSC got %d messages, want 3", got)
	}
}

func TestSendWaitsForReconnect(t *testing.T) {
	srv := smsctest.Start(t, smsctest.Config{})
	p := newProvider(t, srv, func(c *smpp.Config) {
		// A long wait before reconnecting, so that the Send below
		// certainly starts while the provider is disconnected.
		c.ReconnectMin, c.ReconnectMax = 300*time.Millisecond, 300*time.Millisecond
	})
	if err := p.Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	srv.DropConnections()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	// The first attempt may still see the old connection and lose the
	// message with it; the router would retry, and so does the test.
	var err error
	for range 2 {
		if _, err = p.Send(ctx, sms("during the reconnect")); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("Send during the reconnect: %v", err)
	}
	if st := srv.Stats(); st.Binds != 2 {
		t.Errorf("%d binds, want 2", st.Binds)
	}
}

func TestEnquireLink(t *testing.T) {
	srv := smsctest.Start(t, smsctest.Config{})
	p := newProvider(t, srv, func(c *smpp.Config) { c.EnquireLink = 20 * time.Millisecond })
	if _, err := p.Send(t.Context(), sms("Your code is 482913")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	// The keep-alive runs by itself while the bind is idle.
	waitStats(t, srv, func(s smsctest.Stats) bool { return s.EnquireLinks >= 3 })
	if st := srv.Stats(); st.Binds != 1 {
		t.Errorf("%d binds, want 1: the keep-alive must not disturb the bind", st.Binds)
	}
}

func TestSendContextEnds(t *testing.T) {
	srv := smsctest.Start(t, smsctest.Config{})
	// Close waits up to Timeout for the unanswered request; keep it short.
	p := newProvider(t, srv, func(c *smpp.Config) { c.Timeout = time.Second })
	if err := p.Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	srv.SetDelay(time.Hour)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := p.Send(ctx, sms("Your code is 482913"))
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, otp.ErrPermanent) {
		t.Errorf("Send error = %v, want a transient context.DeadlineExceeded", err)
	}
}

func TestSendTimeout(t *testing.T) {
	srv := smsctest.Start(t, smsctest.Config{})
	p := newProvider(t, srv, func(c *smpp.Config) { c.Timeout = 300 * time.Millisecond })
	if err := p.Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	srv.SetMute(true)
	_, err := p.Send(t.Context(), sms("Your code is 482913"))
	var pe *otp.ProviderError
	if !errors.As(err, &pe) || pe.Permanent || pe.Refused || !strings.Contains(pe.Message, "no submit_sm_resp within 300ms") {
		t.Errorf("Send error = %v, want a transient timeout", err)
	}
	// The unanswered request's window slot comes back after the timeout.
	srv.SetMute(false)
	if _, err := p.Send(t.Context(), sms("Your code is 482913")); err != nil {
		t.Errorf("Send after the timeout: %v", err)
	}
}

func TestWindow(t *testing.T) {
	const window, senders = 4, 24
	srv := smsctest.Start(t, smsctest.Config{})
	p := newProvider(t, srv, func(c *smpp.Config) { c.Window = window })
	if err := p.Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	// Answers come late, so senders pile up against the window.
	srv.SetDelay(20 * time.Millisecond)

	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for i := range senders {
		wg.Go(func() {
			if _, err := p.Send(t.Context(), sms(fmt.Sprintf("Your code is %06d", i))); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Send: %v", err)
	}
	st := srv.Stats()
	if st.Accepted != senders {
		t.Errorf("the SMSC accepted %d messages, want %d", st.Accepted, senders)
	}
	if st.MaxOutstanding > window || st.MaxOutstanding < 2 {
		t.Errorf("at most %d submit_sm were outstanding, want 2 to %d", st.MaxOutstanding, window)
	}
}

func TestClose(t *testing.T) {
	srv := smsctest.Start(t, smsctest.Config{})
	p := newProvider(t, srv, nil)
	if _, err := p.Send(t.Context(), sms("Your code is 482913")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	waitStats(t, srv, func(s smsctest.Stats) bool { return s.Unbinds == 1 })
	if _, err := p.Send(t.Context(), sms("Your code is 482913")); err == nil {
		t.Error("Send after Close succeeded")
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if st := srv.Stats(); st.Binds != 1 || st.Submits != 1 {
		t.Errorf("SMSC counters %+v, want 1 bind and 1 submit_sm: no reconnection after Close", st)
	}
}

func TestCloseUnused(t *testing.T) {
	srv := smsctest.Start(t, smsctest.Config{})
	p := newProvider(t, srv, nil)
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := p.Check(t.Context()); err == nil {
		t.Error("Check after Close succeeded")
	}
	if n := srv.Stats().Connections; n != 0 {
		t.Errorf("%d connections, want none", n)
	}
}
