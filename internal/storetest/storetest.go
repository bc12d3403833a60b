// Package storetest is the conformance suite of otp.Store. Each store
// adapter runs it from its own tests, so that every engine keeps the same
// promises: the error kinds, the orders, tenant isolation, the atomicity of
// a change with its effects, and the outbox lease. It is imported from
// _test.go files only.
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/otp"
)

// Run runs the suite. open must return a new, empty store each time it is
// called; Run closes it when the test ends. Subtests run in parallel, each
// with its own store.
func Run(t *testing.T, open func(t *testing.T) otp.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, st otp.Store)
	}{
		{"Projects", testProjects},
		{"ProjectChallenge", testProjectChallenge},
		{"ProjectSenderIDs", testProjectSenderIDs},
		{"ProjectFraud", testProjectFraud},
		{"ProjectFraudGeo", testProjectFraudGeo},
		{"FraudTraffic", testFraudTraffic},
		{"BlockEvents", testBlockEvents},
		{"EventCursor", testEventCursor},
		{"PendingTemplatesAndUntrustedPlan", testPendingTemplatesAndUntrustedPlan},
		{"Applications", testApplications},
		{"DeleteApplicationCascades", testDeleteApplicationCascades},
		{"VerificationRoundTrip", testVerificationRoundTrip},
		{"UpdateVerification", testUpdateVerification},
		{"UpdateEveryField", testUpdateEveryField},
		{"ConcurrentReadModifyWrite", testConcurrentReadModifyWrite},
		{"TenantIsolation", testTenantIsolation},
		{"Idempotency", testIdempotency},
		{"ListVerifications", testListVerifications},
		{"ListVerificationsByStatePage", testListVerificationsByStatePage},
		{"LatestPendingVerification", testLatestPending},
		{"Supersede", testSupersede},
		{"ListExpiredPending", testListExpiredPending},
		{"ClaimLeaseRetry", testClaimLeaseRetry},
		{"ClaimLimit", testClaimLimit},
		{"ClaimConcurrent", testClaimConcurrent},
		{"ReleaseDeliveries", testReleaseDeliveries},
		{"FinishDelivery", testFinishDelivery},
		{"QueueStats", testQueueStats},
		{"TestInbox", testTestInbox},
		{"ServiceConcurrentCorrectChecks", testServiceConcurrentCorrect},
		{"ServiceConcurrentWrongChecks", testServiceConcurrentWrong},
		{"ServiceDeliverToTestInbox", testServiceDeliver},
		{"ApplyReceipt", testApplyReceipt},
		{"ListDueFallbacks", testListDueFallbacks},
		{"ChatLinks", testChatLinks},
		{"UsersAndLogs", testUsers},
		{"EventLogFilters", testEventLogFilters},
		{"EventLogPages", testEventLogPages},
		{"Webhooks", testWebhooks},
		{"WebhookQueue", testWebhookQueue},
		{"WebhookFairClaims", testWebhookFairClaims},
		{"WebhookSlowEndpoint", testWebhookSlowEndpoint},
		{"Analytics", testAnalytics},
		{"AnalyticsSeeded", testAnalyticsSeeded},
		{"Audit", testAudit},
		{"Credits", testCredits},
		{"Developers", testDevelopers},
		{"OperatorControl", testOperatorControl},
		{"PasswordResets", testPasswordResets},
		{"PasswordResetRedeemedOnce", testPasswordResetRedeemedOnce},
		{"PreviousAPIKey", testPreviousAPIKey},
		{"APIKeys", testAPIKeys},
		{"APIKeysBoundUnderConcurrency", testAPIKeysBoundUnderConcurrency},
		{"PreviousWebhookSecret", testPreviousWebhookSecret},
		{"InvitationsAndSessionSweep", testInvitationsAndSessionSweep},
		{"UsageLedger", testUsageLedger},
		{"UsageLedgerOutlivesApplication", testUsageLedgerOutlivesApplication},
		{"OwnerFilters", testOwnerFilters},
		{"DeleteOldData", testDeleteOldData},
		{"OwnerLists", testOwnerLists},
		{"OwnerListsManyApps", testOwnerListsManyApps},
		{"CobinarFields", testCobinarFields},
		{"VerificationSessions", testVerificationSessions},
		{"UpdateVerificationSession", testUpdateVerificationSession},
		{"VerifyTokens", testVerifyTokens},
		{"SessionBlocksAndSweep", testSessionBlocksAndSweep},
		{"MessageNumbers", testMessageNumbers},
		{"Callbacks", testCallbacks},
		{"EraseUser", testEraseUser},
		{"DeleteUsersBefore", testDeleteUsersBefore},
		{"QuotaBoundUnderConcurrency", testQuotaBoundUnderConcurrency},
		{"CreateDeveloperWithInvitation", testCreateDeveloperWithInvitation},
		{"SealedValues", testSealedValues},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := open(t)
			t.Cleanup(func() {
				if err := st.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, st)
		})
	}
}

// t0 is the suite's reference time: microsecond precision, which is what
// stores keep and what otp.SystemClock hands out.
var t0 = time.Date(2031, 3, 14, 15, 9, 26, 535897000, time.UTC)

// effectReader is implemented by stores that can read back the events and
// messages they wrote. The suite checks those rows when the store under
// test offers it; otp.Store itself has no such reads yet.
type effectReader interface {
	ListEvents(ctx context.Context, appID string, limit int) ([]otp.Event, error)
	ListMessages(ctx context.Context, appID, verificationID string) ([]otp.Message, error)
}

func events(t *testing.T, st otp.Store, appID string) ([]otp.Event, bool) {
	t.Helper()
	r, ok := st.(effectReader)
	if !ok {
		t.Log("the store does not list events; their checks are skipped")
		return nil, false
	}
	evs, err := r.ListEvents(t.Context(), appID, 1000)
	if err != nil {
		t.Fatalf("ListEvents: %v", err)
	}
	return evs, true
}

func eventTypes(t *testing.T, st otp.Store, appID string) ([]otp.EventType, bool) {
	t.Helper()
	evs, ok := events(t, st, appID)
	var types []otp.EventType
	for _, e := range evs {
		types = append(types, e.Type)
	}
	return types, ok
}

func messages(t *testing.T, st otp.Store, appID, verificationID string) ([]otp.Message, bool) {
	t.Helper()
	r, ok := st.(effectReader)
	if !ok {
		return nil, false
	}
	ms, err := r.ListMessages(t.Context(), appID, verificationID)
	if err != nil {
		t.Fatalf("ListMessages: %v", err)
	}
	return ms, true
}

func sum(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func createProject(t *testing.T, st otp.Store, name string) *otp.Project {
	t.Helper()
	p := &otp.Project{
		ID: otp.NewID("prj"), Name: name, Description: "project " + name,
		Policy: richPolicy(), CreatedAt: t0, UpdatedAt: t0.Add(time.Second),
	}
	if err := st.CreateProject(t.Context(), p); err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	return p
}

// richPolicy is the default policy with every optional part set, so that
// round trips cover them.
func richPolicy() otp.Policy {
	p := otp.DefaultPolicy()
	p.Channels = []otp.Channel{otp.WhatsApp, otp.SMS, otp.Email}
	p.CodeAlphabet, p.SessionTTL, p.Countries = otp.CodeAlphanumeric, 7*time.Minute, []string{"GB", "RU"}
	p.Messages = otp.MessagePolicy{
		NoShareLine: true, SMSAppHash: "FA+9qCX9VSu", WebOTPDomain: "example.com",
		Templates: []otp.TemplateOverride{
			{Channel: otp.SMS, Purpose: otp.PurposeVerification, Locale: "pt-BR", Body: "{{.Code}} é o seu código"},
			{Channel: otp.Email, Purpose: otp.PurposeTwoFactor, Body: "Code: {{.Code}}", Subject: "Your {{.AppName}} code"},
			{Name: "short", Channel: otp.SMS, Purpose: otp.PurposeVerification, Locale: "pt-BR", Body: "{{.Code}}"},
		},
	}
	return p
}

func newApp(projectID string, env otp.Environment) *otp.Application {
	id := otp.NewID("app")
	return &otp.Application{
		ID: id, ProjectID: projectID, Name: "app " + id, Environment: env, Status: otp.AppActive,
		ClientID: "client_" + id, PublicKey: "pk_" + id,
		APIKeyHash: sum("api " + id), APIKeyPreview: "otpd_" + string(env) + "_api_****" + id[len(id)-4:],
		ClientSecretHash: sum("secret " + id), ClientSecretPreview: "otpd_secret_****" + id[len(id)-4:],
		WebhookSecretSealed: []byte("sealed webhook secret of " + id),
		CreatedAt:           t0, UpdatedAt: t0.Add(2 * time.Second),
		PrevAPIKeyHash: sum("old api " + id), PrevAPIKeyUntil: t0.Add(time.Hour),
		PrevClientSecretHash: sum("old secret " + id), PrevClientSecretUntil: t0.Add(2 * time.Hour),
		PrevWebhookSecretSealed: []byte("old sealed webhook secret of " + id), PrevWebhookSecretUntil: t0.Add(3 * time.Hour),
		AllowedOrigins: []string{"https://shop.example", "http://localhost:3000"},
		ReturnURLs:     []string{"https://shop.example/verified?step=2"},
	}
}

func createApp(t *testing.T, st otp.Store, projectID string, env otp.Environment) *otp.Application {
	t.Helper()
	a := newApp(projectID, env)
	if err := st.CreateApplication(t.Context(), a); err != nil {
		t.Fatalf("CreateApplication: %v", err)
	}
	return a
}

// newVerification returns a pending verification with every field set to
// a value that differs from the zero value and from the other fields.
func newVerification(a *otp.Application, to string, created time.Time) *otp.Verification {
	id := otp.NewID("ver")
	return &otp.Verification{
		ID: id, AppID: a.ID, To: to, Channel: otp.SMS, Purpose: otp.PurposeTwoFactor, Locale: "pt-BR",
		Status: otp.StatusPending, DeliveryStatus: otp.DeliveryQueued,
		CodeHash: sum("code " + id), CodeSealed: []byte("sealed code of " + id), InboxCode: []byte("inbox code of " + id),
		Attempts: 1, MaxAttempts: 5, Resends: 2, MaxResends: 3,
		Metadata:  json.RawMessage(`{"order":"A-17","amount":12.5}`),
		CreatedAt: created, UpdatedAt: created.Add(time.Second), ExpiresAt: created.Add(5 * time.Minute),
		LastSentAt: created.Add(2 * time.Second), ResendAt: created.Add(32 * time.Second),
		SentAt: created.Add(3 * time.Second), VerifiedAt: created.Add(4 * time.Second),
		LastError: "provider timeout",
		Country:   "BR", Carrier: "Vivo", Cost: otp.Money{Micros: 7500, Currency: "USD"},
		DeliveredAt: created.Add(5 * time.Second),
		Options: otp.SendOptions{
			Transaction: &otp.Transaction{Amount: "25.00 EUR", Payee: "ACME"},
			CallerID:    "ACME",
			Fallback: []otp.FallbackStep{{Channel: otp.SMS, Timeout: time.Minute},
				{Channel: otp.Email, To: "person@example.com"}},
			Template: "short", Provider: "twilio-eu", CallbackURL: "https://shop.example/otp/callback?k=1",
		},
		FallbackStep: 0, NextStepAt: created.Add(time.Minute),
	}
}

// inboxMessage is the record of a message of v sent to the test inbox at
// at, to v's destination.
func inboxMessage(v *otp.Verification, at time.Time) otp.Message {
	id := otp.NewID("dlv")
	return otp.Message{ID: id, AppID: v.AppID, VerificationID: v.ID, Channel: v.Channel, Provider: otp.TestInboxProvider,
		ProviderMessageID: id, Status: otp.DeliverySent, Attempts: 1, CreatedAt: at, SentAt: at}
}

// inboxEntry is message m of verification v as ListTestMessages returns
// it: with only what a message of the inbox is rendered from.
func inboxEntry(m otp.Message, v *otp.Verification) otp.TestInboxMessage {
	return otp.TestInboxMessage{
		Message: otp.Message{ID: m.ID, AppID: m.AppID, VerificationID: m.VerificationID, Channel: m.Channel, To: m.To,
			Provider: m.Provider, Attempts: m.Attempts, CreatedAt: m.CreatedAt, SentAt: m.SentAt},
		Verification: otp.Verification{ID: v.ID, AppID: v.AppID, To: v.To, Purpose: v.Purpose, Locale: v.Locale,
			ExpiresAt: v.ExpiresAt, Options: v.Options, Country: v.Country, InboxCode: v.InboxCode},
	}
}

func newEvent(typ otp.EventType, v *otp.Verification, at time.Time) otp.Event {
	return otp.Event{ID: otp.NewID("evt"), Type: typ, AppID: v.AppID, VerificationID: v.ID, CreatedAt: at}
}

func newDelivery(v *otp.Verification, due time.Time) otp.Delivery {
	return otp.Delivery{ID: otp.NewID("dlv"), AppID: v.AppID, VerificationID: v.ID, Channel: v.Channel,
		To: "other+" + v.To, NextAttemptAt: due, CreatedAt: v.CreatedAt}
}

// createVerification stores v with a created event and, if due is not
// zero, an outbox row due then, which it returns.
func createVerification(t *testing.T, st otp.Store, v *otp.Verification, due time.Time) otp.Delivery {
	t.Helper()
	fx := otp.Effects{Events: []otp.Event{newEvent(otp.EventCreated, v, v.CreatedAt)}}
	var d otp.Delivery
	if !due.IsZero() {
		d = newDelivery(v, due)
		fx.Deliveries = []otp.Delivery{d}
	}
	if err := st.CreateVerification(t.Context(), v, fx, nil); err != nil {
		t.Fatalf("CreateVerification: %v", err)
	}
	return d
}

func getVerification(t *testing.T, st otp.Store, appID, id string) *otp.Verification {
	t.Helper()
	v, err := st.GetVerification(t.Context(), appID, id)
	if err != nil {
		t.Fatalf("GetVerification(%s): %v", id, err)
	}
	return v
}

func claim(t *testing.T, st otp.Store, now time.Time, limit int) []otp.Delivery {
	t.Helper()
	ds, err := st.ClaimDeliveries(t.Context(), now, now.Add(leaseTime), limit)
	if err != nil {
		t.Fatalf("ClaimDeliveries: %v", err)
	}
	return ds
}

// leaseTime is how long the suite's claims lease an outbox row.
const leaseTime = 30 * time.Second

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: error = %v, want %v", what, err, want)
	}
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	wantErr(t, what, err, otp.ErrNotFound)
}

func ids[T any](items []T, id func(T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}

func verificationIDs(vs []*otp.Verification) []string {
	return ids(vs, func(v *otp.Verification) string { return v.ID })
}

func deliveryIDs(ds []otp.Delivery) []string {
	return ids(ds, func(d otp.Delivery) string { return d.ID })
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func diff(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("%s mismatch (-want +got):\n%s", what, d)
	}
}
