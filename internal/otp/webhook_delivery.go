package otp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// WebhookDeliveryStatus is where one event's delivery to one endpoint stands.
type WebhookDeliveryStatus string

// Delivery statuses.
const (
	WebhookPending   WebhookDeliveryStatus = "pending"
	WebhookDelivered WebhookDeliveryStatus = "delivered"
	WebhookDead      WebhookDeliveryStatus = "dead" // retried for over a day, given up
)

// WebhookDelivery is one event queued for one endpoint, or a per-send
// callback (WebhookID empty, URL set). Its ID is the webhook-id a
// receiver deduplicates on: the same on every attempt.
type WebhookDelivery struct {
	ID        string
	WebhookID string // "" for a per-send callback
	// URL is where a per-send callback goes; "" for an endpoint's
	// delivery, which goes to the endpoint's URL.
	URL string
	// VerificationID is the verification a per-send callback reports;
	// "" for an endpoint's delivery.
	VerificationID  string
	AppID           string
	EventID         string
	EventType       EventType
	Payload         []byte
	Status          WebhookDeliveryStatus
	Attempts        int
	NextAttemptAt   time.Time
	LastStatusCode  int
	LastError       string
	LastLatency     time.Duration
	ResponseExcerpt string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// WebhookAttempt is one request of a delivery, for the endpoint's log.
type WebhookAttempt struct {
	DeliveryID      string
	Attempt         int
	At              time.Time
	StatusCode      int
	Latency         time.Duration
	ResponseExcerpt string
	Error           string
	// Slow says the attempt took WebhookSlowAttempt or longer; it moves
	// the endpoint's slow score and is not kept in the log.
	Slow bool
}

// WebhookResult is the outcome of one request to an endpoint.
type WebhookResult struct {
	StatusCode      int
	Latency         time.Duration
	ResponseExcerpt string
	Err             error // nil for a 2xx answer
	Retryable       bool
	RetryAfter      time.Duration
}

// WebhookSecrets are the secrets a delivery is signed with.
type WebhookSecrets struct {
	Current string
	// Previous is the secret the last rotation replaced, while its grace
	// period runs at the time of signing; empty otherwise.
	Previous string
}

// WebhookTransport writes, signs and posts webhook events, and says how
// long to keep retrying. internal/webhook provides it.
type WebhookTransport interface {
	// Encode writes the body of event e about v for endpoint w, in the
	// shape its signing scheme's receivers expect; never the code. An
	// event about no verification (fraud.blocked) has v nil; a nil body
	// says the scheme has no such event, and the endpoint gets none.
	Encode(e Event, v *Verification, w *Webhook) ([]byte, error)
	// Post signs d's payload for the endpoint with secrets and posts it.
	Post(ctx context.Context, w *Webhook, secrets WebhookSecrets, d *WebhookDelivery, at time.Time) WebhookResult
	// NextAttempt is when the attempt after attempt is due; false to give up.
	NextAttempt(attempt int, now time.Time) (time.Time, bool)
	// ShouldDisable reports whether an endpoint failing since then is disabled at now.
	ShouldDisable(failingSince, now time.Time) bool
}

// webhookLease bounds how long a claimed delivery stays claimed: longer
// than a request may take.
const webhookLease = time.Minute

// Fair webhook scheduling (issue 15). Each application has at most
// Service.webhookPerApp deliveries in flight, claimed round-robin across
// applications, so that one tenant's slow endpoints hold a few senders,
// not all of them. An endpoint's attempts also move its slow score: one
// as slow as WebhookSlowAttempt or slower raises it, a faster one lowers
// it; an endpoint scoring WebhookSlowScore or more (mostly slow of late)
// gets one delivery in flight at a time, so its own backlog waits on it
// rather than on the application's other endpoints.
const (
	// DefaultWebhookConcurrencyPerApp is Config.WebhookConcurrencyPerApp's default.
	DefaultWebhookConcurrencyPerApp = 4
	// WebhookSlowAttempt is how long an attempt may take before it counts
	// as slow: half of the sender's default timeout.
	WebhookSlowAttempt = 5 * time.Second
	// WebhookSlowScore is the slow score from which an endpoint is slow.
	WebhookSlowScore = 2
	// WebhookSlowScoreMax bounds the slow score, so that an endpoint that
	// turns fast again is trusted again after a few fast attempts.
	WebhookSlowScoreMax = 4
)

// DeliverWebhooks posts up to limit due deliveries, concurrency at a
// time, records each outcome, and returns when all are done and nothing
// else is due. It returns how many it posted. RunWebhookDeliveries is its
// long-running form.
func (s *Service) DeliverWebhooks(ctx context.Context, limit, concurrency int) (int, error) {
	if s.webhooks == nil {
		return 0, nil
	}
	sem := make(chan struct{}, max(concurrency, 1)) // a token per busy sender
	done := make(chan struct{}, 1)                  // a post ended
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		posted   int
	)
	fail := func(err error) {
		mu.Lock()
		firstErr = firstOf(firstErr, err)
		mu.Unlock()
	}
claim:
	for posted < limit {
		n, more, err := s.claimWebhooks(ctx, sem, &wg, limit-posted, fail, done)
		posted += n
		switch {
		case err != nil:
			fail(err)
			break claim
		case more:
			continue
		case n == 0 && len(sem) == 0:
			break claim // nothing due and nothing in flight
		}
		// Some senders are free but the due deliveries are of
		// applications at their cap, or none is due: look again when a
		// post ends.
		select {
		case <-done:
		case <-ctx.Done():
			break claim
		}
	}
	wg.Wait()
	return posted, firstErr
}

// RunWebhookDeliveries posts due deliveries with concurrency senders
// until ctx ends, then waits for the posts under way. Unlike
// DeliverWebhooks it never waits for a batch to finish: a free sender
// claims the next due delivery at once, and while none is due it looks
// again at every tick (or as soon as a post ends and frees an
// application's slot). It runs apart from ConsumeEvents, so that slow
// endpoints never hold up analytics, credit charges or quotas. Errors
// go to fail.
func (s *Service) RunWebhookDeliveries(ctx context.Context, concurrency int, tick <-chan time.Time, fail func(error)) {
	if s.webhooks == nil {
		<-ctx.Done()
		return
	}
	sem := make(chan struct{}, max(concurrency, 1))
	done := make(chan struct{}, 1) // a post ended: a slot may be free
	var wg sync.WaitGroup
	defer wg.Wait()
	ended := func(err error) {
		if err != nil && ctx.Err() == nil {
			fail(err)
		}
	}
	for ctx.Err() == nil {
		_, more, err := s.claimWebhooks(ctx, sem, &wg, math.MaxInt, ended, done)
		if err != nil && ctx.Err() == nil {
			fail(err)
		}
		if more && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-tick:
		case <-done:
		}
	}
}

// claimWebhooks waits for a free sender, claims a delivery for it and
// for every other free sender (at most limit), and posts each claimed
// one in a goroutine of wg. more reports whether every free sender got
// one, so more may be due. Each post that ends signals done without
// blocking (one pending signal stands for any number), so that the
// caller can claim again when a slot may have come free.
//
// It claims deliveries only for senders that are free, so that each is
// posted as soon as it is claimed: one claimed to wait behind slow
// requests could outlive its lease, be claimed by another instance too,
// and reach the receiver twice.
func (s *Service) claimWebhooks(ctx context.Context, sem chan struct{}, wg *sync.WaitGroup, limit int, fail func(error), done chan struct{}) (int, bool, error) {
	select {
	case sem <- struct{}{}: // wait for a free sender, then take every free one
	case <-ctx.Done():
		return 0, false, ctx.Err()
	}
	n := 1
free:
	for n < limit {
		select {
		case sem <- struct{}{}:
			n++
		default:
			break free
		}
	}
	now := s.clock.Now()
	ds, err := s.store.ClaimWebhookDeliveries(ctx, now, now.Add(webhookLease), n, s.webhookPerApp)
	for range n - len(ds) {
		<-sem
	}
	if err != nil {
		return 0, false, fmt.Errorf("deliver webhooks: %w", err)
	}
	for i := range ds {
		wg.Go(func() {
			defer func() {
				<-sem
				select {
				case done <- struct{}{}:
				default:
				}
			}()
			if err := s.deliverWebhook(ctx, &ds[i]); err != nil {
				fail(err)
			}
		})
	}
	return len(ds), len(ds) == n, nil
}

func firstOf(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// deliverWebhook posts one claimed delivery and records the attempt, the
// delivery's next state and the endpoint's health in one write.
func (s *Service) deliverWebhook(ctx context.Context, d *WebhookDelivery) error {
	// A per-send callback has no endpoint: it goes where its URL says,
	// signed as an application's standard endpoint is, and its failures
	// say nothing about the health of any endpoint.
	callback := d.WebhookID == ""
	w := &Webhook{AppID: d.AppID, URL: d.URL, Signing: SigningStandard, Status: WebhookEnabled}
	if !callback {
		var err error
		w, err = s.store.GetWebhook(ctx, d.WebhookID)
		if isCode(err, CodeNotFound) {
			return nil // deleted with its deliveries
		}
		if err != nil {
			return err
		}
	}
	now := s.clock.Now()
	claimed := d.Attempts
	if w.Status != WebhookEnabled {
		// Kept, not sent: it goes out if the endpoint is enabled again soon.
		d.Attempts--
		d.NextAttemptAt, d.UpdatedAt = now.Add(time.Hour), now
		s.metrics.WebhookDelivered(WebhookOutcomeHeld)
		return s.store.RecordWebhookAttempt(ctx, d, claimed, nil, nil)
	}
	a, err := s.applicationByID(ctx, d.AppID)
	if err != nil {
		return err
	}
	secrets, err := s.webhookSecrets(a, now)
	if err != nil {
		return fmt.Errorf("webhook secret of %s: %w", a.ID, err)
	}
	res := s.webhooks.Post(ctx, w, secrets, d, now)
	at := s.clock.Now()
	attempt := &WebhookAttempt{DeliveryID: d.ID, Attempt: d.Attempts, At: at, StatusCode: res.StatusCode,
		Latency: res.Latency, ResponseExcerpt: res.ResponseExcerpt, Slow: res.Latency >= WebhookSlowAttempt}
	d.LastStatusCode, d.LastLatency, d.ResponseExcerpt, d.UpdatedAt, d.LastError = res.StatusCode, res.Latency, res.ResponseExcerpt, at, ""
	var changed *Webhook
	if res.Err == nil {
		d.Status = WebhookDelivered
		s.metrics.WebhookDelivered(WebhookOutcomeDelivered)
		if !callback && !w.FailingSince.IsZero() {
			w.FailingSince, w.UpdatedAt = time.Time{}, at
			changed = w
		}
		return s.store.RecordWebhookAttempt(ctx, d, claimed, attempt, changed)
	}
	attempt.Error, d.LastError = res.Err.Error(), res.Err.Error()
	next, ok := s.webhooks.NextAttempt(d.Attempts, at)
	if res.RetryAfter > 0 && at.Add(res.RetryAfter).After(next) {
		next = at.Add(res.RetryAfter)
	}
	if !res.Retryable || !ok {
		d.Status = WebhookDead
		s.metrics.WebhookDelivered(WebhookOutcomeDead)
	} else {
		s.metrics.WebhookDelivered(WebhookOutcomeRetry)
	}
	d.NextAttemptAt = next
	if callback {
		return s.store.RecordWebhookAttempt(ctx, d, claimed, attempt, nil)
	}
	if w.FailingSince.IsZero() {
		w.FailingSince, w.UpdatedAt = at, at
		changed = w
	} else if s.webhooks.ShouldDisable(w.FailingSince, at) {
		w.Status, w.UpdatedAt = WebhookDisabled, at
		w.DisabledReason = fmt.Sprintf("disabled by otpd: every delivery failed since %s; last error: %s", w.FailingSince.Format(time.RFC3339), res.Err)
		changed = w
	}
	return s.store.RecordWebhookAttempt(ctx, d, claimed, attempt, changed)
}

// TestWebhook posts one signed sample otp.verified event to an endpoint
// at once and reports the outcome; nothing is queued or retried. The
// sample verification (ver_test, to the fictional +15555550100) is
// verified, so receivers see the event they most likely act on.
func (s *Service) TestWebhook(ctx context.Context, id string) (WebhookResult, error) {
	// The endpoint is looked up first, so that another tenant's id is
	// NOT_FOUND whatever the configuration.
	w, err := s.GetWebhook(ctx, id)
	if err != nil {
		return WebhookResult{}, err
	}
	if s.webhooks == nil {
		return WebhookResult{}, errors.New("webhooks are not configured")
	}
	a, err := s.GetApplication(ctx, w.AppID)
	if err != nil {
		return WebhookResult{}, err
	}
	now := s.clock.Now()
	secrets, err := s.webhookSecrets(a, now)
	if err != nil {
		return WebhookResult{}, fmt.Errorf("webhook secret of %s: %w", a.ID, err)
	}
	v := &Verification{ID: "ver_test", AppID: a.ID, To: "+15555550100", Channel: SMS, Status: StatusVerified,
		DeliveryStatus: DeliveryDelivered, Metadata: []byte(`{"test":true}`), Attempts: 1, MaxAttempts: 5,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(5 * time.Minute), SentAt: now, DeliveredAt: now, VerifiedAt: now}
	e := Event{ID: NewID("evt"), Type: EventVerified, AppID: a.ID, VerificationID: v.ID, CreatedAt: now, Channel: SMS}
	body, err := s.webhooks.Encode(e, v, w)
	if err != nil {
		return WebhookResult{}, err
	}
	d := &WebhookDelivery{ID: NewID("whd"), WebhookID: w.ID, AppID: a.ID, EventID: e.ID, EventType: e.Type, Payload: body}
	return s.webhooks.Post(ctx, w, secrets, d, now), nil
}

// WebhookDeliveryFilter pages through an endpoint's delivery log, newest first.
type WebhookDeliveryFilter struct {
	Cursor string
	Limit  int
}

// ListWebhookDeliveries returns an endpoint's deliveries, newest first.
func (s *Service) ListWebhookDeliveries(ctx context.Context, webhookID string, f WebhookDeliveryFilter) ([]WebhookDelivery, error) {
	if _, err := s.GetWebhook(ctx, webhookID); err != nil {
		return nil, err
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 1 || f.Limit > 201 { // one more tells the caller there is a next page
		return nil, invalidField("limit", "out_of_range", "limit must be between 1 and 200")
	}
	return s.store.ListWebhookDeliveries(ctx, webhookID, f)
}

// WebhookAttempts returns the attempts of one delivery of an endpoint.
func (s *Service) WebhookAttempts(ctx context.Context, webhookID, deliveryID string) (*WebhookDelivery, []WebhookAttempt, error) {
	if _, err := s.GetWebhook(ctx, webhookID); err != nil {
		return nil, nil, err
	}
	d, err := s.store.GetWebhookDelivery(ctx, deliveryID)
	if err != nil || d.WebhookID != webhookID {
		return nil, nil, notFound("webhook delivery")
	}
	as, err := s.store.ListWebhookAttempts(ctx, deliveryID)
	if err != nil {
		return nil, nil, err
	}
	return d, as, nil
}

// RedeliverWebhook queues a delivery again at once, whatever its status.
func (s *Service) RedeliverWebhook(ctx context.Context, webhookID, deliveryID string) (*WebhookDelivery, error) {
	if _, err := s.GetWebhook(ctx, webhookID); err != nil {
		return nil, err
	}
	d, err := s.store.GetWebhookDelivery(ctx, deliveryID)
	if err != nil || d.WebhookID != webhookID {
		return nil, notFound("webhook delivery")
	}
	now := s.clock.Now()
	ok, err := s.store.RequeueWebhookDelivery(ctx, d.ID, now)
	if err != nil {
		return nil, err
	}
	if !ok {
		// Requeuing it now would let another worker post it beside the
		// one posting it, and the latter's outcome would overwrite this.
		return nil, conflict("delivery_in_flight", "The delivery is being sent right now; redeliver it once this attempt is logged")
	}
	d.Status, d.NextAttemptAt, d.UpdatedAt = WebhookPending, now, now
	return d, nil
}
