package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

const sessionColumns = `id, app_id, destination, locale, status, verification_id, last_sent, created_at, expires_at, closed_at`

func scanVerificationSession(row interface{ Scan(...any) error }) (*otp.VerificationSession, error) {
	var (
		s                         otp.VerificationSession
		lastSent                  string
		created, expires, closedA int64
	)
	err := row.Scan(&s.ID, &s.AppID, &s.To, &s.Locale, &s.Status, &s.VerificationID, &lastSent, &created, &expires, &closedA)
	if err != nil {
		return nil, err
	}
	var sent map[otp.Channel]int64
	if err := json.Unmarshal([]byte(lastSent), &sent); err != nil {
		return nil, fmt.Errorf("decode last sends of session %s: %w", s.ID, err)
	}
	s.LastSent = make(map[otp.Channel]time.Time, len(sent))
	for c, at := range sent {
		s.LastSent[c] = fromMicros(at)
	}
	s.CreatedAt, s.ExpiresAt, s.ClosedAt = fromMicros(created), fromMicros(expires), fromMicros(closedA)
	return &s, nil
}

// encodeLastSent is the stored form of a session's last sends: a JSON
// object of unix microseconds by channel.
func encodeLastSent(m map[otp.Channel]time.Time) string {
	sent := make(map[otp.Channel]int64, len(m))
	for c, at := range m {
		sent[c] = micros(at)
	}
	b, _ := json.Marshal(sent) // a map of numbers always encodes
	return string(b)
}

// openKey is the destination of an open session, NULL otherwise: the
// unique index on (app_id, open_key) then allows one open session per
// destination and any number of closed ones.
func openKey(s *otp.VerificationSession) any {
	if s.Status != otp.SessionOpen {
		return nil
	}
	return s.To
}

// CreateVerificationSession inserts sess after closing an open session of
// its destination that has expired; a live one makes it ErrConflict.
func (s *Store) CreateVerificationSession(ctx context.Context, sess *otp.VerificationSession) error {
	return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		if _, err := tx.ExecContext(ctx,
			`UPDATE verification_sessions SET open_key = NULL WHERE app_id = $1 AND open_key = $2 AND expires_at <= $3`,
			sess.AppID, sess.To, micros(sess.CreatedAt)); err != nil {
			return s.dbErr("close expired session", err)
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO verification_sessions (`+sessionColumns+`, open_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			sess.ID, sess.AppID, sess.To, sess.Locale, string(sess.Status), sess.VerificationID, encodeLastSent(sess.LastSent),
			micros(sess.CreatedAt), micros(sess.ExpiresAt), micros(sess.ClosedAt), openKey(sess))
		return s.dbErr("create verification session", err)
	})
}

// GetVerificationSession returns session id of application appID, or ErrNotFound.
func (s *Store) GetVerificationSession(ctx context.Context, appID, id string) (*otp.VerificationSession, error) {
	sess, err := scanVerificationSession(s.reader.QueryRowContext(ctx,
		`SELECT `+sessionColumns+` FROM verification_sessions WHERE app_id = $1 AND id = $2`, appID, id))
	if err != nil {
		return nil, s.dbErr("get verification session", err)
	}
	return sess, nil
}

// LiveVerificationSession returns the open session of to that has not
// expired at now, or ErrNotFound.
func (s *Store) LiveVerificationSession(ctx context.Context, appID, to string, now time.Time) (*otp.VerificationSession, error) {
	sess, err := scanVerificationSession(s.reader.QueryRowContext(ctx,
		`SELECT `+sessionColumns+` FROM verification_sessions WHERE app_id = $1 AND open_key = $2 AND expires_at > $3`,
		appID, to, micros(now)))
	if err != nil {
		return nil, s.dbErr("live verification session", err)
	}
	return sess, nil
}

// UpdateVerificationSession locks the session and its verification, in
// that order (the order every writer of both follows), applies change and
// writes what it returns in one transaction.
func (s *Store) UpdateVerificationSession(ctx context.Context, appID, id string,
	change func(sess *otp.VerificationSession, v *otp.Verification) (*otp.Verification, otp.SessionWrite, error)) (*otp.VerificationSession, *otp.Verification, error) {
	var (
		outS *otp.VerificationSession
		outV *otp.Verification
	)
	err := s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		sess, err := scanVerificationSession(tx.QueryRowContext(ctx,
			`SELECT `+sessionColumns+` FROM verification_sessions WHERE app_id = $1 AND id = $2`+s.d.ForUpdate, appID, id))
		if err != nil {
			return s.dbErr("update verification session", err)
		}
		var (
			v      *otp.Verification
			before []any
		)
		if sess.VerificationID != "" {
			v, err = s.lockVerification(ctx, tx, appID, sess.VerificationID)
			if err != nil {
				return s.dbErr("verification of session", err)
			}
			if before, err = verificationArgs(v); err != nil {
				return err
			}
		}
		nv, w, err := change(sess, v)
		if err != nil {
			return err
		}
		var (
			ws       []rowWrite
			inserted *otp.Verification // a new verification, inserted before ws
		)
		switch {
		case nv == nil:
		case nv == v:
			after, err := verificationArgs(v)
			if err != nil {
				return err
			}
			if update, ok := verificationUpdate(v.ID, v.AppID, before, after); ok {
				ws = append(ws, update)
			}
		default:
			inserted = nv
		}
		ws = append(ws, rowWrite{"update verification session",
			`UPDATE verification_sessions SET status = $3, open_key = $4, verification_id = $5, last_sent = $6, closed_at = $7
			WHERE app_id = $1 AND id = $2`,
			[]any{appID, id, string(sess.Status), openKey(sess), sess.VerificationID, encodeLastSent(sess.LastSent), micros(sess.ClosedAt)}})
		if t := w.Token; t != nil {
			ws = append(ws, rowWrite{"insert verify token",
				`INSERT INTO verify_tokens (token_hash, app_id, session_id, verification_id, destination, channel, verified_at, expires_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				[]any{t.Hash, t.AppID, t.SessionID, t.VerificationID, t.To, string(t.Channel), micros(t.VerifiedAt), micros(t.ExpiresAt)}})
		}
		effects, err := effectWrites(w.Effects)
		if err != nil {
			return err
		}
		if inserted != nil {
			err = s.execInsertingVerification(ctx, tx, nil, "insert verification of session", inserted, append(ws, effects...))
		} else {
			err = s.execWrites(ctx, tx, append(ws, effects...))
		}
		if err != nil {
			return err
		}
		outS, outV = sess, nv
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return outS, outV, nil
}

// ListSessionBlocks returns the block times of the blocked sessions of
// to since since, newest first.
func (s *Store) ListSessionBlocks(ctx context.Context, appID, to string, since time.Time) ([]time.Time, error) {
	rows, err := s.reader.QueryContext(ctx,
		// 'blocked' is written out so that the partial index applies.
		`SELECT closed_at FROM verification_sessions
		WHERE app_id = $1 AND destination = $2 AND status = 'blocked' AND closed_at >= $3
		ORDER BY closed_at DESC`,
		appID, to, micros(since))
	if err != nil {
		return nil, s.dbErr("list session blocks", err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return nil, s.dbErr("list session blocks", err)
		}
		out = append(out, fromMicros(at))
	}
	return out, s.dbErr("list session blocks", rows.Err())
}

// RedeemVerifyToken deletes and returns an unexpired token in one
// statement, so that of concurrent redemptions one only finds it.
func (s *Store) RedeemVerifyToken(ctx context.Context, appID string, hash []byte, now time.Time) (*otp.VerifyToken, error) {
	var t *otp.VerifyToken
	err := s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		tok := otp.VerifyToken{Hash: hash, AppID: appID}
		var verified, expires int64
		err := tx.QueryRowContext(ctx,
			`DELETE FROM verify_tokens WHERE token_hash = $1 AND app_id = $2 AND expires_at > $3
			RETURNING session_id, verification_id, destination, channel, verified_at, expires_at`,
			hash, appID, micros(now)).Scan(&tok.SessionID, &tok.VerificationID, &tok.To, &tok.Channel, &verified, &expires)
		if err != nil {
			return s.dbErr("redeem verify token", err)
		}
		tok.VerifiedAt, tok.ExpiresAt = fromMicros(verified), fromMicros(expires)
		t = &tok
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// DeleteEndedVerificationSessions removes sessions that expired before
// sessionsBefore and verify tokens that expired before tokensBefore.
func (s *Store) DeleteEndedVerificationSessions(ctx context.Context, sessionsBefore, tokensBefore time.Time) (int, error) {
	n := 0
	err := s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		n = 0
		for _, d := range []struct {
			q  string
			at time.Time
		}{
			{`DELETE FROM verification_sessions WHERE expires_at < $1`, sessionsBefore},
			{`DELETE FROM verify_tokens WHERE expires_at < $1`, tokensBefore},
		} {
			res, err := tx.ExecContext(ctx, d.q, micros(d.at))
			if err != nil {
				return s.dbErr("delete ended verification sessions", err)
			}
			m, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("delete ended verification sessions: %w", err)
			}
			n += int(m)
		}
		return nil
	})
	return n, err
}
