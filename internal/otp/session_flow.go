package otp

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/otpd/otpd/internal/templates"
)

// SessionRequest asks for a verification session (StartSession).
type SessionRequest struct {
	To string
	// Channel is the channel of the first send; "" picks the channel that
	// last verified To, else the project's first that reaches it.
	Channel Channel
	// Send sends a code at once; without it the session only opens.
	Send bool
	// Locale is the language the person reads, e.g. from their browser;
	// "" leaves it to the destination's country and the project.
	Locale string
	// ChallengeToken is the person's CAPTCHA token, needed when the
	// project's challenge is enabled; RemoteIP is their address, optional.
	ChallengeToken string
	RemoteIP       string
}

// SessionState is a verification session as its person sees it.
type SessionState struct {
	Session *VerificationSession
	// SentTo is the channel this call sent a code on; "" if it sent none.
	SentTo   Channel
	Channels []SessionChannel
}

// SessionChannel is one channel as the session flow offers it.
type SessionChannel struct {
	Channel Channel
	// Wait is how long until the channel may send again in the session;
	// zero when it may now, and always without a session.
	Wait time.Duration
	// Active says whether the person can receive on the channel: false
	// only for a messenger bot they have not linked to their number.
	Active bool
	// Link is what the person opens to link the channel (the bot's deep
	// link); "" when there is nothing to open.
	Link string
}

// SessionSettings are what a browser needs to run the session flow of a
// project: its name, how its codes look and its CAPTCHA.
type SessionSettings struct {
	ProjectName       string
	Language          string // the project's default locale
	CodeLength        int
	CodeAlphabet      CodeAlphabet
	ChallengeEnabled  bool
	ChallengeProvider ChallengeProvider
	ChallengeSiteKey  string
}

// SessionSettings returns the session-flow settings of the application's project.
func (s *Service) SessionSettings(ctx context.Context, a *Application) (*SessionSettings, error) {
	p, err := s.projectByID(ctx, a.ProjectID)
	if err != nil {
		return nil, fmt.Errorf("project of application: %w", err)
	}
	pol := p.Policy
	alphabet := pol.CodeAlphabet
	if alphabet == "" {
		alphabet = CodeDigits
	}
	out := &SessionSettings{ProjectName: SafeText(p.Name), Language: pol.DefaultLocale, CodeLength: pol.CodeLength, CodeAlphabet: alphabet}
	if c := pol.Challenge; c.Enabled {
		out.ChallengeEnabled, out.ChallengeProvider, out.ChallengeSiteKey = true, c.Provider, c.SiteKey
	}
	return out, nil
}

// SessionChannels lists the channels the application's project offers, in
// its order: with a session (id not empty), those that reach its
// destination with their state in it. Errors: NOT_FOUND (session_expired)
// for an unknown or ended session.
func (s *Service) SessionChannels(ctx context.Context, a *Application, id string) ([]SessionChannel, error) {
	p, err := s.projectByID(ctx, a.ProjectID)
	if err != nil {
		return nil, fmt.Errorf("project of application: %w", err)
	}
	if id == "" {
		return s.sessionChannels(ctx, a, p, nil)
	}
	sess, err := s.liveSession(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return s.sessionChannels(ctx, a, p, sess)
}

// StartSession opens a verification session for req.To, or returns the
// one still open for it (the same id; nothing new is sent while the
// channel's timeout runs), and with req.Send sends a code. It is guarded
// by the project's CAPTCHA, for action "create". Errors: those of a
// destination (INVALID_PHONE, INVALID_EMAIL), INVALID_PARAMETER
// (no_channels, no_channel_for_destination, channel_disabled, …),
// FORBIDDEN (destination_blocked, channel_not_linked), GEO_NOT_ALLOWED,
// NUMBER_TYPE_NOT_ALLOWED, the challenge's, and those of SendSession.
func (s *Service) StartSession(ctx context.Context, a *Application, req SessionRequest) (*SessionState, error) {
	dest, num, err := parseDestination(req.To, "", "to")
	if err != nil {
		return nil, err
	}
	dest.Type = num.numberType()
	challenge := CreateRequest{ChallengeToken: req.ChallengeToken, RemoteIP: req.RemoteIP, challengeAction: "create"}
	if err := validateChallengeFields(challenge); err != nil {
		return nil, err
	}
	p, err := s.projectByID(ctx, a.ProjectID)
	if err != nil {
		return nil, fmt.Errorf("project of application: %w", err)
	}
	offered := s.offeredChannels(a, p)
	if len(offered) == 0 {
		return nil, &Error{Code: CodeInvalidParameter, Key: "no_channels", Message: "The project has no channel enabled that otpd can deliver"}
	}
	if _, isTestNumber := p.Fraud.testCode(dest); !isTestNumber { // a test number is the project's own fixture
		if err := p.Policy.allowsCountry("", dest); err != nil {
			return nil, err
		}
		if err := p.Fraud.NumberTypes.allows(dest.Type); err != nil {
			return nil, err
		}
	}
	if !slices.ContainsFunc(offered, dest.fits) {
		return nil, &Error{Code: CodeInvalidParameter, Key: "no_channel_for_destination", Field: "to",
			Message: "No channel enabled for this project can reach this destination"}
	}
	if req.Channel != "" {
		if err := s.checkSessionChannel(ctx, a, p, dest, req.Channel, "type"); err != nil {
			return nil, err
		}
	}
	now := s.clock.Now()
	if until, err := s.destinationBlockedUntil(ctx, a, dest.Value, now); err != nil {
		return nil, err
	} else if !until.IsZero() {
		return nil, &Error{Code: CodeForbidden, Key: "destination_blocked", RetryAfter: until.Sub(now),
			Message: "Too many sessions of this destination were closed after wrong codes; try again later"}
	}
	if err := s.checkChallenge(ctx, a, p, challenge); err != nil {
		return nil, err
	}
	locale := ""
	if validLocale(req.Locale) {
		locale = req.Locale
	}
	sess, created, err := s.openSession(ctx, a, p, dest, locale, now)
	if err != nil {
		return nil, err
	}
	state := &SessionState{Session: sess}
	if req.Send {
		ch := req.Channel
		if ch == "" {
			if ch, err = s.defaultSessionChannel(ctx, a, p, dest); err != nil {
				return nil, err
			}
		}
		if ch != "" {
			sent, err := s.sendOnSession(ctx, a, p, sess, ch, req.RemoteIP)
			switch {
			case err == nil:
				state.Session, state.SentTo = sent, ch
			case !created && isKey(err, "channel_timeout"):
				// The session is returned as it is: nothing new is sent
				// while the channel waits.
			default:
				return nil, err
			}
		}
	}
	if state.Channels, err = s.sessionChannels(ctx, a, p, state.Session); err != nil {
		return nil, err
	}
	return state, nil
}

// SendSession sends the session's code on channel ch. Each channel waits
// SessionChannelTimeout between two sends of a session. Errors: NOT_FOUND
// (session_expired), FORBIDDEN (session_blocked, channel_not_linked),
// GEO_NOT_ALLOWED (the channel's geo rules),
// INVALID_PARAMETER (channel_disabled, channel_unavailable, channel_mismatch,
// invalid_channel), RATE_LIMITED (channel_timeout, destination_rate_limited),
// INSUFFICIENT_CREDITS, QUOTA_EXCEEDED.
//
// remoteIP is the person's address when their browser is the caller, ""
// otherwise: with it the send counts against the project's limit of sends
// an hour per client address.
func (s *Service) SendSession(ctx context.Context, a *Application, id string, ch Channel, remoteIP string) (*SessionState, error) {
	p, err := s.projectByID(ctx, a.ProjectID)
	if err != nil {
		return nil, fmt.Errorf("project of application: %w", err)
	}
	sess, err := s.liveSession(ctx, a, id)
	if err != nil {
		return nil, err
	}
	dest, err := ParseDestination(sess.To, "to")
	if err != nil {
		return nil, fmt.Errorf("session %s: %w", sess.ID, err)
	}
	if err := s.checkSessionChannel(ctx, a, p, dest, ch, "type"); err != nil {
		return nil, err
	}
	if sess, err = s.sendOnSession(ctx, a, p, sess, ch, remoteIP); err != nil {
		return nil, err
	}
	chs, err := s.sessionChannels(ctx, a, p, sess)
	if err != nil {
		return nil, err
	}
	return &SessionState{Session: sess, SentTo: ch, Channels: chs}, nil
}

// liveSession reads a session that can still send and check.
func (s *Service) liveSession(ctx context.Context, a *Application, id string) (*VerificationSession, error) {
	if id == "" || len(id) > 64 {
		return nil, sessionExpired()
	}
	sess, err := s.store.GetVerificationSession(ctx, a.ID, id)
	if isCode(err, CodeNotFound) {
		return nil, sessionExpired()
	}
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	if err := sess.usable(s.clock.Now()); err != nil {
		return nil, err
	}
	return sess, nil
}

// openSession returns the live session of dest, or opens one; created
// says which.
func (s *Service) openSession(ctx context.Context, a *Application, p *Project, dest Destination, locale string, now time.Time) (*VerificationSession, bool, error) {
	for range 3 {
		live, err := s.store.LiveVerificationSession(ctx, a.ID, dest.Value, now)
		if err == nil {
			return live, false, nil
		}
		if !isCode(err, CodeNotFound) {
			return nil, false, fmt.Errorf("live session: %w", err)
		}
		sess := &VerificationSession{
			ID: NewULID(now), AppID: a.ID, To: dest.Value, Locale: locale, Status: SessionOpen,
			LastSent: map[Channel]time.Time{}, CreatedAt: now, ExpiresAt: now.Add(p.Policy.SessionLifetime()),
		}
		err = s.store.CreateVerificationSession(ctx, sess)
		if err == nil {
			return sess, true, nil
		}
		if !isCode(err, CodeConflict) {
			return nil, false, fmt.Errorf("open session: %w", err)
		}
		// Another request opened it meanwhile: return that one.
	}
	return nil, false, fmt.Errorf("open session: the open session of %s kept changing", a.ID)
}

// sendOnSession queues the session's code on channel ch, which the caller
// has checked; the first send (or the first after the verification ended
// elsewhere, canceled say) makes the session's verification.
//
// The destination's rate limit is counted before the write, as Resend
// does; the session's rules are checked again inside it, so that of two
// concurrent sends on one channel one only is sent.
func (s *Service) sendOnSession(ctx context.Context, a *Application, p *Project, sess *VerificationSession, ch Channel, remoteIP string) (_ *VerificationSession, err error) {
	defer func() { s.countRefusal(err) }()
	if w := sess.wait(ch, s.clock.Now()); w > 0 {
		return nil, channelTimeout(w)
	}
	if _, isTestNumber := p.Fraud.testCodeOf(sess.To); !isTestNumber { // counts against nothing
		if err := checkCredits(p, a); err != nil {
			return nil, err
		}
		if err := s.checkMonthlySends(ctx, p, a); err != nil { // each send is a message
			return nil, err
		}
		// Each send of a session passes the fraud defences, as a verification's does.
		dest, _, err := parseDestinationFor(a, sess.To, "to")
		if err != nil {
			return nil, fmt.Errorf("session %s: %w", sess.ID, err)
		}
		if err := s.screenSend(p, ch, dest); err != nil {
			return nil, err
		}
		if _, err := s.countSends(ctx, a, p, remoteIP, []plannedSend{{Dest: dest}}); err != nil {
			return nil, err
		}
	}
	queued := false
	var created *Verification // the session's new verification, if this send made one
	out, _, err := s.store.UpdateVerificationSession(ctx, a.ID, sess.ID, func(ss *VerificationSession, v *Verification) (*Verification, SessionWrite, error) {
		now := s.clock.Now()
		if err := ss.usable(now); err != nil {
			return nil, SessionWrite{}, err
		}
		if w := ss.wait(ch, now); w > 0 {
			return nil, SessionWrite{}, channelTimeout(w)
		}
		var fx Effects
		// A pending verification without its sealed code can send no
		// more (dropDeliveredCode); a session's never gets there, since
		// its MaxResends exceeds the sends the session allows, but a
		// fresh verification is the safe answer if one ever did.
		if v == nil || v.Status != StatusPending || v.CodeSealed == nil {
			nv, err := s.sessionVerification(a, p, ss, ch, now)
			if err != nil {
				return nil, SessionWrite{}, err
			}
			v, created = nv, nv
			ss.VerificationID = v.ID
			fx.Events = append(fx.Events, newEvent(EventCreated, v, now)) // before the send's, in the order written
		} else {
			v.Channel = ch
			v.Resends++
			v.LastSentAt, v.ResendAt, v.UpdatedAt = now, now.Add(SessionChannelTimeout), now
			v.DeliveryStatus = DeliveryQueued
			created = nil
		}
		sent, err := s.sendEffects(a, p, v, newDelivery(v, now))
		if err != nil {
			return nil, SessionWrite{}, err
		}
		fx.add(sent)
		queued = len(sent.Deliveries) > 0
		if ss.LastSent == nil {
			ss.LastSent = map[Channel]time.Time{}
		}
		ss.LastSent[ch] = now
		return v, SessionWrite{Effects: fx}, nil
	})
	if isCode(err, CodeNotFound) {
		return nil, sessionExpired()
	}
	if err != nil {
		return nil, err
	}
	if created != nil {
		s.metrics.VerificationCreated(created.Channel, created.Country)
	}
	if queued {
		s.notify() // a test application's message is delivered already
	}
	return out, nil
}

// sessionVerification is a session's verification, with a fresh code of
// the project's length and alphabet, living as long as the session.
func (s *Service) sessionVerification(a *Application, p *Project, ss *VerificationSession, ch Channel, now time.Time) (*Verification, error) {
	dest, num, err := parseDestination(ss.To, "", "to")
	if err != nil {
		return nil, fmt.Errorf("session %s: %w", ss.ID, err)
	}
	meta, _ := json.Marshal(map[string]string{"sessionId": ss.ID}) // a map of strings always encodes
	v := &Verification{
		ID: NewID("ver"), AppID: a.ID, To: dest.Value, Channel: ch, Purpose: PurposeVerification,
		Locale: templates.Resolve(ss.Locale, dest.Country, p.Policy.DefaultLocale),
		Status: StatusPending, DeliveryStatus: DeliveryQueued,
		MaxAttempts: p.Policy.MaxAttempts,
		// Resends are bounded by the session: each channel sends at most
		// once per timeout while it lives.
		MaxResends: len(Channels) * (int(p.Policy.SessionLifetime()/SessionChannelTimeout) + 1),
		Metadata:   meta,
		CreatedAt:  now, UpdatedAt: now, ExpiresAt: ss.ExpiresAt,
		LastSentAt: now, ResendAt: now.Add(SessionChannelTimeout),
		Country: dest.Country, Carrier: carrierOf(num),
	}
	if code, ok := p.Fraud.testCode(dest); ok {
		s.setCode(v, code)
		return v, nil
	}
	s.setNewCode(v, p.Policy.CodeLength, p.Policy.CodeAlphabet)
	return v, nil
}

// offeredChannels are the project's channels the application can deliver,
// in the project's order.
func (s *Service) offeredChannels(a *Application, p *Project) []Channel {
	cs := s.channels(a, p.Policy)
	var out []Channel
	for _, c := range cs.project {
		if cs.deliverable == nil || cs.deliverable[c] {
			out = append(out, c)
		}
	}
	return out
}

// checkSessionChannel reports why ch cannot send to dest in the session
// flow, or nil: not a channel, not enabled or not deliverable, unable to
// reach dest, or a messenger bot the person has not linked.
func (s *Service) checkSessionChannel(ctx context.Context, a *Application, p *Project, dest Destination, ch Channel, field string) error {
	switch ch {
	case SMS, Voice, Email, Telegram, WhatsApp:
	case "":
		return invalidField(field, "required", field+" is required")
	default:
		return invalidField(field, "invalid_channel", field+" must be one of sms, voice, email, telegram, whatsapp")
	}
	if err := s.channels(a, p.Policy).check(ch, field); err != nil {
		return err
	}
	if err := validateChannel(ch, dest, field); err != nil {
		return err
	}
	if err := p.Fraud.Geo.allows(ch, dest); err != nil {
		return err
	}
	linked, err := s.channelLinked(ctx, ch, dest.Value)
	if err != nil {
		return err
	}
	if !linked {
		return &Error{Code: CodeForbidden, Key: "channel_not_linked", Field: field, Params: map[string]any{"channel": string(ch)},
			Message: "The person has not linked " + string(ch) + " yet: they must open the channel's link first"}
	}
	return nil
}

// channelLinked reports whether the person at phone can receive on ch:
// always, except on a messenger bot they have not linked.
func (s *Service) channelLinked(ctx context.Context, ch Channel, phone string) (bool, error) {
	if ch != Telegram || s.telegram.Provider == "" {
		return true, nil
	}
	_, ok, err := s.ChatFor(ctx, s.telegram.Provider, phone)
	return ok, err
}

// defaultSessionChannel is the channel a send without one uses: the one
// that last verified dest, if it is still offered and usable, else the
// project's first that reaches dest and the person can receive on; "" if
// there is none.
func (s *Service) defaultSessionChannel(ctx context.Context, a *Application, p *Project, dest Destination) (Channel, error) {
	var candidates []Channel
	last, err := s.store.ListVerifications(ctx, a.ID, VerificationFilter{To: dest.Value, Status: StatusVerified, Limit: 1})
	if err != nil {
		return "", fmt.Errorf("last verified channel: %w", err)
	}
	if len(last) > 0 {
		candidates = append(candidates, last[0].Channel)
	}
	candidates = append(candidates, s.offeredChannels(a, p)...)
	for _, ch := range candidates {
		err := s.checkSessionChannel(ctx, a, p, dest, ch, "type")
		if err == nil {
			return ch, nil
		}
		if ErrorOf(err) == nil {
			return "", err
		}
	}
	return "", nil
}

// sessionChannels is the channel list of the session flow; sess may be nil.
func (s *Service) sessionChannels(ctx context.Context, a *Application, p *Project, sess *VerificationSession) ([]SessionChannel, error) {
	var dest *Destination
	if sess != nil {
		d, err := ParseDestination(sess.To, "to")
		if err != nil {
			return nil, fmt.Errorf("session %s: %w", sess.ID, err)
		}
		dest = &d
	}
	now := s.clock.Now()
	out := []SessionChannel{}
	for _, ch := range s.offeredChannels(a, p) {
		if dest != nil && !dest.fits(ch) {
			continue
		}
		sc := SessionChannel{Channel: ch, Active: true}
		if sess != nil {
			sc.Wait = sess.wait(ch, now)
		}
		if ch == Telegram && s.telegram.Provider != "" {
			sc.Active, sc.Link = false, s.telegramLink("")
			if dest != nil {
				linked, err := s.channelLinked(ctx, ch, dest.Value)
				if err != nil {
					return nil, err
				}
				sc.Active, sc.Link = linked, s.telegramLink(dest.Value)
			}
		}
		out = append(out, sc)
	}
	return out, nil
}

// destinationBlockedUntil is when the destination may open sessions again,
// or zero if it may now: SessionBlockThreshold sessions blocked within
// SessionBlockWindow refuse it new ones for SessionBlockDuration after the
// last of them. The blocks are read from the store, so the rule holds
// across restarts and instances.
func (s *Service) destinationBlockedUntil(ctx context.Context, a *Application, to string, now time.Time) (time.Time, error) {
	blocks, err := s.store.ListSessionBlocks(ctx, a.ID, to, now.Add(-SessionBlockWindow-SessionBlockDuration))
	if err != nil {
		return time.Time{}, fmt.Errorf("session blocks: %w", err)
	}
	return blockedUntil(blocks, now), nil
}

// blockedUntil applies the destination block to block times, newest
// first: the newest run of SessionBlockThreshold within SessionBlockWindow
// blocks until SessionBlockDuration after its last. Older runs end sooner.
func blockedUntil(blocks []time.Time, now time.Time) time.Time {
	for i := 0; i+SessionBlockThreshold-1 < len(blocks); i++ {
		last, first := blocks[i], blocks[i+SessionBlockThreshold-1]
		if last.Sub(first) > SessionBlockWindow {
			continue
		}
		if until := last.Add(SessionBlockDuration); until.After(now) {
			return until
		}
		return time.Time{}
	}
	return time.Time{}
}

func channelTimeout(wait time.Duration) *Error {
	return rateLimited("channel_timeout", "A code was sent on this channel a moment ago; wait before sending again", wait)
}

// add appends o's rows to fx.
func (fx *Effects) add(o Effects) {
	fx.Events = append(fx.Events, o.Events...)
	fx.Deliveries = append(fx.Deliveries, o.Deliveries...)
	fx.Messages = append(fx.Messages, o.Messages...)
	fx.Users = append(fx.Users, o.Users...)
}

func isKey(err error, key string) bool {
	e := ErrorOf(err)
	return e != nil && e.Key == key
}
