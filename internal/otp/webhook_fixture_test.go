package otp_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/ratelimit"
	"github.com/otpd/otpd/internal/sqlite"
	"github.com/otpd/otpd/internal/sqlite/sqlitetest"
	"github.com/otpd/otpd/internal/sqlstore"
	"github.com/otpd/otpd/internal/webhook"
)

// webhookFixture is a SQLite store, a test application with a webhook
// endpoint for otp.created, and a receiver serving that endpoint over an in-memory
// network (pipeNet), for tests inside a synctest bubble.
type webhookFixture struct {
	db     *sqlstore.Store
	sender *webhook.Sender
	app    *otp.Application
	hook   *otp.Webhook
}

// newWebhookFixture starts receiver and returns the fixture with its first
// service instance; more instances over the same store come from
// f.instance. Everything stops at the end of the test.
func newWebhookFixture(t *testing.T, receiver http.Handler) (*webhookFixture, *otp.Service) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), sqlitetest.Path(t))
	if err != nil {
		t.Fatal(err)
	}
	pn := newPipeNet()
	// The in-memory receiver speaks plain http.
	f := &webhookFixture{db: db, sender: webhook.NewSender(webhook.Config{Dial: pn.Dial, AllowHTTP: true})}
	srv := &http.Server{Handler: receiver}
	var wg sync.WaitGroup
	wg.Go(func() { srv.Serve(pn) })
	t.Cleanup(func() {
		f.sender.CloseIdleConnections()
		srv.Close()
		wg.Wait()
		db.Close()
	})
	svc := f.instance(t)
	env := otp.Test
	p, err := svc.CreateProject(t.Context(), otp.ProjectInput{Name: ptr("P")})
	if err != nil {
		t.Fatal(err)
	}
	if f.app, _, err = svc.CreateApplication(t.Context(), otp.ApplicationInput{Name: ptr("Acme"), ProjectID: &p.ID, Environment: &env}); err != nil {
		t.Fatal(err)
	}
	// One delivery per verification: a test application's verification
	// is created and sent to its test inbox in one transaction, so every
	// verification has otp.created and otp.sent events from the start.
	created := []otp.EventType{otp.EventCreated}
	if f.hook, err = svc.CreateWebhook(t.Context(), otp.WebhookInput{AppID: &f.app.ID, URL: ptr("http://hooks.acme.example/otpd"), Events: &created}); err != nil {
		t.Fatal(err)
	}
	return f, svc
}

// instance is another otp.Service over the fixture's store and network, as
// a second otpd instance sharing the database would be.
func (f *webhookFixture) instance(t *testing.T) *otp.Service {
	t.Helper()
	svc, err := otp.NewService(otp.Config{Store: f.db, Limiter: ratelimit.NewMemory(nil), Keys: mustKeys(t),
		Webhooks: webhook.Transport{Sender: f.sender}, WebhookAllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}
