package otp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/otpd/otpd/internal/templates"
)

// CreateVerification generates a code for req.To and queues its message.
// With an idempotency key, a retry with the same request returns the first
// verification (replayed is true) and sends nothing; the same key with
// another request is CONFLICT.
func (s *Service) CreateVerification(ctx context.Context, a *Application, req CreateRequest) (v *Verification, replayed bool, err error) {
	defer func() { s.countRefusal(err) }()
	now := s.clock.Now()
	var idem *Idempotency
	if req.IdempotencyKey != "" {
		if len(req.IdempotencyKey) > 255 {
			return nil, false, invalidField("Idempotency-Key", "too_long", "Idempotency-Key must be at most 255 characters")
		}
		if v, err := s.replay(ctx, a, req, now); v != nil || err != nil {
			return v, v != nil, err
		}
		idem = &Idempotency{AppID: a.ID, Key: req.IdempotencyKey, RequestHash: req.RequestHash, CreatedAt: now}
	}
	v, p, flags, err := s.newVerification(ctx, a, req, now)
	if err != nil {
		return nil, false, err
	}
	if req.manual != nil {
		// Numbered only once it passed every check: refused sends use no number.
		if err := s.numberManualSend(ctx, v); err != nil {
			return nil, false, fmt.Errorf("create verification: %w", err)
		}
	}
	if idem != nil {
		idem.VerificationID = v.ID
	}
	created := newEvent(EventCreated, v, now) // before sendEffects: its id sorts first
	fx, err := s.sendEffects(a, p, v, newDelivery(v, now))
	if err != nil {
		return nil, false, fmt.Errorf("create verification: %w", err)
	}
	fx.Events = append([]Event{created}, fx.Events...)
	if len(flags) > 0 {
		fx.Events = append(fx.Events, flaggedEvent(v, flags, now))
	}
	err = s.store.CreateVerification(ctx, v, fx, idem)
	if idem != nil && isCode(err, CodeConflict) {
		// Another request with the same key won the race: answer as its retry would.
		if v, err := s.replay(ctx, a, req, now); v != nil || err != nil {
			return v, v != nil, err
		}
		// Or the key is held by a record past the window that the sweep has
		// not removed yet: forget it and try once more.
		if _, err := s.store.DeleteExpiredIdempotency(ctx, now.Add(-s.cfg.IdempotencyWindow)); err != nil {
			return nil, false, fmt.Errorf("create verification: %w", err)
		}
		err = s.store.CreateVerification(ctx, v, fx, idem)
	}
	if isCode(err, CodeNotFound) {
		// The application was deleted after the caller authenticated (the
		// cache of another instance may hold it a while): answer as
		// authentication will once it is forgotten.
		return nil, false, invalidAPIKey()
	}
	if err != nil {
		return nil, false, fmt.Errorf("create verification: %w", err)
	}
	s.metrics.VerificationCreated(v.Channel, v.Country)
	if len(fx.Deliveries) > 0 {
		s.notify() // a test application's message is delivered already
	}
	return v, false, nil
}

// replay returns the verification an idempotency key created, nil if the
// key is unknown, or CONFLICT if it was used with another request.
func (s *Service) replay(ctx context.Context, a *Application, req CreateRequest, now time.Time) (*Verification, error) {
	rec, err := s.store.GetIdempotency(ctx, a.ID, req.IdempotencyKey, now.Add(-s.cfg.IdempotencyWindow))
	if isCode(err, CodeNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("idempotency: %w", err)
	}
	if !bytes.Equal(rec.RequestHash, req.RequestHash) {
		return nil, conflict("idempotency_key_reused", "This Idempotency-Key was used with a different request")
	}
	v, err := s.store.GetVerification(ctx, a.ID, rec.VerificationID)
	if err != nil {
		return nil, fmt.Errorf("idempotency: %w", err)
	}
	return v, nil
}

// newVerification validates req against the project's policy and builds a
// pending verification with a fresh code, and returns it with the project
// and the budgets a monitor-mode project went beyond. It counts the send
// (countSends): the destination of each fallback step too.
func (s *Service) newVerification(ctx context.Context, a *Application, req CreateRequest, now time.Time) (*Verification, *Project, []string, error) {
	dest, num, err := parseDestinationFor(a, req.To, "to")
	if err != nil {
		return nil, nil, nil, err
	}
	purpose := req.Purpose
	switch {
	case purpose == "":
		purpose = PurposeVerification
	case !validPurpose(purpose):
		return nil, nil, nil, invalidField("purpose", "invalid_purpose", "purpose must be one of verification, two_factor, password_reset, transaction")
	}
	if err := validateTransaction(purpose, req.Transaction); err != nil {
		return nil, nil, nil, err
	}
	if err := validateCallerID(req.CallerID); err != nil {
		return nil, nil, nil, err
	}
	if err := validateMetadata(req.Metadata); err != nil {
		return nil, nil, nil, err
	}
	if err := validateChallengeFields(req); err != nil {
		return nil, nil, nil, err
	}
	p, err := s.projectByID(ctx, a.ProjectID)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("project of application: %w", err)
	}
	// A test number sends nothing and counts against nothing: the
	// country policy, credits, quotas, geo rules, budgets and the
	// destination's limit are skipped for it (fraud_test_numbers.go).
	testCode, isTestNumber := p.Fraud.testCode(dest)
	if err := p.checkSenderID(req.CallerID); err != nil {
		return nil, nil, nil, err
	}
	if err := p.Policy.Messages.checkTemplate(req.Template); err != nil {
		return nil, nil, nil, err
	}
	if !isTestNumber {
		if err := checkCredits(p, a); err != nil {
			return nil, nil, nil, err
		}
		if err := s.checkMonthlySends(ctx, p, a); err != nil {
			return nil, nil, nil, err
		}
	}
	ttl := p.Policy.TTL
	if req.TTL != 0 {
		if req.TTL < MinTTL || req.TTL > MaxTTL {
			return nil, nil, nil, invalidField("ttl", "out_of_range", "ttl must be between 30 and 900 seconds")
		}
		ttl = req.TTL
	}
	channel, fallback, err := pickChannel(req, dest, s.channels(a, p.Policy), ttl)
	if err != nil {
		return nil, nil, nil, err
	}
	if isTestNumber {
		fallback = nil // the first send reaches the test number at once: no step follows
	}
	var sends []plannedSend
	if !isTestNumber {
		if sends, err = plannedSends(a, dest, channel, fallback); err != nil {
			return nil, nil, nil, err
		}
		if err := s.screenSends(p, sends); err != nil {
			return nil, nil, nil, err
		}
	}
	length := p.Policy.CodeLength
	if req.CodeLength != 0 {
		if req.CodeLength < MinCodeLength || req.CodeLength > MaxCodeLength {
			return nil, nil, nil, invalidField("codeLength", "out_of_range", "codeLength must be between 4 and 10")
		}
		length = req.CodeLength
	}
	if req.Locale != "" && !validLocale(req.Locale) {
		return nil, nil, nil, invalidField("locale", "invalid_locale", "locale must be a language tag such as en or pt-BR")
	}
	locale := templates.Resolve(req.Locale, dest.Country, p.Policy.DefaultLocale)
	if err := s.checkChallenge(ctx, a, p, req); err != nil {
		return nil, nil, nil, err
	}
	var flags []string // budgets a monitor-mode project went beyond
	if !isTestNumber {
		if flags, err = s.countSends(ctx, a, p, req.RemoteIP, sends); err != nil {
			return nil, nil, nil, err
		}
	}
	v := &Verification{
		ID: NewID("ver"), AppID: a.ID, To: dest.Value, Channel: channel, Purpose: purpose, Locale: locale,
		Status: StatusPending, DeliveryStatus: DeliveryQueued,
		MaxAttempts: p.Policy.MaxAttempts, MaxResends: p.Policy.MaxResends,
		Metadata:  req.Metadata,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(ttl),
		LastSentAt: now, ResendAt: now.Add(p.Policy.ResendCooldown),
		Country: dest.Country, Carrier: carrierOf(num),
		Options: SendOptions{Transaction: req.Transaction, CallerID: req.CallerID, Fallback: fallback, Template: templateSet(req.Template)},
	}
	if len(fallback) > 1 {
		v.NextStepAt = now.Add(fallback[0].Timeout)
	}
	if isTestNumber {
		s.setCode(v, testCode)
		if m := req.manual; m != nil {
			m.drawn = testCode // what the caller learns is the code the project fixed
		}
		return v, p, nil, nil
	}
	if m := req.manual; m != nil {
		v.Options.Provider, v.Options.CallbackURL = m.provider, m.callbackURL
		if m.code != "" {
			s.setCode(v, m.code)
			return v, p, flags, nil
		}
		// The caller gets the drawn code back (SendManual), and a test
		// application's message may erase the sealed copy before then.
		m.drawn = generateCodeOf(length, p.Policy.CodeAlphabet)
		s.setCode(v, m.drawn)
		return v, p, flags, nil
	}
	s.setNewCode(v, length, p.Policy.CodeAlphabet)
	return v, p, flags, nil
}

// setNewCode gives v a fresh code of length characters of alphabet: its
// HMAC for checks and its sealed form for (re)sends.
func (s *Service) setNewCode(v *Verification, length int, alphabet CodeAlphabet) {
	s.setCode(v, generateCodeOf(length, alphabet))
}

// setCode gives v code: its HMAC for checks and its sealed form for
// (re)sends.
func (s *Service) setCode(v *Verification, code string) {
	// Checks compare normalised codes; a generated code is already in
	// that form, and hashing the form keeps it so for any code.
	v.CodeHash = s.keys.codeHash(v.ID, normalizeCode(code))
	v.CodeSealed = s.keys.seal(code, v.ID)
}

func validateChannel(c Channel, d Destination, field string) error {
	switch c {
	case "":
		return invalidField(field, "required", field+" is required")
	case SMS, Voice, Email, Telegram, WhatsApp:
	default:
		return invalidField(field, "invalid_channel", field+" must be one of sms, voice, email, telegram, whatsapp")
	}
	if !d.fits(c) {
		return &Error{Code: CodeInvalidParameter, Key: "channel_mismatch", Field: field,
			Message: "channel " + string(c) + " cannot reach this destination", Params: map[string]any{"channel": string(c)}}
	}
	return nil
}

func validateMetadata(m json.RawMessage) error {
	if len(m) == 0 || string(m) == "null" {
		return nil
	}
	if len(m) > MaxMetadataSize {
		return invalidField("metadata", "metadata_too_large", "metadata must be at most 1024 bytes of JSON")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(m, &obj); err != nil || obj == nil {
		return invalidField("metadata", "metadata_not_object", "metadata must be a JSON object")
	}
	return nil
}

// pickChannel returns the channel of the first send and the normalised
// fallback workflow, if the request has one.
func pickChannel(req CreateRequest, dest Destination, cs channelSet, ttl time.Duration) (Channel, []FallbackStep, error) {
	if len(req.Fallback) > 0 {
		if req.Channel != "" {
			return "", nil, invalidField("channel", "channel_with_fallback", "give either channel or fallback, not both: the first fallback step is the first channel")
		}
		steps, err := validateFallback(req.Fallback, dest, cs, ttl)
		if err != nil {
			return "", nil, err
		}
		if steps[0].To != "" {
			return "", nil, invalidField("fallback[0].to", "first_step_destination", "the first fallback step goes to the verification's destination: leave its to empty")
		}
		return steps[0].Channel, steps, nil
	}
	if req.Channel == "" {
		c, ok := cs.first(dest)
		if !ok {
			return "", nil, invalidField("channel", "required", "channel is required: no channel enabled for this project reaches this destination")
		}
		return c, nil, nil
	}
	if err := validateChannel(req.Channel, dest, "channel"); err != nil {
		return "", nil, err
	}
	return req.Channel, nil, cs.check(req.Channel, "channel")
}

// Bounds of the transaction details shown in a message.
const (
	maxAmountLen   = 32
	maxPayeeLen    = 64
	maxCallerIDLen = 16
)

func validateTransaction(p Purpose, t *Transaction) error {
	if p != PurposeTransaction {
		if t != nil {
			return invalidField("transaction", "transaction_not_allowed", "transaction is only for purpose transaction")
		}
		return nil
	}
	if t == nil || strings.TrimSpace(t.Amount) == "" || strings.TrimSpace(t.Payee) == "" {
		return invalidField("transaction", "required", "purpose transaction requires transaction.amount and transaction.payee")
	}
	if utf8.RuneCountInString(t.Amount) > maxAmountLen || utf8.RuneCountInString(t.Payee) > maxPayeeLen {
		return invalidField("transaction", "too_long", "transaction.amount must be at most 32 characters and transaction.payee at most 64")
	}
	if err := checkText("transaction.amount", t.Amount, false); err != nil {
		return err
	}
	return checkText("transaction.payee", t.Payee, false)
}

// validateCallerID accepts what carriers accept as a sender: an E.164
// number or an alphanumeric sender id of at most 11 characters.
func validateCallerID(id string) error {
	if id == "" {
		return nil
	}
	bad := invalidField("callerId", "invalid_caller_id", "callerId must be an E.164 number or an alphanumeric sender id of at most 11 characters")
	if len(id) > maxCallerIDLen {
		return bad
	}
	if strings.HasPrefix(id, "+") {
		if d, err := ParseDestination(id, "callerId"); err != nil || !d.IsPhone {
			return bad
		}
		return nil
	}
	if len(id) > 11 {
		return bad
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == ' ' || r == '-' || r == '.') {
			return bad
		}
	}
	return nil
}

func newDelivery(v *Verification, now time.Time) Delivery {
	return Delivery{ID: NewID("dlv"), AppID: v.AppID, VerificationID: v.ID, Channel: v.Channel, NextAttemptAt: now, CreatedAt: now}
}

// GetVerification returns a verification of the application, or NOT_FOUND
// for an unknown id and for another application's.
func (s *Service) GetVerification(ctx context.Context, a *Application, id string) (*Verification, error) {
	v, err := s.store.GetVerification(ctx, a.ID, id)
	if err != nil {
		return nil, s.notFound(err, "verification")
	}
	return v, nil
}

// ListVerifications lists the application's verifications, newest first.
func (s *Service) ListVerifications(ctx context.Context, a *Application, f VerificationFilter) ([]*Verification, error) {
	if err := f.validate(s.clock.Now()); err != nil {
		return nil, err
	}
	return s.store.ListVerifications(ctx, a.ID, f)
}

// CountVerifications counts the application's verifications that match
// f, whatever its Cursor, Offset and Limit: the total a list pages through.
func (s *Service) CountVerifications(ctx context.Context, a *Application, f VerificationFilter) (int, error) {
	if err := f.validate(s.clock.Now()); err != nil {
		return 0, err
	}
	return s.store.CountVerifications(ctx, a.ID, f)
}

// validate checks the filter, defaults its limit, normalises its
// destination and judges its states as of now.
func (f *VerificationFilter) validate(now time.Time) error {
	if f.Limit <= 0 {
		f.Limit = 20
	}
	if f.Limit > 1000 {
		return invalidField("limit", "out_of_range", "limit must be between 1 and 1000")
	}
	if f.Offset < 0 {
		return invalidField("offset", "out_of_range", "offset must not be negative")
	}
	for _, st := range f.States {
		switch st.Status {
		case "", StatusPending, StatusVerified, StatusExpired, StatusCanceled, StatusMaxAttempts:
		default:
			return invalidField("status", "invalid_query", "status must be one of pending, verified, expired, canceled, max_attempts")
		}
		switch st.Delivery {
		case "", DeliveryQueued, DeliverySent, DeliveryDelivered, DeliveryFailed, DeliveryExpired:
		default:
			return invalidField("deliveryStatus", "invalid_query", "deliveryStatus must be one of queued, sent, delivered, failed, expired")
		}
	}
	f.AsOf = now
	switch f.Status {
	case "", StatusPending, StatusVerified, StatusExpired, StatusCanceled, StatusMaxAttempts:
	default:
		return invalidField("status", "invalid_query", "status must be one of pending, verified, expired, canceled, max_attempts")
	}
	switch f.Channel {
	case "", SMS, Voice, Email, Telegram, WhatsApp:
	default:
		return invalidField("channel", "invalid_query", "channel must be one of sms, voice, email, telegram, whatsapp")
	}
	if f.To != "" {
		d, err := parseLookup(f.To, "to")
		if err != nil {
			return err
		}
		f.To = d.Value
	}
	return nil
}

// Check counts one attempt against the verification and evaluates code.
// A wrong code is Valid false, not an error. After the verification is
// final no check is ever valid again.
func (s *Service) Check(ctx context.Context, a *Application, id, code string) (CheckResult, error) {
	if err := validateCodeInput(code); err != nil {
		return CheckResult{}, err
	}
	var valid, evaluated, expiredNow bool
	v, err := s.store.UpdateVerification(ctx, a.ID, id, func(v *Verification) (Effects, error) {
		now := s.clock.Now()
		var fx Effects
		valid, evaluated, fx.Events = v.check(s.keys, code, now)
		expiredNow = !evaluated && len(fx.Events) > 0 && v.Status == StatusExpired
		if valid {
			fx.Users = []UserVisit{visit(v, now)}
		}
		return fx, nil
	})
	if err != nil {
		return CheckResult{}, s.notFound(err, "verification")
	}
	s.countCheck(v, valid, evaluated, expiredNow)
	if evaluated && !valid {
		if p, err := s.projectByID(ctx, a.ProjectID); err == nil {
			s.countWrongGuess(ctx, p, v.To)
		}
	}
	return CheckResult{Valid: valid, Evaluated: evaluated, Verification: v}, nil
}

// CheckDestination checks code against the newest pending verification of to.
func (s *Service) CheckDestination(ctx context.Context, a *Application, to, code string) (CheckResult, error) {
	dest, err := parseLookup(to, "to")
	if err != nil {
		return CheckResult{}, err
	}
	if err := validateCodeInput(code); err != nil {
		return CheckResult{}, err
	}
	v, err := s.store.LatestPendingVerification(ctx, a.ID, dest.Value)
	if err != nil {
		if isCode(err, CodeNotFound) {
			return CheckResult{}, &Error{Code: CodeNotFound, Key: "no_pending_verification", Message: "No pending verification for this destination"}
		}
		return CheckResult{}, err
	}
	return s.Check(ctx, a, v.ID, code)
}

func validateCodeInput(code string) error {
	if code == "" {
		return invalidField("code", "required", "code is required")
	}
	if len(code) > 64 {
		return invalidField("code", "too_long", "code must be at most 64 characters")
	}
	return nil
}

// Resend queues the same code again, on channel if it is set. It is refused
// during the cooldown and after the project's maximum of resends.
//
// The destination's rate limit is counted between a read and the write, not
// inside the write: a limiter may be a network round trip away (Redis), and
// SQLite has one writer. The rules are checked on the read, so a refused
// resend does not use up the limit, and again in the write, since another
// request may have resent or checked in between; a send counted by a resend
// that then loses that race is not given back.
func (s *Service) Resend(ctx context.Context, a *Application, id string, channel Channel) (_ *Verification, err error) {
	defer func() { s.countRefusal(err) }()
	p, err := s.projectByID(ctx, a.ProjectID)
	if err != nil {
		return nil, fmt.Errorf("project of application: %w", err)
	}
	cur, err := s.store.GetVerification(ctx, a.ID, id)
	if err != nil {
		return nil, s.notFound(err, "verification")
	}
	_, isTestNumber := p.Fraud.testCodeOf(cur.To)
	var flags []string // budgets a monitor-mode project went beyond
	if !isTestNumber {
		if err := checkCredits(p, a); err != nil {
			return nil, err
		}
	}
	if channel != "" {
		if err := s.channels(a, p.Policy).check(channel, "channel"); err != nil {
			return nil, err
		}
	}
	if err := cur.canResend(channel, s.clock.Now()); err != nil {
		return nil, err
	}
	if !isTestNumber {
		if err := s.checkMonthlySends(ctx, p, a); err != nil { // a resend is a message too
			return nil, err
		}
		resendOn := channel
		if resendOn == "" {
			resendOn = cur.Channel
		}
		d, err := s.screenStored(a, p, resendOn, cur.To) // the rules may have changed since the first send
		if err != nil {
			return nil, err
		}
		if flags, err = s.countSends(ctx, a, p, "", []plannedSend{{Dest: d, NoGuessBlock: true}}); err != nil {
			return nil, err
		}
	}
	queued := false
	v, err := s.store.UpdateVerification(ctx, a.ID, id, func(v *Verification) (Effects, error) {
		now := s.clock.Now()
		if err := v.canResend(channel, now); err != nil {
			return Effects{}, err
		}
		if channel != "" {
			v.Channel = channel
		}
		v.Resends++
		v.LastSentAt, v.ResendAt, v.UpdatedAt = now, now.Add(p.Policy.ResendCooldown), now
		v.DeliveryStatus = DeliveryQueued
		fx, err := s.sendEffects(a, p, v, newDelivery(v, now))
		queued = len(fx.Deliveries) > 0
		if len(flags) > 0 {
			fx.Events = append(fx.Events, flaggedEvent(v, flags, now))
		}
		return fx, err
	})
	if err != nil {
		return nil, s.notFound(err, "verification")
	}
	if queued {
		s.notify() // a test application's message is delivered already
	}
	return v, nil
}

// Cancel ends a pending verification; no check succeeds after it.
func (s *Service) Cancel(ctx context.Context, a *Application, id string) (*Verification, error) {
	v, err := s.store.UpdateVerification(ctx, a.ID, id, func(v *Verification) (Effects, error) {
		if v.Status != StatusPending {
			return Effects{}, conflict("not_pending", "The verification is no longer pending")
		}
		return Effects{Events: v.finish(StatusCanceled, s.clock.Now())}, nil
	})
	if err != nil {
		return nil, s.notFound(err, "verification")
	}
	return v, nil
}

// SweepExpired marks up to limit pending verifications past their expiry as
// expired, so their events fire without anyone checking. It returns how
// many it marked. It also deletes idempotency keys older than
// IdempotencyWindow, test-inbox messages older than TestInboxRetention,
// users not verified within UserRetention, the fraud traffic history
// older than TrafficRetention,
// and verification sessions and verify tokens that have ended.
func (s *Service) SweepExpired(ctx context.Context, limit int) (int, error) {
	refs, err := s.store.ListExpiredPending(ctx, s.clock.Now(), limit)
	if err != nil {
		return 0, fmt.Errorf("sweep: %w", err)
	}
	n := 0
	for _, r := range refs {
		v, err := s.store.UpdateVerification(ctx, r.AppID, r.ID, func(v *Verification) (Effects, error) {
			now := s.clock.Now()
			if v.Status != StatusPending || now.Before(v.ExpiresAt) {
				return Effects{}, errUnchanged
			}
			return Effects{Events: v.finish(StatusExpired, now)}, nil
		})
		switch {
		case err == nil:
			n++
			s.metrics.VerificationExpired(v.Channel, v.Country)
		case errors.Is(err, errUnchanged) || isCode(err, CodeNotFound):
		default:
			return n, fmt.Errorf("sweep: %w", err)
		}
	}
	if _, err := s.store.DeleteExpiredIdempotency(ctx, s.clock.Now().Add(-s.cfg.IdempotencyWindow)); err != nil {
		return n, fmt.Errorf("sweep idempotency keys: %w", err)
	}
	if _, err := s.store.DeleteTestMessagesBefore(ctx, s.clock.Now().Add(-s.cfg.TestInboxRetention)); err != nil {
		return n, fmt.Errorf("sweep test inbox: %w", err)
	}
	if _, err := s.store.DeleteExpiredSessions(ctx, s.clock.Now()); err != nil {
		return n, fmt.Errorf("sweep sessions: %w", err)
	}
	// Verification sessions stay while their blocks can count against
	// their destination.
	if _, err := s.store.DeleteEndedVerificationSessions(ctx, s.clock.Now().Add(-SessionBlockWindow-SessionBlockDuration), s.clock.Now()); err != nil {
		return n, fmt.Errorf("sweep verification sessions: %w", err)
	}
	now := s.clock.Now()
	if err := inBatches(retentionBatch, retentionBatches, func() (int, error) {
		return s.store.DeleteOldData(ctx, now.Add(-s.cfg.DataRetention), now.Add(-s.cfg.WebhookRetention), retentionBatch)
	}); err != nil {
		return n, fmt.Errorf("sweep old data: %w", err)
	}
	if err := inBatches(retentionBatch, retentionBatches, func() (int, error) {
		return s.store.DeleteUsersBefore(ctx, now.Add(-s.cfg.UserRetention), retentionBatch)
	}); err != nil {
		return n, fmt.Errorf("sweep users: %w", err)
	}
	if _, err := s.store.DeleteFraudTrafficBefore(ctx, now.Add(-TrafficRetention)); err != nil {
		return n, fmt.Errorf("sweep fraud traffic: %w", err)
	}
	return n, nil
}

// Retention deletes in batches of retentionBatch rows, one transaction
// each, and up to retentionBatches of them a sweep. One batch a sweep
// (the sweep runs every second) would delete at most 86 million
// verifications a day, fewer than a single SQLite writer can create
// (about 4,000 a second), so a store under such traffic would grow
// without bound; ten keep ahead of any create rate otpd reaches, while
// one transaction stays short enough not to hold up the requests that
// share the writer.
const (
	retentionBatch   = 1000
	retentionBatches = 10
)

// inBatches calls del until it deletes fewer than batch rows, at most
// max times.
func inBatches(batch, max int, del func() (int, error)) error {
	for range max {
		n, err := del()
		if err != nil || n < batch {
			return err
		}
	}
	return nil
}

// errUnchanged aborts an update that found nothing to change.
var errUnchanged = &Error{Code: CodeConflict, Key: "unchanged", Message: "nothing to change"}

// TestMessages returns the test inbox of a test application, newest first,
// optionally for one destination: the messages sent to it within
// TestInboxRetention. Live applications get FORBIDDEN.
//
// The inbox is not stored as such. Each message is read from its record
// (sent through TestInboxProvider) and its verification, and its text is
// rendered now by compose, from the code the verification keeps for the
// inbox, as it was rendered when the message was sent: at its sending
// time, in the verification's locale, with the application's name and
// the project's templates as they are now.
func (s *Service) TestMessages(ctx context.Context, a *Application, to string) ([]TestMessage, error) {
	if a.Environment != Test {
		return nil, &Error{Code: CodeForbidden, Key: "test_inbox_live", Message: "The test inbox is only for test applications"}
	}
	if to != "" {
		d, err := parseLookup(to, "to")
		if err != nil {
			return nil, err
		}
		to = d.Value
	}
	stored, err := s.store.ListTestMessages(ctx, a.ID, to, s.clock.Now().Add(-s.cfg.TestInboxRetention), 100)
	if err != nil {
		return nil, err
	}
	if len(stored) == 0 {
		return nil, nil
	}
	p, err := s.projectByID(ctx, a.ProjectID)
	if err != nil {
		return nil, fmt.Errorf("test inbox: project of application: %w", err)
	}
	out := make([]TestMessage, len(stored))
	for i, sm := range stored {
		if out[i], err = s.renderTestMessage(a, p, sm); err != nil {
			return nil, fmt.Errorf("test inbox: %w", err)
		}
	}
	return out, nil
}

// renderTestMessage is the test-inbox message sm as the inbox shows it.
func (s *Service) renderTestMessage(a *Application, p *Project, sm TestInboxMessage) (TestMessage, error) {
	rec, v := sm.Message, &sm.Verification
	code, err := s.keys.open(v.InboxCode, v.ID)
	if err != nil {
		return TestMessage{}, fmt.Errorf("message %s: %w", rec.ID, err)
	}
	d := Delivery{ID: rec.ID, AppID: rec.AppID, VerificationID: rec.VerificationID, Channel: rec.Channel, To: rec.To,
		Attempts: rec.Attempts, CreatedAt: rec.CreatedAt}
	m, err := s.compose(a, p, v, d, code, rec.SentAt)
	if err != nil {
		return TestMessage{}, fmt.Errorf("message %s: %w", rec.ID, err)
	}
	return TestMessage{ID: rec.ID, AppID: rec.AppID, VerificationID: rec.VerificationID, To: m.To, Channel: rec.Channel,
		Body: m.Body, Code: code, CreatedAt: rec.SentAt}, nil
}
