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
		{phaseRcpt, 501, "5.5.2", permanent},
		{phaseRcpt, 556, "", permanent},
		{phaseRcpt, 550, "5.2.1", permanent},
		{phaseRcpt, 552, "5.2.2", permanent},
		{phaseRcpt, 550, "5.4.4", permanent},
		{phaseRcpt, 550, "5.0.0", permanent},
		// RCPT: ours or the server's.
		{phaseRcpt, 550, "5.7.1", transient},
		{phaseRcpt, 554, "5.7.1", transient},
		{phaseRcpt, 530, "5.7.0", transient},
		{phaseRcpt, 554, "", transient},
		{phaseRcpt, 552, "", transient},
		{phaseRcpt, 550, "5.3.0", transient},
		{phaseRcpt, 450, "4.1.1", transient},
		{phaseRcpt, 451, "", transient},
		// Everything before RCPT is about the account or the server.
		{phaseConnect, 535, "5.7.8", transient},
		{phaseConnect, 554, "", transient},
		{phaseMail, 550, "5.1.0", transient},
		{phaseMail, 553, "", transient},
		{phaseData, 554, "5.5.1", transient},
		// After the data only an addressing or mailbox status blames the recipient.
		{phaseContent, 550, "5.1.1", permanent},
		{phaseContent, 552, "5.2.2", permanent},
		{phaseContent, 554, "5.7.1", transient},
		{phaseContent, 550, "", transient},
		{phaseContent, 451, "4.3.0", transient},
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
