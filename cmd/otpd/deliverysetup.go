package main

import (
	"net/http"

	"github.com/otpd/otpd/internal/console"
	"github.com/otpd/otpd/internal/delivery"
	"github.com/otpd/otpd/internal/otp"
	consoleprovider "github.com/otpd/otpd/internal/provider/console"
	"github.com/otpd/otpd/internal/widget"
)

// deliverySetup is how serve delivers messages: the console without a
// configuration file, else the file's providers behind a router.
type deliverySetup struct {
	sender      otp.Sender
	prices      otp.PriceTable
	deliverable []otp.Channel // nil: every channel
	maxAttempts int           // the router's cap on attempts; 0 for none (the code's expiry bounds them)
	providers   map[string]builtProvider
	// catalog describes the providers to the domain.
	catalog []otp.ProviderInfo
	// telegramBot is the bot that delivers the telegram channel, when the
	// channel's first provider is a bot; zero otherwise.
	telegramBot otp.TelegramBot
}

func newDeliverySetup(fc *fileConfig, env providerEnv) (*deliverySetup, error) {
	if fc == nil {
		env.Logger.Warn(consoleprovider.Warning)
		return &deliverySetup{sender: delivery.ObservedSender("console", consoleprovider.New(env.Logger), env.Observe),
			catalog: []otp.ProviderInfo{{Name: "console", Type: "console", Channels: otp.Channels}}}, nil
	}
	providers, err := buildProviders(fc, env)
	if err != nil {
		return nil, err
	}
	routed := map[string]delivery.Provider{}
	for name, p := range providers {
		routed[name] = delivery.Observed(name, p, env.Observe)
		if p.Type == "console" {
			env.Logger.Warn(consoleprovider.Warning, "provider", name)
		}
	}
	router, err := delivery.NewRouter(fc.routerConfig(routed))
	if err != nil {
		closeProviders(providers)
		return nil, err
	}
	d := &deliverySetup{sender: router, maxAttempts: router.MaxAttempts(), providers: providers,
		deliverable: append([]otp.Channel{}, router.Channels()...), catalog: providerCatalog(providers)}
	prices, err := fc.Prices.table()
	if err != nil {
		closeProviders(providers)
		return nil, err
	}
	if prices != nil {
		d.prices = prices
	}
	if names := fc.Routing.Channels[string(otp.Telegram)]; len(names) > 0 {
		if b := providers[names[0]].Bot; b != nil {
			d.telegramBot = *b
		}
	}
	return d, nil
}

// withCallbacks serves each provider's delivery receipts at
// /v1/callbacks/{provider name}, the web console at /console/, and the
// session flow's hosted page and widget script (flow's patterns) beside
// the API.
func (d *deliverySetup) withCallbacks(api http.Handler, flow *widget.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", api)
	mux.Handle("/console/", console.Handler("/console/"))
	mux.Handle("GET /console", http.RedirectHandler("/console/", http.StatusMovedPermanently))
	for _, p := range flow.Patterns() {
		mux.Handle(p, flow)
	}
	for name, p := range d.providers {
		if p.Callback != nil {
			mux.Handle("/v1/callbacks/"+name, p.Callback)
		}
	}
	return mux
}

func (d *deliverySetup) close() { closeProviders(d.providers) }
