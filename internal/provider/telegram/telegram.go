// Package telegram delivers verification codes on the telegram channel, in
// one of two modes, over plain net/http.
//
// In gateway mode (the default) it uses the Telegram Gateway API
// (https://core.telegram.org/gateway/api): sendVerificationMessage carries
// otpd's own code, which Telegram shows in its fixed verification message,
// to the Telegram account registered with the phone number. Telegram
// writes the text itself, so OutgoingMessage.Body is not used. Signed
// delivery reports arrive at CallbackHandler.
//
// In bot mode it uses the Telegram Bot API
// (https://core.telegram.org/bots/api): sendMessage posts
// OutgoingMessage.Body to the private chat the recipient opened with the
// bot. A bot cannot write to a phone number, so the chat is looked up with
// Config.Chats, which otpd fills from the chats users linked to their
// numbers. The Bot API reports no deliveries.
package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/telemetry"
)

// Modes of a provider instance.
const (
	ModeGateway = "gateway" // Telegram Gateway API; the default
	ModeBot     = "bot"     // Telegram Bot API
)

// Default endpoints and limits.
const (
	DefaultGatewayURL = "https://gatewayapi.telegram.org"
	DefaultBotURL     = "https://api.telegram.org"
	// DefaultTimeout bounds one request to Telegram when Config.Timeout is zero.
	DefaultTimeout = 10 * time.Second
)

// ChatResolver finds the Telegram chat a user linked to their phone
// number, for bot mode. ok is false when no chat is linked; err reports a
// failed lookup (the provider then answers with a transient error).
type ChatResolver interface {
	ChatID(ctx context.Context, phone string) (id int64, ok bool, err error)
}

// StartResolver reads the start parameter of a t.me deep link to the
// bot: ok is false for one it did not make.
type StartResolver interface {
	ChatStartPhone(token string) (phone string, ok bool)
}

// ChatLinker remembers the chat in which a person shared their own phone
// number with the bot, for bot mode.
type ChatLinker interface {
	LinkChat(ctx context.Context, phone string, chatID int64) error
}

// Config is one Telegram provider instance as the operator configures it.
type Config struct {
	// Name is the instance name the operator gave the provider; it
	// defaults to "telegram".
	Name string `yaml:"-"`

	// Mode is "gateway" (the default) or "bot".
	Mode string `yaml:"mode"`

	// Token is the Gateway API access token (gateway mode). Its SHA-256
	// is also the key Telegram signs delivery reports with.
	Token string `yaml:"token"`
	// SenderUsername, when set, is the verified Telegram channel the
	// codes are sent from (gateway mode), without the "@".
	SenderUsername string `yaml:"sender_username"`
	// CallbackURL is the public HTTPS URL of otpd's report endpoint for
	// this instance (gateway mode). When set it is sent with every
	// message, and Telegram posts delivery reports to it.
	CallbackURL string `yaml:"callback_url"`

	// BotToken is the bot's token from @BotFather, "123456:ABC…" (bot mode).
	BotToken string `yaml:"bot_token"`
	// Chats finds the chat linked to a phone number (bot mode). Without
	// it every message fails as having no linked chat.
	Chats ChatResolver `yaml:"-"`
	// Links records the chats people link by sharing their phone number
	// with the bot (bot mode); the bot's webhook (CallbackHandler) feeds it.
	Links ChatLinker `yaml:"-"`
	// BotUsername is the bot's username, without "@" (bot mode): the
	// session flow shows people the bot's t.me link with it.
	BotUsername string `yaml:"bot_username"`
	// Starts, if set, reads the start parameter of the bot's deep link
	// (bot mode): the phone number a person was verifying, which the bot
	// then asks them to share.
	Starts StartResolver `yaml:"-"`
	// WebhookSecret is the secret_token given to setWebhook (bot mode):
	// Telegram sends it in X-Telegram-Bot-Api-Secret-Token with every
	// update, and updates without it are refused. Without it the bot's
	// webhook accepts nothing.
	WebhookSecret string `yaml:"webhook_secret"`

	// BaseURL defaults to DefaultGatewayURL or DefaultBotURL by mode;
	// tests point it at a fake.
	BaseURL string `yaml:"base_url"`
	// Timeout bounds each request, written as a Go duration ("10s");
	// default DefaultTimeout.
	Timeout time.Duration `yaml:"timeout"`
}

var (
	// Telegram usernames: 5 to 32 letters, digits and underscores,
	// starting with a letter.
	usernamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{4,31}$`)
	botTokenPattern = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)
	e164Pattern     = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	// webhookSecretPattern is the Bot API's rule for setWebhook's secret_token.
	webhookSecretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
)

// Validate reports the first setting that is missing or malformed, naming
// its yaml key.
func (c Config) Validate() error {
	switch c.Mode {
	case "", ModeGateway:
		if err := c.validateGateway(); err != nil {
			return err
		}
	case ModeBot:
		if err := c.validateBot(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("mode must be %q or %q, not %q", ModeGateway, ModeBot, c.Mode)
	}
	switch {
	case c.BaseURL != "" && !isHTTPURL(c.BaseURL):
		return errors.New("base_url must be an absolute http or https URL")
	case c.Timeout < 0 || (c.Timeout > 0 && c.Timeout < time.Millisecond):
		return errors.New("timeout must be a positive duration such as 10s")
	}
	return nil
}

func (c Config) validateGateway() error {
	switch {
	case c.Token == "":
		return errors.New("token is required (the Gateway API access token)")
	case strings.HasPrefix(c.SenderUsername, "@"):
		return errors.New("sender_username is written without the @")
	case c.SenderUsername != "" && !usernamePattern.MatchString(c.SenderUsername):
		return errors.New("sender_username must be a Telegram username: 5 to 32 letters, digits and underscores")
	case c.CallbackURL != "" && !isHTTPSURL(c.CallbackURL):
		// The Gateway API only reports to HTTPS URLs.
		return errors.New("callback_url must be an absolute https URL")
	case len(c.CallbackURL) > 256:
		return errors.New("callback_url must be at most 256 bytes long")
	case c.BotToken != "":
		return errors.New("bot_token is only used with mode: bot")
	case c.WebhookSecret != "":
		return errors.New("webhook_secret is only used with mode: bot")
	case c.BotUsername != "":
		return errors.New("bot_username is only used with mode: bot")
	}
	return nil
}

func (c Config) validateBot() error {
	switch {
	case c.BotToken == "":
		return errors.New("bot_token is required with mode: bot")
	case !botTokenPattern.MatchString(c.BotToken):
		return errors.New("bot_token must look like 123456:ABC-DEF1234ghIkl, as @BotFather gives it")
	case c.Token != "":
		return errors.New("token is only used with mode: gateway; a bot uses bot_token")
	case c.SenderUsername != "":
		return errors.New("sender_username is only used with mode: gateway")
	case c.CallbackURL != "":
		return errors.New("callback_url is only used with mode: gateway; the Bot API reports no deliveries")
	case strings.HasPrefix(c.BotUsername, "@"):
		return errors.New("bot_username is written without the @")
	case c.BotUsername != "" && !usernamePattern.MatchString(c.BotUsername):
		return errors.New("bot_username must be a Telegram username: 5 to 32 letters, digits and underscores")
	case c.WebhookSecret != "" && !webhookSecretPattern.MatchString(c.WebhookSecret):
		// Telegram's own rule for secret_token.
		return errors.New("webhook_secret must be 1 to 256 letters, digits, '_' or '-'")
	}
	return nil
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func isHTTPSURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

// Provider sends verification codes through one Gateway account or one bot.
type Provider struct {
	cfg     Config
	baseURL string
	client  *http.Client
	now     func() time.Time
}

var (
	_ otp.Sender  = (*Provider)(nil)
	_ otp.Checker = (*Provider)(nil)
)

// New checks c and returns a Provider with its defaults filled in.
func New(c Config) (*Provider, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Name == "" {
		c.Name = "telegram"
	}
	if c.Mode == "" {
		c.Mode = ModeGateway
	}
	if c.BaseURL == "" {
		c.BaseURL = DefaultGatewayURL
		if c.Mode == ModeBot {
			c.BaseURL = DefaultBotURL
		}
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return &Provider{
		cfg:     c,
		baseURL: strings.TrimRight(c.BaseURL, "/"),
		now:     time.Now,
		client: &http.Client{
			Transport: telemetry.Transport(nil), // carries the trace context (traceparent)
			Timeout:   c.Timeout,
			// Neither API redirects; following one would at best turn a
			// POST into a GET and at worst hand a code (or the bot token
			// in the path) to another host.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

// Channels lists the one channel the provider delivers on.
func (p *Provider) Channels() []otp.Channel { return []otp.Channel{otp.Telegram} }

// Send delivers m: in gateway mode m.Code to m.To's Telegram account, in
// bot mode m.Body to the chat linked to m.To. Refusals are
// *otp.ProviderError: permanent only when the recipient cannot be reached
// on Telegram, refused when Telegram will not take the message from us
// (the token, the balance, the sender, a request it calls invalid).
func (p *Provider) Send(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	if m.Channel != otp.Telegram {
		// Refused, not permanent: the router should try a provider that has it.
		return otp.SendResult{}, p.refused("", fmt.Sprintf("channel %q is not served by this provider", m.Channel))
	}
	if m.To == "" {
		return otp.SendResult{}, p.permanent("", "the message has no recipient")
	}
	var (
		id  string
		err error
	)
	if p.cfg.Mode == ModeBot {
		id, err = p.sendBot(ctx, m)
	} else {
		id, err = p.sendGateway(ctx, m)
	}
	if err != nil {
		return otp.SendResult{}, err
	}
	return otp.SendResult{Provider: p.cfg.Name, ProviderMessageID: id}, nil
}

// Check confirms that Telegram is reachable and accepts the credentials,
// sending nothing: see checkGateway and checkBot.
func (p *Provider) Check(ctx context.Context) error {
	if p.cfg.Mode == ModeBot {
		return p.checkBot(ctx)
	}
	return p.checkGateway(ctx)
}

// fail is a transient refusal.
func (p *Provider) fail(code, msg string) *otp.ProviderError {
	return &otp.ProviderError{Provider: p.cfg.Name, Code: code, Message: msg}
}

// refused is a refusal this provider will repeat however often it is
// asked, though another provider may take the message.
func (p *Provider) refused(code, msg string) *otp.ProviderError {
	return &otp.ProviderError{Provider: p.cfg.Name, Code: code, Message: msg, Refused: true}
}

// permanent is a refusal that no retry can fix.
func (p *Provider) permanent(code, msg string) *otp.ProviderError {
	return &otp.ProviderError{Provider: p.cfg.Name, Code: code, Message: msg, Permanent: true}
}
