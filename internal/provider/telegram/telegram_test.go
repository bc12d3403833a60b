package telegram_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/telegram"
	"github.com/otpd/otpd/internal/provider/telegram/telegramtest"
)

const (
	recipient   = "+447700900123"
	code        = "482913"
	callbackURL = "https://otpd.example/callbacks/telegram-main"
)

// newGateway returns a gateway-mode provider for the fake's account; edit
// adjusts the configuration first.
func newGateway(t *testing.T, s *telegramtest.GatewayServer, edit func(*telegram.Config)) *telegram.Provider {
	t.Helper()
	c := telegram.Config{Name: "telegram-main", Token: s.Token, BaseURL: s.URL}
	if edit != nil {
		edit(&c)
	}
	p, err := telegram.New(c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

func message() otp.OutgoingMessage {
	return otp.OutgoingMessage{
		ID: "dlv_1", To: recipient, Channel: otp.Telegram, Locale: "en", Code: code,
		Body: "Your Acme code is " + code + ".", Attempt: 1, ExpiresAt: time.Now().Add(2 * time.Hour),
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		c    telegram.Config
		want string // substring of the error; "" for valid
	}{
		{"gateway", telegram.Config{Token: "tok"}, ""},
		{"gateway explicit", telegram.Config{Mode: "gateway", Token: "tok", SenderUsername: "acme_codes", CallbackURL: callbackURL}, ""},
		{"bot", telegram.Config{Mode: "bot", BotToken: "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"}, ""},
		{"unknown mode", telegram.Config{Mode: "mtproto", Token: "tok"}, "mode must be"},
		{"no token", telegram.Config{}, "token is required"},
		{"sender with @", telegram.Config{Token: "tok", SenderUsername: "@acme"}, "sender_username is written without the @"},
		{"bad sender", telegram.Config{Token: "tok", SenderUsername: "a-b"}, "sender_username must be"},
		{"http callback", telegram.Config{Token: "tok", CallbackURL: "http://otpd.example/cb"}, "callback_url must be an absolute https URL"},
		{"relative callback", telegram.Config{Token: "tok", CallbackURL: "/cb"}, "callback_url must be"},
		{"long callback", telegram.Config{Token: "tok", CallbackURL: "https://otpd.example/" + strings.Repeat("a", 250)}, "callback_url must be at most 256 bytes"},
		{"bot token in gateway mode", telegram.Config{Token: "tok", BotToken: "1:a"}, "bot_token is only used with mode: bot"},
		{"bot without token", telegram.Config{Mode: "bot"}, "bot_token is required"},
		{"bad bot token", telegram.Config{Mode: "bot", BotToken: "ABC"}, "bot_token must look like"},
		{"gateway token in bot mode", telegram.Config{Mode: "bot", BotToken: "1:a", Token: "tok"}, "token is only used with mode: gateway"},
		{"sender in bot mode", telegram.Config{Mode: "bot", BotToken: "1:a", SenderUsername: "acme_codes"}, "sender_username is only used"},
		{"callback in bot mode", telegram.Config{Mode: "bot", BotToken: "1:a", CallbackURL: callbackURL}, "callback_url is only used"},
		{"bot with username", telegram.Config{Mode: "bot", BotToken: "1:a", BotUsername: "acme_codes_bot"}, ""},
		{"bot username with @", telegram.Config{Mode: "bot", BotToken: "1:a", BotUsername: "@acme_bot"}, "bot_username is written without the @"},
		{"bad bot username", telegram.Config{Mode: "bot", BotToken: "1:a", BotUsername: "a b"}, "bot_username must be"},
		{"bot username in gateway mode", telegram.Config{Token: "tok", BotUsername: "acme_bot"}, "bot_username is only used with mode: bot"},
		{"bad base url", telegram.Config{Token: "tok", BaseURL: "gatewayapi.telegram.org"}, "base_url must be"},
		{"negative timeout", telegram.Config{Token: "tok", Timeout: -time.Second}, "timeout must be"},
		{"timeout in nanoseconds", telegram.Config{Token: "tok", Timeout: 10}, "timeout must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
			if _, newErr := telegram.New(tt.c); (newErr == nil) != (err == nil) {
				t.Errorf("New() error = %v, Validate() = %v; want them to agree", newErr, err)
			}
		})
	}
}

func TestChannels(t *testing.T) {
	p := newGateway(t, telegramtest.NewGatewayServer(t), nil)
	if diff := cmp.Diff([]otp.Channel{otp.Telegram}, p.Channels()); diff != "" {
		t.Errorf("Channels() (-want +got):\n%s", diff)
	}
}

func TestGatewaySend(t *testing.T) {
	s := telegramtest.NewGatewayServer(t)
	s.AddChannel("acme_codes")
	p := newGateway(t, s, func(c *telegram.Config) { c.SenderUsername, c.CallbackURL = "acme_codes", callbackURL })

	res, err := p.Send(t.Context(), message())
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := s.Messages()
	if len(msgs) != 1 {
		t.Fatalf("the fake has %d messages, want 1", len(msgs))
	}
	if want := (otp.SendResult{Provider: "telegram-main", ProviderMessageID: msgs[0].RequestID}); res != want {
		t.Errorf("Send = %+v, want %+v", res, want)
	}
	wantParams := map[string]string{
		"phone_number":    recipient,
		"code":            code,
		"ttl":             "3600", // two hours away, clamped to the Gateway's maximum
		"payload":         "dlv_1",
		"callback_url":    callbackURL,
		"sender_username": "acme_codes",
	}
	if diff := cmp.Diff(wantParams, msgs[0].Params); diff != "" {
		t.Errorf("sendVerificationMessage parameters (-want +got):\n%s", diff)
	}
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("the fake got %d requests, want 1", len(reqs))
	}
	if got := reqs[0]; got.HTTPMethod != http.MethodPost || got.Method != "sendVerificationMessage" ||
		got.Authorization != "Bearer "+s.Token || got.ContentType != "application/json" {
		t.Errorf("request = %s %s, Authorization %q, Content-Type %q; want a JSON POST to sendVerificationMessage with the bearer token",
			got.HTTPMethod, got.Method, got.Authorization, got.ContentType)
	}
}

func TestGatewaySendOptionalFields(t *testing.T) {
	s := telegramtest.NewGatewayServer(t)
	p := newGateway(t, s, nil)
	m := message()
	m.ExpiresAt = time.Time{}
	m.ID = strings.Repeat("x", 129) // too long for payload
	if _, err := p.Send(t.Context(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	want := map[string]string{"phone_number": recipient, "code": code}
	if diff := cmp.Diff(want, s.Messages()[0].Params); diff != "" {
		t.Errorf("parameters without expiry, callback, sender or a short id (-want +got):\n%s", diff)
	}
}

// refusal is what a test expects of a failed Send or Check.
type refusal struct {
	permanent  bool
	refused    bool // this provider will not take it: the router fails over at once
	code       string
	retryAfter time.Duration
	message    string // substring of the error
}

// checkRefusal checks that err is a ProviderError from the named provider
// as described, and that it gives away neither the code nor the number.
func checkRefusal(t *testing.T, err error, provider string, want refusal) {
	t.Helper()
	var pe *otp.ProviderError
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v (%T), want an *otp.ProviderError", err, err)
	}
	if pe.Provider != provider || pe.Permanent != want.permanent || pe.Refused != want.refused || pe.Code != want.code || pe.RetryAfter != want.retryAfter {
		t.Errorf("error = %+v, want provider %q, permanent %v, refused %v, code %q, retry after %v",
			*pe, provider, want.permanent, want.refused, want.code, want.retryAfter)
	}
	if errors.Is(err, otp.ErrPermanent) != want.permanent {
		t.Errorf("errors.Is(err, ErrPermanent) = %v, want %v", !want.permanent, want.permanent)
	}
	if !strings.Contains(err.Error(), want.message) {
		t.Errorf("error = %q, want it to contain %q", err, want.message)
	}
	for _, secret := range []string{code, recipient, strings.TrimPrefix(recipient, "+")} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q gives away %q", err, secret)
		}
	}
}

func TestGatewaySendRefusals(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(*telegramtest.GatewayServer, *telegram.Config, *otp.OutgoingMessage)
		want     refusal
		requests int // how many requests reach the fake
	}{
		{"invalid number", func(s *telegramtest.GatewayServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, telegramtest.GatewayError("PHONE_NUMBER_INVALID"))
		}, refusal{permanent: true, code: "PHONE_NUMBER_INVALID", message: "not valid"}, 1},
		{"not on telegram", func(s *telegramtest.GatewayServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.MarkNotOnTelegram(recipient)
		}, refusal{permanent: true, code: "PHONE_NUMBER_NOT_FOUND", message: "no Telegram account"}, 1},
		{"not available", func(s *telegramtest.GatewayServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, telegramtest.GatewayError("PHONE_NUMBER_NOT_AVAILABLE"))
		}, refusal{permanent: true, code: "PHONE_NUMBER_NOT_AVAILABLE", message: "cannot send"}, 1},
		{"wrong token", func(_ *telegramtest.GatewayServer, c *telegram.Config, _ *otp.OutgoingMessage) {
			c.Token = "wrong"
		}, refusal{refused: true, code: "ACCESS_TOKEN_INVALID", message: "access token was refused"}, 1},
		{"no balance", func(s *telegramtest.GatewayServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.SetBalance(0)
		}, refusal{refused: true, code: "BALANCE_NOT_ENOUGH", message: "balance"}, 1},
		{"sender not verified", func(_ *telegramtest.GatewayServer, c *telegram.Config, _ *otp.OutgoingMessage) {
			c.SenderUsername = "someone_else"
		}, refusal{refused: true, code: "SENDER_USERNAME_INVALID", message: "sender_username"}, 1},
		{"flood wait", func(s *telegramtest.GatewayServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, telegramtest.GatewayFloodWait(17))
		}, refusal{code: "FLOOD_WAIT_17", retryAfter: 17 * time.Second, message: "too many requests"}, 1},
		{"unknown error", func(s *telegramtest.GatewayServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, telegramtest.GatewayError("SOMETHING_NEW"))
		}, refusal{code: "SOMETHING_NEW", message: "refused"}, 1},
		{"unknown error with HTTP 400", func(s *telegramtest.GatewayServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, telegramtest.GatewayFault{Status: http.StatusBadRequest, Error: "SOMETHING_NEW"})
		}, refusal{refused: true, code: "SOMETHING_NEW", message: "refused"}, 1},
		{"unknown error with HTTP 500", func(s *telegramtest.GatewayServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, telegramtest.GatewayFault{Status: http.StatusInternalServerError, Error: "INTERNAL"})
		}, refusal{code: "INTERNAL", message: "refused"}, 1},
		{"bare 401", func(s *telegramtest.GatewayServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, telegramtest.GatewayHTTPError(http.StatusUnauthorized, ""))
		}, refusal{refused: true, message: "HTTP 401"}, 1},
		{"bare 403", func(s *telegramtest.GatewayServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, telegramtest.GatewayHTTPError(http.StatusForbidden, ""))
		}, refusal{refused: true, message: "HTTP 403"}, 1},
		{"error envelope with HTTP 400", func(s *telegramtest.GatewayServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, telegramtest.GatewayFault{Status: http.StatusBadRequest, Error: "PHONE_NUMBER_INVALID"})
		}, refusal{permanent: true, code: "PHONE_NUMBER_INVALID", message: "not valid"}, 1},
		{"bare 429", func(s *telegramtest.GatewayServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, telegramtest.GatewayHTTPError(http.StatusTooManyRequests, "30"))
		}, refusal{retryAfter: 30 * time.Second, message: "HTTP 429"}, 1},
		{"bad gateway", func(s *telegramtest.GatewayServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, telegramtest.GatewayHTTPError(http.StatusBadGateway, ""))
		}, refusal{message: "HTTP 502"}, 1},
		{"malformed answer", func(s *telegramtest.GatewayServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, telegramtest.GatewayMalformed())
		}, refusal{message: "malformed answer"}, 1},
		{"ok without a request id", func(s *telegramtest.GatewayServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, telegramtest.GatewayFault{Body: `{"ok":true,"result":{"request_cost":0.01}}`})
		}, refusal{message: "no request_id"}, 1},
		{"timeout", func(s *telegramtest.GatewayServer, c *telegram.Config, _ *otp.OutgoingMessage) {
			c.Timeout = 50 * time.Millisecond
			s.FailNext(1, telegramtest.GatewaySlow(10*time.Second))
		}, refusal{message: "request failed"}, 1},
		{"not e164", func(_ *telegramtest.GatewayServer, _ *telegram.Config, m *otp.OutgoingMessage) {
			m.To = "07700900123"
		}, refusal{permanent: true, message: "not an E.164"}, 0},
		{"no recipient", func(_ *telegramtest.GatewayServer, _ *telegram.Config, m *otp.OutgoingMessage) {
			m.To = ""
		}, refusal{permanent: true, message: "no recipient"}, 0},
		{"code with letters", func(_ *telegramtest.GatewayServer, _ *telegram.Config, m *otp.OutgoingMessage) {
			m.Code = "AB12CD"
		}, refusal{refused: true, message: "4 to 8 digits"}, 0},
		{"other channel", func(_ *telegramtest.GatewayServer, _ *telegram.Config, m *otp.OutgoingMessage) {
			m.Channel = otp.SMS
		}, refusal{refused: true, message: "not served"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := telegramtest.NewGatewayServer(t)
			c := telegram.Config{Name: "telegram-main", Token: s.Token, BaseURL: s.URL}
			m := message()
			tt.setup(s, &c, &m)
			p, err := telegram.New(c)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			res, err := p.Send(t.Context(), m)
			if err == nil {
				t.Fatalf("Send = %+v, want an error", res)
			}
			checkRefusal(t, err, "telegram-main", tt.want)
			if got := len(s.Requests()); got != tt.requests {
				t.Errorf("the fake got %d requests, want %d", got, tt.requests)
			}
		})
	}
}

// userAgent is the User-Agent of every request to Telegram.
var userAgent = regexp.MustCompile(`^otpd/\d+\.\d+\.\d+`)

func TestGatewayUserAgent(t *testing.T) {
	s := telegramtest.NewGatewayServer(t)
	p, err := telegram.New(telegram.Config{Name: "telegram-main", Token: s.Token, BaseURL: s.URL})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if _, err := p.Send(t.Context(), message()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if err := p.Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	reqs := s.Requests()
	if len(reqs) != 2 {
		t.Fatalf("the fake got %d requests, want 2", len(reqs))
	}
	for _, r := range reqs {
		if !userAgent.MatchString(r.UserAgent) {
			t.Errorf("%s: User-Agent %q, want otpd/x.y.z", r.Method, r.UserAgent)
		}
	}
}

func TestGatewaySendHonoursContext(t *testing.T) {
	s := telegramtest.NewGatewayServer(t)
	s.FailNext(1, telegramtest.GatewaySlow(10*time.Second))
	p := newGateway(t, s, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := p.Send(ctx, message())
	checkRefusal(t, err, "telegram-main", refusal{message: "context canceled"})
}

func TestGatewayCheck(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*telegramtest.GatewayServer, *telegram.Config)
		want  *refusal // nil: the check passes
	}{
		{"valid token", func(*telegramtest.GatewayServer, *telegram.Config) {}, nil},
		{"wrong token", func(_ *telegramtest.GatewayServer, c *telegram.Config) { c.Token = "wrong" },
			&refusal{refused: true, code: "ACCESS_TOKEN_INVALID", message: "access token"}},
		{"throttled", func(s *telegramtest.GatewayServer, _ *telegram.Config) {
			s.FailNext(1, telegramtest.GatewayFloodWait(3))
		},
			&refusal{code: "FLOOD_WAIT_3", retryAfter: 3 * time.Second, message: "too many requests"}},
		{"not the gateway", func(s *telegramtest.GatewayServer, _ *telegram.Config) {
			s.FailNext(1, telegramtest.GatewayError("UNKNOWN_METHOD"))
		}, &refusal{refused: true, code: "UNKNOWN_METHOD", message: "base_url"}},
		{"down", func(s *telegramtest.GatewayServer, _ *telegram.Config) {
			s.FailNext(1, telegramtest.GatewayHTTPError(http.StatusServiceUnavailable, ""))
		}, &refusal{message: "HTTP 503"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := telegramtest.NewGatewayServer(t)
			c := telegram.Config{Name: "telegram-main", Token: s.Token, BaseURL: s.URL}
			tt.setup(s, &c)
			p, err := telegram.New(c)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			err = p.Check(t.Context())
			if tt.want == nil {
				if err != nil {
					t.Errorf("Check = %v, want nil", err)
				}
			} else {
				if err == nil {
					t.Fatal("Check = nil, want an error")
				}
				checkRefusal(t, err, "telegram-main", *tt.want)
			}
			reqs := s.Requests()
			if len(reqs) != 1 || reqs[0].Method != "checkVerificationStatus" || reqs[0].Params["request_id"] == "" {
				t.Errorf("requests = %+v, want one checkVerificationStatus with a request_id", reqs)
			}
			if n := len(s.Messages()); n != 0 {
				t.Errorf("Check sent %d messages, want none", n)
			}
		})
	}
}

func TestCheckUnreachable(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	p, err := telegram.New(telegram.Config{Token: "tok", BaseURL: dead.URL})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	err = p.Check(t.Context())
	checkRefusal(t, err, "telegram", refusal{message: "request failed"})
}
