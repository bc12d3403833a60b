package smtp

import (
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		phase    phase
		code     int
		enhanced string
		want     errorClass
	}{
		// RCPT: the recipient's problems.
		{phaseRcpt, 550, "5.1.1", permanent},
		{phaseRcpt, 550, "", permanent},
		{phaseRcpt, 551, "", permanent},
		{phaseRcpt, 553, "5.1.3", permanent},
		{phaseRcpt, 553, "", permanent},
		{phaseRcpt, 501, "5.5.2", permanent},
		{phaseRcpt, 556, "", permanent},
		{phaseRcpt, 550, "5.1.10", permanent},
		{phaseRcpt, 550, "5.2.1", permanent},
		{phaseRcpt, 552, "5.2.2", permanent},
		{phaseRcpt, 550, "5.4.4", permanent},
		{phaseRcpt, 550, "5.0.0", permanent},
		// RCPT: ours, the message's or the server's.
		{phaseRcpt, 550, "5.7.1", refused},
		{phaseRcpt, 554, "5.7.1", refused},
		{phaseRcpt, 530, "5.7.0", refused},
		{phaseRcpt, 553, "5.6.7", refused},
		{phaseRcpt, 550, "5.1.7", refused},
		{phaseRcpt, 554, "", refused},
		{phaseRcpt, 552, "", refused},
		{phaseRcpt, 550, "5.3.0", refused},
		{phaseRcpt, 450, "4.1.1", transient},
		{phaseRcpt, 451, "", transient},
		{phaseRcpt, 452, "4.2.2", transient},
		// Everything before RCPT is about the account or the server.
		{phaseConnect, 535, "5.7.8", refused},
		{phaseConnect, 530, "5.7.0", refused},
		{phaseConnect, 554, "", refused},
		{phaseConnect, 502, "5.5.1", refused}, // STARTTLS not implemented
		{phaseConnect, 421, "4.3.2", transient},
		{phaseConnect, 454, "4.7.0", transient}, // TLS not available for now
		{phaseMail, 550, "5.1.0", refused},
		{phaseMail, 553, "", refused},
		{phaseMail, 530, "5.7.0", refused},
		{phaseMail, 552, "5.3.4", refused},
		{phaseMail, 451, "4.3.0", transient},
		{phaseData, 554, "5.5.1", refused},
		// After the data only an addressing or mailbox status blames the recipient.
		{phaseContent, 550, "5.1.1", permanent},
		{phaseContent, 552, "5.2.2", permanent},
		{phaseContent, 554, "5.7.1", refused},
		{phaseContent, 552, "5.3.4", refused},
		{phaseContent, 552, "", refused},
		{phaseContent, 550, "", refused},
		{phaseContent, 451, "4.3.0", transient},
		{phaseQuit, 554, "", refused},
	}
	for _, tt := range tests {
		if got := classify(tt.phase, tt.code, tt.enhanced); got != tt.want {
			t.Errorf("classify(%s, %d, %q) = %v, want %v", tt.phase, tt.code, tt.enhanced, got, tt.want)
		}
	}
}

func TestSplitReply(t *testing.T) {
	tests := []struct {
		code               int
		msg                string
		enhanced, wantText string
	}{
		{550, "5.1.1 User unknown", "5.1.1", "User unknown"},
		{535, "5.7.8 Username and Password not accepted. Learn more at\n5.7.8  https://support.google.com/mail/?p=BadCredentials",
			"5.7.8", "Username and Password not accepted. Learn more at https://support.google.com/mail/?p=BadCredentials"},
		{550, "Mailbox unavailable", "", "Mailbox unavailable"},
		{550, "4.2.0 class differs from the reply", "", "4.2.0 class differs from the reply"},
		{451, "4.3.0", "4.3.0", ""},
		{550, "5.1.10 RESOLVER.ADR.RecipientNotFound", "5.1.10", "RESOLVER.ADR.RecipientNotFound"},
	}
	for _, tt := range tests {
		enhanced, text := splitReply(tt.code, tt.msg)
		if enhanced != tt.enhanced || text != tt.wantText {
			t.Errorf("splitReply(%d, %q) = %q, %q; want %q, %q", tt.code, tt.msg, enhanced, text, tt.enhanced, tt.wantText)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<ivan.petrov+otp@example.net>: Recipient address rejected", "<[address]>: Recipient address rejected"},
		{"mailbox ivan@example.net unavailable", "mailbox [address] unavailable"},
		{"line one\r\nline two", "line one  line two"},
		{strings.Repeat("я", 250), strings.Repeat("я", maxMessage)},
	}
	for _, tt := range tests {
		if got := clean(tt.in); got != tt.want {
			t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
