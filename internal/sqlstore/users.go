package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/otpd/otpd/internal/otp"
)

// userChannelColumns names the counter column of each channel; the
// column names come from here only, never from input.
var userChannelColumns = map[otp.Channel]string{
	otp.SMS: "verified_sms", otp.Voice: "verified_voice", otp.Email: "verified_email",
	otp.Telegram: "verified_telegram", otp.WhatsApp: "verified_whatsapp",
}

const userColumns = `app_id, destination, first_verified, last_verified,
	verified_sms, verified_voice, verified_email, verified_telegram, verified_whatsapp`

func scanUser(row interface{ Scan(...any) error }) (*otp.User, error) {
	var (
		u                     otp.User
		first, last           int64
		sms, voice, email, tg int
		wa                    int
	)
	if err := row.Scan(&u.AppID, &u.Destination, &first, &last, &sms, &voice, &email, &tg, &wa); err != nil {
		return nil, err
	}
	u.FirstVerified, u.LastVerified = fromMicros(first), fromMicros(last)
	u.Verified = map[otp.Channel]int{}
	for ch, n := range map[otp.Channel]int{otp.SMS: sms, otp.Voice: voice, otp.Email: email, otp.Telegram: tg, otp.WhatsApp: wa} {
		if n > 0 {
			u.Verified[ch] = n
		}
	}
	return &u, nil
}

// ListUsers returns a page of the application's users, the most recently
// verified first.
func (s *Store) ListUsers(ctx context.Context, appID string, f otp.UserFilter) ([]otp.User, error) {
	q := `SELECT ` + userColumns + ` FROM users WHERE app_id = $1`
	args := []any{appID}
	if f.Cursor != "" {
		last, dest, ok := parseUserCursor(f.Cursor)
		if !ok {
			return nil, &otp.Error{Code: otp.CodeInvalidParameter, Key: "invalid_query", Field: "cursor", Message: "cursor is not one this API gave"}
		}
		q += ` AND (last_verified < $2 OR (last_verified = $2 AND destination < $3))`
		args = append(args, last, dest)
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(` ORDER BY last_verified DESC, destination DESC LIMIT $%d`, len(args))
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.dbErr("list users", err)
	}
	defer rows.Close()
	var out []otp.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, s.dbErr("list users", err)
		}
		out = append(out, *u)
	}
	return out, s.dbErr("list users", rows.Err())
}

func parseUserCursor(c string) (int64, string, bool) {
	micro, dest, ok := strings.Cut(c, ".")
	n, err := strconv.ParseInt(micro, 10, 64)
	return n, dest, ok && err == nil && dest != ""
}

// GetUser returns the user of destination, or ErrNotFound.
func (s *Store) GetUser(ctx context.Context, appID, destination string) (*otp.User, error) {
	u, err := scanUser(s.reader.QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE app_id = $1 AND destination = $2`, appID, destination))
	if err != nil {
		return nil, s.dbErr("get user", err)
	}
	return u, nil
}
