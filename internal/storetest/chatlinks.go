package storetest

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

func testChatLinks(t *testing.T, st otp.Store) {
	_, err := st.GetChatLink(t.Context(), "tg", "+14155552671")
	wantNotFound(t, "GetChatLink before any link", err)
	first := otp.ChatLink{Provider: "tg", Phone: "+14155552671", ChatID: "111", LinkedAt: t0}
	if err := st.SaveChatLink(t.Context(), first); err != nil {
		t.Fatalf("SaveChatLink: %v", err)
	}
	again := otp.ChatLink{Provider: "tg", Phone: "+14155552671", ChatID: "222", LinkedAt: t0.Add(time.Hour)}
	if err := st.SaveChatLink(t.Context(), again); err != nil {
		t.Fatalf("SaveChatLink again: %v", err)
	}
	other := otp.ChatLink{Provider: "tg-2", Phone: "+14155552671", ChatID: "333", LinkedAt: t0}
	if err := st.SaveChatLink(t.Context(), other); err != nil {
		t.Fatalf("SaveChatLink for another provider: %v", err)
	}
	got, err := st.GetChatLink(t.Context(), "tg", "+14155552671")
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "the relinked chat", again, got)
	got, err = st.GetChatLink(t.Context(), "tg-2", "+14155552671")
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "another provider's chat", other, got)
}
