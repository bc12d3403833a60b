package otp

import (
	"context"
	"time"
)

// Store keeps projects, applications, verifications and the delivery outbox.
// Every method that changes a verification writes the change, its events and
// its outbox rows in one transaction. Methods return ErrNotFound for a
// missing row and ErrConflict for a violated uniqueness rule; any other error
// is internal.
type Store interface {
	CreateProject(ctx context.Context, p *Project) error
	GetProject(ctx context.Context, id string) (*Project, error)
	// ListProjects returns projects newest first: those of f.OwnerID when it is set.
	ListProjects(ctx context.Context, f ProjectFilter) ([]*Project, error)
	UpdateProject(ctx context.Context, p *Project) error
	// SetProjectSenderIDs replaces the project's approved sender ids
	// alone (UpdateProject leaves them as they are); an unknown id is
	// ErrNotFound.
	SetProjectSenderIDs(ctx context.Context, id string, ids []string, at time.Time) error
	// UpdateProjectFraud reads the project's fraud settings under its row
	// lock, applies change and writes them (alone: UpdateProject leaves
	// them as they are) with updated time at. If change returns an error,
	// nothing is written and that error is returned; an unknown id is
	// ErrNotFound.
	UpdateProjectFraud(ctx context.Context, id string, change func(*FraudSettings) error, at time.Time) error
	// DeleteProject returns ErrConflict while the project has applications.
	DeleteProject(ctx context.Context, id string) error

	// ListSealedValues returns up to limit stored values of kind, in the
	// order of their rows' ids, from the row after afterID ("": from
	// the first); rows without a value of kind are skipped.
	ListSealedValues(ctx context.Context, kind SealedKind, afterID string, limit int) ([]SealedValue, error)
	// ReplaceSealedValue writes next's value (and, for a code, its
	// CodeHash) in place of cur's if cur's row still holds cur.Sealed, and
	// reports whether it did. Nothing else of the row changes, its
	// updated time neither: re-sealing is not a change of the data.
	ReplaceSealedValue(ctx context.Context, cur, next SealedValue) (bool, error)

	CreateApplication(ctx context.Context, a *Application) error
	// CreateProjectWithQuota inserts p unless its owner (p.OwnerID) owns
	// max projects already (ErrConflict); CreateApplicationWithQuota
	// inserts a unless its project has max applications (ErrConflict).
	// Each counts and inserts in one transaction under the owner's or the
	// project's row lock, so concurrent creations cannot pass the bound;
	// an unknown owner or project is ErrNotFound.
	CreateProjectWithQuota(ctx context.Context, p *Project, max int) error
	CreateApplicationWithQuota(ctx context.Context, a *Application, max int) error
	// NextMessageNumber takes the next number of the application's
	// sequence of manual sends (1, 2, …): each number once, under any
	// concurrency. An unknown application is ErrNotFound.
	NextMessageNumber(ctx context.Context, appID string) (int64, error)
	GetApplication(ctx context.Context, id string) (*Application, error)
	GetApplicationByAPIKey(ctx context.Context, keyHash []byte) (*Application, error)
	// GetApplicationByPublicKey returns the application of a public key, or ErrNotFound.
	GetApplicationByPublicKey(ctx context.Context, key string) (*Application, error)
	// ListApplications returns applications newest first.
	ListApplications(ctx context.Context, f ApplicationFilter) ([]*Application, error)
	// UpdateApplication writes a back, all but OperatorDisabled.
	UpdateApplication(ctx context.Context, a *Application) error
	// SetApplicationOperatorDisabled sets the operator's hold on an
	// application, alone; ErrNotFound if unknown.
	SetApplicationOperatorDisabled(ctx context.Context, id string, disabled bool, at time.Time) error
	// DeleteApplication deletes the application and everything it owns,
	// its API keys among them. The messages of its otp.sent events not yet
	// consumed are first written to the usage ledger and charged, as
	// ConsumeEvents would: the ledger's rows are the owner's, not the
	// application's, and stay.
	DeleteApplication(ctx context.Context, id string) error

	// CreateAPIKey inserts k unless its application already has max API
	// keys (ErrConflict, checked and written under the application's row
	// lock, so concurrent creations cannot pass the bound) or does not
	// exist (ErrNotFound).
	CreateAPIKey(ctx context.Context, k *APIKey, max int) error
	// GetAPIKeyByHash returns the API key whose SHA-256 is keyHash, or ErrNotFound.
	GetAPIKeyByHash(ctx context.Context, keyHash []byte) (*APIKey, error)
	// ListAPIKeys returns an application's API keys, oldest first.
	ListAPIKeys(ctx context.Context, appID string) ([]*APIKey, error)
	// DeleteAPIKey deletes key id of application appID; ErrNotFound if
	// appID has no such key.
	DeleteAPIKey(ctx context.Context, appID, id string) error

	// CreateVerification inserts v with its effects. With a non-nil idem it
	// also records the idempotency key, and returns ErrConflict if the key
	// is already taken. In the same transaction it supersedes the older
	// pending verifications of v's application to v.To: they end canceled,
	// each with its otp.canceled event, so that of any number of racing
	// creations to one destination exactly one stays pending.
	CreateVerification(ctx context.Context, v *Verification, fx Effects, idem *Idempotency) error
	// GetIdempotency returns the record of a key younger than since, or ErrNotFound.
	GetIdempotency(ctx context.Context, appID, key string, since time.Time) (*Idempotency, error)
	GetVerification(ctx context.Context, appID, id string) (*Verification, error)
	// LatestPendingVerification returns the newest pending verification of a destination.
	LatestPendingVerification(ctx context.Context, appID, to string) (*Verification, error)
	// ListVerifications returns verifications newest first: appID's, or
	// with appID "" those of f.OwnerID's applications (nil: every one).
	ListVerifications(ctx context.Context, appID string, f VerificationFilter) ([]*Verification, error)
	// CountVerifications counts the verifications ListVerifications would
	// return without f's Cursor, Offset and Limit.
	CountVerifications(ctx context.Context, appID string, f VerificationFilter) (int, error)
	// UpdateVerification lets change modify the verification and writes it
	// back with the returned effects, atomically: the write happens only if
	// the row is still the one change saw. If change returns an error
	// nothing is written and that error is returned. change may run more
	// than once (a store may read without a lock and try again when the
	// row changed meanwhile), so it must do nothing but change v and
	// return effects; only its last run counts.
	UpdateVerification(ctx context.Context, appID, id string, change func(v *Verification) (Effects, error)) (*Verification, error)
	// ListExpiredPending returns up to limit pending verifications whose expiry is not after now.
	ListExpiredPending(ctx context.Context, now time.Time, limit int) ([]VerificationRef, error)
	// ListDueFallbacks returns up to limit pending verifications whose next fallback step is due at now.
	ListDueFallbacks(ctx context.Context, now time.Time, limit int) ([]VerificationRef, error)

	// QueueStats counts the outbox rows and the pending webhook deliveries
	// and reads the creation time of the oldest of each, for monitoring.
	QueueStats(ctx context.Context) (StoredQueues, error)
	// ClaimDeliveries leases up to limit due outbox rows until leaseUntil,
	// increments their attempt count and returns them. A row whose lease
	// runs out (a crashed worker) becomes due again.
	ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]Delivery, error)
	// FinishDelivery removes the outbox row and applies change to its
	// verification in one transaction.
	FinishDelivery(ctx context.Context, d Delivery, change func(v *Verification) (Effects, error)) error
	// RetryDelivery ends the lease on outbox row d, makes it due again at
	// next with lastError and the providers that refused it (skip), and
	// applies change (when not nil) to its verification, in one
	// transaction. Only the holder of the latest claim may: if the row
	// was claimed again since (d.Attempts differs) or is gone, nothing is
	// written and change is not called. If change returns an error
	// nothing is written and that error is returned.
	RetryDelivery(ctx context.Context, d Delivery, next time.Time, lastError string, skip []string,
		change func(v *Verification) (Effects, error)) error
	// ReleaseDeliveries hands claimed outbox rows back unsent, in one
	// transaction: each ends its lease, is due again as it was before the
	// claim, and its claim's attempt is no longer counted. Only a claim
	// still held is released: a row claimed again since (its attempt
	// count or lease differs from d's), retried, finished or gone is left
	// as it is. It returns how many were released.
	ReleaseDeliveries(ctx context.Context, ds []Delivery) (int, error)

	// ListMessages returns the messages of a verification, oldest first:
	// one per attempt, each delivery's attempts in order.
	ListMessages(ctx context.Context, appID, verificationID string) ([]Message, error)
	// ApplyReceipt finds the newest message a provider knows by its id and
	// lets change update it (that attempt's row) and its verification in
	// one transaction.
	// An unknown message is ErrNotFound, and so is one of the test inbox
	// (TestInboxProvider), which has no receipts.
	ApplyReceipt(ctx context.Context, provider, providerMessageID string, change func(v *Verification, m *Message) (Effects, error)) error

	// ListUsers returns users, the most recently verified first: appID's,
	// or with appID "" those of f.OwnerID's applications (nil: every one).
	ListUsers(ctx context.Context, appID string, f UserFilter) ([]User, error)
	// GetUser returns the user of a destination, or ErrNotFound.
	GetUser(ctx context.Context, appID, destination string) (*User, error)
	// EraseUser removes, in one transaction, what is stored of
	// e.Destination in the applications e.AppIDs: user records, test-inbox
	// messages, and verifications that are finished, in no session and
	// whose events are all consumed (with their messages, outbox rows,
	// events and finished per-send callbacks); with e.ChatLinks its chat
	// links too. It counts what it removed and the verifications left.
	EraseUser(ctx context.Context, e UserErasure) (ErasedUser, error)
	// DeleteUsersBefore removes up to limit users last verified before
	// before, and returns how many.
	DeleteUsersBefore(ctx context.Context, before time.Time, limit int) (int, error)
	// ListEventLog returns events with their verification, newest first:
	// f.AppID's, or without it those of f.OwnerID's applications (nil:
	// every one), after f.Cursor; a cursor it never gave is an *Error of
	// CodeInvalidParameter.
	ListEventLog(ctx context.Context, f EventFilter) ([]EventRecord, error)
	// GetVerificationByID returns a verification of any application, for the console.
	GetVerificationByID(ctx context.Context, id string) (*Verification, error)

	CreateWebhook(ctx context.Context, w *Webhook) error
	GetWebhook(ctx context.Context, id string) (*Webhook, error)
	// ListWebhooks returns the endpoints of an application, or of every one for appID "".
	ListWebhooks(ctx context.Context, appID string) ([]*Webhook, error)
	UpdateWebhook(ctx context.Context, w *Webhook) error
	// DeleteWebhook removes an endpoint with its delivery log.
	DeleteWebhook(ctx context.Context, id string) error

	// AddEvents writes events about no verification (fraud.blocked,
	// fraud.released), for the consumer to fan out.
	AddEvents(ctx context.Context, events []Event) error
	// ListUndispatchedEvents returns up to limit events the consumer has
	// not taken yet, in the order it takes them, each with its Position.
	// An event may show a moment after its transaction commits (on
	// PostgreSQL, once every transaction older than it has ended), never
	// after a later event was taken.
	ListUndispatchedEvents(ctx context.Context, limit int) ([]Event, error)
	// CountUnconsumedEvents counts the events the consumer has not taken,
	// those it may not take yet among them: its backlog.
	CountUnconsumedEvents(ctx context.Context) (int, error)
	// ConsumeEvents inserts the webhook deliveries ds (skipping any
	// already queued for the same endpoint and event), adds stats to the
	// daily rollup, writes usage to the usage ledger (skipping messages
	// already there) and takes the cost of the rows it wrote from project
	// balances, adds traffic to the fraud traffic history, and moves the
	// consumer past events, in one transaction. events must be the first
	// events ListUndispatchedEvents returned, in its order; if another
	// consumer took the first of them meanwhile, nothing is written and
	// the error is ErrConflict. With no events the consumer stays.
	ConsumeEvents(ctx context.Context, ds []WebhookDelivery, stats []StatDelta, usage []UsageRecord, traffic []TrafficDelta, events []Event) error
	// FraudTraffic sums a project's traffic history over the buckets in
	// [from, to) whose prefix starts with under, by the first digits
	// digits of their prefix and by country.
	FraudTraffic(ctx context.Context, projectID string, from, to time.Time, under string, digits int) ([]TrafficCount, error)
	// FraudTrafficByHour sums a project's traffic history over [from, to)
	// under the prefix under ("" for all) by country and hour.
	FraudTrafficByHour(ctx context.Context, projectID string, from, to time.Time, under string) ([]TrafficHour, error)
	// FraudTrafficProjects returns the projects with traffic in the
	// buckets from on, in id order.
	FraudTrafficProjects(ctx context.Context, from time.Time) ([]string, error)
	// DeleteFraudTrafficBefore deletes the traffic history's buckets that
	// start before before, and returns how many rows it deleted.
	DeleteFraudTrafficBefore(ctx context.Context, before time.Time) (int, error)
	// ClaimWebhookDeliveries leases up to limit due pending deliveries and
	// counts the attempt. It takes them round-robin across applications,
	// oldest first within each, never leaving an application more than
	// perApp deliveries in flight (leased) nor a slow endpoint (slow score
	// WebhookSlowScore or more) more than one; claims of several instances
	// see each other's leases.
	ClaimWebhookDeliveries(ctx context.Context, now, leaseUntil time.Time, limit, perApp int) ([]WebhookDelivery, error)
	// RecordWebhookAttempt writes d's new state and ends its lease, with
	// the attempt and the endpoint's change when they are not nil. claimed
	// is the attempt count of the caller's claim: if the delivery was
	// claimed again since (the lease ran out), the newer holder decides its
	// state and the endpoint's, and only the attempt is logged. An
	// attempt of an endpoint also moves the endpoint's slow score: up one
	// if a.Slow, down one otherwise, within 0 and WebhookSlowScoreMax.
	RecordWebhookAttempt(ctx context.Context, d *WebhookDelivery, claimed int, a *WebhookAttempt, w *Webhook) error
	// RequeueWebhookDelivery makes delivery id pending and due at now,
	// unless a sender holds its lease: then it changes nothing and reports
	// false, since that sender is posting it and will record the outcome.
	RequeueWebhookDelivery(ctx context.Context, id string, now time.Time) (bool, error)
	ListWebhookDeliveries(ctx context.Context, webhookID string, f WebhookDeliveryFilter) ([]WebhookDelivery, error)
	GetWebhookDelivery(ctx context.Context, id string) (*WebhookDelivery, error)
	ListWebhookAttempts(ctx context.Context, deliveryID string) ([]WebhookAttempt, error)

	// AddCredits adds to a project's balance, turning it on; another
	// currency than the balance's is ErrConflict.
	AddCredits(ctx context.Context, projectID string, amount Money) (*Project, error)

	// StatsSummary adds up the daily rollup of f between two days (days since 1970, both included).
	StatsSummary(ctx context.Context, f StatsFilter, fromDay, toDay int64) (*Summary, error)
	// StatsByDay returns the days between fromDay and toDay that have counters.
	StatsByDay(ctx context.Context, f StatsFilter, fromDay, toDay int64) ([]DayStats, error)

	AddAuditEntry(ctx context.Context, e AuditEntry) error
	// ListAuditEntries returns entries newest first, after cursor if set.
	ListAuditEntries(ctx context.Context, cursor string, limit int) ([]AuditEntry, error)

	// CreateDeveloper inserts d; a taken email is ErrConflict.
	CreateDeveloper(ctx context.Context, d *Developer) error
	GetDeveloper(ctx context.Context, id string) (*Developer, error)
	GetDeveloperByEmail(ctx context.Context, email string) (*Developer, error)
	ListDevelopers(ctx context.Context) ([]*Developer, error)
	// CountOwnerMessages counts the messages of live applications in an
	// owner's usage ledger accepted at since or later, deleted
	// applications' included.
	CountOwnerMessages(ctx context.Context, ownerID string, since time.Time) (int, error)
	// ListOwnerUsage returns an owner's usage ledger rows accepted in
	// [from, to), oldest first, up to limit of them.
	ListOwnerUsage(ctx context.Context, ownerID string, from, to time.Time, limit int) ([]UsageRecord, error)
	// UpdateDeveloper writes d's profile and plan back; the password, the
	// status and the session revocation have methods of their own, so
	// that an edit of the profile cannot undo them.
	UpdateDeveloper(ctx context.Context, d *Developer) error
	// SetDeveloperStatus sets a developer's status; ErrNotFound if unknown.
	SetDeveloperStatus(ctx context.Context, id string, st DeveloperStatus, at time.Time) error
	// DeleteDeveloper deletes a developer with their sessions and
	// password resets; ErrConflict while they own projects (checked under
	// the developer's row lock), ErrNotFound if unknown.
	DeleteDeveloper(ctx context.Context, id string) error
	// RevokeSessions sets the developer's SessionsValidAfter to at and
	// deletes their sessions created before it; ErrNotFound if unknown.
	RevokeSessions(ctx context.Context, developerID string, at time.Time) error
	// SetPassword writes a developer's password hash and, in the same
	// transaction, revokes their sessions as RevokeSessions does at at and
	// deletes their password resets; ErrNotFound if unknown.
	SetPassword(ctx context.Context, developerID, passwordHash string, at time.Time) error
	// CreatePasswordReset inserts r and deletes the developer's other
	// password resets; ErrNotFound if the developer is unknown.
	CreatePasswordReset(ctx context.Context, r *PasswordReset) error
	// GetPasswordReset returns the password reset of a token hash, or ErrNotFound.
	GetPasswordReset(ctx context.Context, tokenHash []byte) (*PasswordReset, error)
	// RedeemPasswordReset uses up an unused password reset that expires
	// after at and sets its developer's password as SetPassword does, in
	// one transaction, and returns the developer's id. ErrNotFound if the
	// reset is unknown, used or expired: of concurrent redemptions, one
	// succeeds.
	RedeemPasswordReset(ctx context.Context, tokenHash []byte, at time.Time, passwordHash string) (string, error)
	CreateInvitation(ctx context.Context, inv *Invitation) error
	GetInvitation(ctx context.Context, tokenHash []byte) (*Invitation, error)
	// UseInvitation marks an unused invitation used; ErrNotFound if it is
	// unknown or already used.
	UseInvitation(ctx context.Context, tokenHash []byte, at time.Time) error
	// CreateDeveloperWithInvitation uses up the unused invitation of
	// tokenHash and inserts d in one transaction: an unknown or used
	// invitation is ErrNotFound, a taken email ErrConflict, and then
	// neither is written.
	CreateDeveloperWithInvitation(ctx context.Context, d *Developer, tokenHash []byte, at time.Time) error
	// DeleteExpiredSessions removes sessions that expired before before.
	DeleteExpiredSessions(ctx context.Context, before time.Time) (int, error)
	CreateSession(ctx context.Context, sess *Session) error
	GetSession(ctx context.Context, tokenHash []byte) (*Session, error)
	DeleteSession(ctx context.Context, tokenHash []byte) error

	// SaveChatLink inserts a chat link or replaces the one of the same provider and phone.
	SaveChatLink(ctx context.Context, l ChatLink) error
	// GetChatLink returns the chat link of a provider and phone, or ErrNotFound.
	GetChatLink(ctx context.Context, provider, phone string) (ChatLink, error)

	// ListTestMessages returns up to limit messages of an application's
	// test inbox sent at or after since, newest first (by sending time,
	// then id), only those to destination to if it is set: the messages
	// sent through TestInboxProvider whose verification still holds its
	// InboxCode. A message's destination is its own To, or its
	// verification's when To is "".
	ListTestMessages(ctx context.Context, appID, to string, since time.Time, limit int) ([]TestInboxMessage, error)

	SessionStore

	// DeleteExpiredIdempotency removes idempotency records older than before.
	DeleteExpiredIdempotency(ctx context.Context, before time.Time) (int, error)
	// DeleteOldData removes up to limit finished verifications created
	// before verificationsBefore (with their messages and consumed events)
	// and up to limit finished webhook deliveries last changed before
	// webhooksBefore (with their attempts), and returns how many.
	DeleteOldData(ctx context.Context, verificationsBefore, webhooksBefore time.Time, limit int) (int, error)
	// DeleteTestMessagesBefore takes out of the test inbox the messages
	// of the verifications that expired before before (every message of a
	// verification is sent before it expires): it erases their InboxCode
	// and returns how many verifications it erased it of.
	DeleteTestMessagesBefore(ctx context.Context, before time.Time) (int, error)

	Close() error
}

// VerificationRef points at a verification of an application.
type VerificationRef struct {
	AppID string
	ID    string
}

// Effects are the rows a state change writes beside the verification.
type Effects struct {
	// Events are written in this order, the order the event log and the
	// event consumer see them in.
	Events     []Event
	Deliveries []Delivery
	Messages   []Message
	Users      []UserVisit // successful checks, added to the users rollup
	// Callbacks are per-send callbacks (WebhookDelivery with a URL) to
	// queue. A verification has one callback at most: a second one of
	// the same verification is dropped, whichever change writes it.
	Callbacks []WebhookDelivery
}

// Idempotency records which verification a client's idempotency key created.
type Idempotency struct {
	AppID          string
	Key            string
	RequestHash    []byte
	VerificationID string
	CreatedAt      time.Time
}

// Delivery is an outbox row: one message of a verification waiting to be
// handed to a provider.
type Delivery struct {
	ID             string
	AppID          string
	VerificationID string
	Channel        Channel
	To             string // the destination when it is not the verification's (a fallback step)
	Attempts       int    // claims so far, including the current one
	NextAttemptAt  time.Time
	CreatedAt      time.Time
	// LastError is the error of the latest failed attempt, "" before one.
	LastError string
	// Skip names the providers that refused the message, in the order
	// they did: the router asks them no more.
	Skip []string
	// ClaimedUntil is when the lease of the claim that returned it runs
	// out; zero on a delivery not from a claim. With Attempts it names
	// that claim: ReleaseDeliveries hands back only the claim it names.
	ClaimedUntil time.Time
}

// Message records one attempt to hand a verification's code to a
// provider. A delivery's attempts share its ID (the client reference
// providers get) and are told apart by Attempts, the attempt number.
type Message struct {
	ID                string
	AppID             string
	VerificationID    string
	Channel           Channel
	To                string // the destination when it is not the verification's
	Provider          string
	ProviderMessageID string
	// Status is DeliveryRetrying (this attempt failed, another follows at
	// NextAttemptAt), DeliverySent, DeliveryDelivered, DeliveryFailed or
	// DeliveryExpired (the code expired before a provider accepted it).
	Status        DeliveryStatus
	Attempts      int // the attempt number, from 1
	Error         string
	Cost          Money
	CreatedAt     time.Time
	SentAt        time.Time
	DeliveredAt   time.Time
	NextAttemptAt time.Time // when the next attempt is due; zero unless Status is DeliveryRetrying
}

// TestMessage is a message of a test application, kept in its inbox
// instead of reaching a provider. It is the one place a code is readable.
// Nothing stores it as such: the Service renders it, when the inbox is
// read, from a TestInboxMessage.
type TestMessage struct {
	ID             string
	AppID          string
	VerificationID string
	To             string
	Channel        Channel
	Body           string
	Code           string
	CreatedAt      time.Time
}

// TestInboxMessage is a message of the test inbox as stored, with only
// what it is rendered from read: of the record of its sending through
// TestInboxProvider, ID, AppID, VerificationID, Channel, To, Provider,
// Attempts, CreatedAt and SentAt; of its verification as it is now, ID,
// AppID, To, Purpose, Locale, ExpiresAt, Options, Country and InboxCode.
type TestInboxMessage struct {
	Message      Message
	Verification Verification
}
