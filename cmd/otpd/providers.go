package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/otpd/otpd/internal/delivery"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/console"
	"github.com/otpd/otpd/internal/provider/httpapi"
	"github.com/otpd/otpd/internal/provider/smpp"
	"github.com/otpd/otpd/internal/provider/smtp"
	"github.com/otpd/otpd/internal/provider/telegram"
	"github.com/otpd/otpd/internal/provider/twilio"
	"github.com/otpd/otpd/internal/provider/vonage"
	"github.com/otpd/otpd/internal/provider/whatsapp"
)

// builtProvider is a provider made from the configuration file, with
// what serve must wire besides sending.
type builtProvider struct {
	delivery.Provider
	Type     string
	Callback http.Handler // delivery receipts from the vendor; nil if it has none
	Closer   io.Closer    // long-lived connections to close at shutdown; nil if none
	// Checkable is false for a provider that cannot be checked without
	// sending (the console, a generic HTTP gateway without a check URL).
	Checkable bool
	// Bot is set for a Telegram provider in bot mode: people must link
	// their number in a chat with it before it can send them codes.
	Bot *otp.TelegramBot
	// Receipts says the provider is configured so that the vendor reports
	// what became of a message (delivery receipts reach otpd).
	Receipts bool
}

// providerEnv is what a provider may need from the process.
type providerEnv struct {
	Receipts otp.ReceiptSink
	Logger   *slog.Logger
	Chats    chatDirectory // nil where no chats are linked (providers check)
	// Observe hears of every send to a provider (metrics); nil for none.
	Observe delivery.SendObserver
}

// chatDirectory keeps the chats people link to their phone number
// through a messenger bot. *otp.Service is one.
type chatDirectory interface {
	LinkChat(ctx context.Context, provider, phone, chatID string) error
	ChatFor(ctx context.Context, provider, phone string) (chatID string, ok bool, err error)
	// ChatStartPhone reads the start token of a bot's deep link.
	ChatStartPhone(token string) (phone string, ok bool)
}

// telegramChats adapts a chatDirectory to one Telegram bot.
type telegramChats struct {
	dir      chatDirectory
	provider string
}

func (t telegramChats) LinkChat(ctx context.Context, phone string, chat int64) error {
	return t.dir.LinkChat(ctx, t.provider, phone, strconv.FormatInt(chat, 10))
}

func (t telegramChats) ChatID(ctx context.Context, phone string) (int64, bool, error) {
	id, ok, err := t.dir.ChatFor(ctx, t.provider, phone)
	if err != nil || !ok {
		return 0, false, err
	}
	chat, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("stored chat id %q: %w", id, err)
	}
	return chat, true, nil
}

// providerFactory decodes one provider's settings and builds it.
type providerFactory func(name string, node *yaml.Node, env providerEnv) (builtProvider, error)

// providerFactories maps a provider type, as written in the configuration
// file, to its factory.
var providerFactories = map[string]providerFactory{
	"console": func(name string, node *yaml.Node, env providerEnv) (builtProvider, error) {
		var c struct{}
		if err := decodeStrict(node, &c, ""); err != nil {
			return builtProvider{}, err
		}
		return builtProvider{Provider: consoleProvider{console.New(env.Logger)}, Type: "console"}, nil
	},
	"twilio": func(name string, node *yaml.Node, env providerEnv) (builtProvider, error) {
		var c twilio.Config
		if err := decodeStrict(node, &c, ""); err != nil {
			return builtProvider{}, err
		}
		c.Name = name
		p, err := twilio.New(c)
		if err != nil {
			return builtProvider{}, err
		}
		return builtProvider{Provider: p, Type: "twilio", Callback: p.CallbackHandler(env.Receipts), Checkable: true,
			Receipts: c.StatusCallbackURL != ""}, nil
	},
	"vonage": func(name string, node *yaml.Node, env providerEnv) (builtProvider, error) {
		var c vonage.Config
		if err := decodeStrict(node, &c, ""); err != nil {
			return builtProvider{}, err
		}
		c.Name = name
		p, err := vonage.New(c)
		if err != nil {
			return builtProvider{}, err
		}
		// Vonage's receipts go where its dashboard or dlr_callback_url
		// says; otpd trusts only signed ones.
		return builtProvider{Provider: p, Type: "vonage", Callback: p.CallbackHandler(env.Receipts), Checkable: true,
			Receipts: c.SignatureSecret != ""}, nil
	},
	"smpp": func(name string, node *yaml.Node, env providerEnv) (builtProvider, error) {
		var c smpp.Config
		if err := decodeStrict(node, &c, ""); err != nil {
			return builtProvider{}, err
		}
		c.Name, c.Receipts, c.Logger = name, env.Receipts, env.Logger.With("provider", name)
		p, err := smpp.New(c)
		if err != nil {
			return builtProvider{}, err
		}
		return builtProvider{Provider: p, Type: "smpp", Closer: p, Checkable: true,
			Receipts: c.RequestReceipts == nil || *c.RequestReceipts}, nil
	},
	"smtp": func(name string, node *yaml.Node, env providerEnv) (builtProvider, error) {
		var c smtp.Config
		if err := decodeStrict(node, &c, ""); err != nil {
			return builtProvider{}, err
		}
		c.Name = name
		p, err := smtp.New(c)
		if err != nil {
			return builtProvider{}, err
		}
		return builtProvider{Provider: p, Type: "smtp", Checkable: true}, nil
	},
	"httpapi": func(name string, node *yaml.Node, env providerEnv) (builtProvider, error) {
		var c httpapi.Config
		if err := decodeStrict(node, &c, ""); err != nil {
			return builtProvider{}, err
		}
		c.Name = name
		p, err := httpapi.New(c)
		if err != nil {
			return builtProvider{}, err
		}
		return builtProvider{Provider: p, Type: "httpapi", Checkable: p.HasCheck()}, nil
	},
	"telegram": func(name string, node *yaml.Node, env providerEnv) (builtProvider, error) {
		var c telegram.Config
		if err := decodeStrict(node, &c, ""); err != nil {
			return builtProvider{}, err
		}
		c.Name = name
		if env.Chats != nil {
			chats := telegramChats{dir: env.Chats, provider: name}
			c.Chats, c.Links, c.Starts = chats, chats, env.Chats
		}
		p, err := telegram.New(c)
		if err != nil {
			return builtProvider{}, err
		}
		b := builtProvider{Provider: p, Type: "telegram", Callback: p.CallbackHandler(env.Receipts), Checkable: true,
			Receipts: c.Mode != telegram.ModeBot && c.CallbackURL != ""}
		if c.Mode == telegram.ModeBot {
			b.Bot = &otp.TelegramBot{Provider: name, Username: c.BotUsername}
		}
		return b, nil
	},
	"whatsapp": func(name string, node *yaml.Node, env providerEnv) (builtProvider, error) {
		var c whatsapp.Config
		if err := decodeStrict(node, &c, ""); err != nil {
			return builtProvider{}, err
		}
		c.Name = name
		p, err := whatsapp.New(c)
		if err != nil {
			return builtProvider{}, err
		}
		return builtProvider{Provider: p, Type: "whatsapp", Callback: p.CallbackHandler(env.Receipts), Checkable: true,
			Receipts: c.AppSecret != ""}, nil
	},
}

// consoleProvider routes every channel to the console.
type consoleProvider struct{ *console.Sender }

func (consoleProvider) Channels() []otp.Channel { return otp.Channels }

func providerTypes() []string {
	var out []string
	for t := range providerFactories {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// buildProviders makes every provider of the file.
func buildProviders(fc *fileConfig, env providerEnv) (map[string]builtProvider, error) {
	out := map[string]builtProvider{}
	for _, spec := range fc.Providers {
		f, ok := providerFactories[spec.Type]
		if !ok {
			return nil, fmt.Errorf("providers.%s.type: unknown type %q (want one of %v)", spec.Name, spec.Type, providerTypes())
		}
		p, err := f(spec.Name, spec.node, env)
		if err != nil {
			closeProviders(out)
			return nil, fmt.Errorf("providers.%s: %w", spec.Name, err)
		}
		out[spec.Name] = p
	}
	return out, nil
}

func closeProviders(ps map[string]builtProvider) {
	for _, p := range ps {
		if p.Closer != nil {
			p.Closer.Close()
		}
	}
}

// providerCatalog describes the built providers to the domain, by name,
// for the APIs that list providers and pin sends to them.
func providerCatalog(ps map[string]builtProvider) []otp.ProviderInfo {
	out := make([]otp.ProviderInfo, 0, len(ps))
	for name, p := range ps {
		out = append(out, otp.ProviderInfo{Name: name, Type: p.Type, Channels: p.Channels(), Receipts: p.Receipts})
	}
	slices.SortFunc(out, func(a, b otp.ProviderInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}
