package sqlstore

import (
	"context"
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

// ListUsers returns a page of users, the most recently verified first:
// of one application, or with appID "" of every application (f.OwnerID
// nil) or of an owner's; of one destination if f.Destination is set. Across applications a destination may be a user
// of several; the application breaks the tie of time and destination.
func (s *Store) ListUsers(ctx context.Context, appID string, f otp.UserFilter) ([]otp.User, error) {
	var args argList
	var after string
	if f.Cursor != "" {
		last, app, dest, ok := parseUserCursor(f.Cursor)
		if !ok {
			return nil, &otp.Error{Code: otp.CodeInvalidParameter, Key: "invalid_query", Field: "cursor", Message: "cursor is not one this API gave"}
		}
		l, d := args.add(last), args.add(dest)
		if appID != "" {
			after = ` AND (last_verified < ` + l + ` OR (last_verified = ` + l + ` AND destination < ` + d + `))`
		} else {
			after = ` AND (last_verified < ` + l + ` OR (last_verified = ` + l + ` AND (destination < ` + d +
				` OR (destination = ` + d + ` AND app_id < ` + args.add(app) + `))))`
		}
	}
	if f.Destination != "" {
		after += ` AND destination = ` + args.add(f.Destination)
	}
	limit := args.add(f.Limit)
	order := ` ORDER BY last_verified DESC, destination DESC, app_id DESC LIMIT ` + limit
	arm := func(appCond string) string {
		return `SELECT ` + userColumns + ` FROM users WHERE ` + appCond + after + order
	}
	var q string
	switch {
	case appID != "":
		// One application's users, in the order of its users_recent index.
		q = `SELECT ` + userColumns + ` FROM users WHERE app_id = ` + args.add(appID) + after +
			` ORDER BY last_verified DESC, destination DESC LIMIT ` + limit
	case f.OwnerID != nil:
		var ok bool
		var err error
		q, ok, err = s.ownerList(ctx, *f.OwnerID, &args, arm, "app_id", "last_verified DESC, destination DESC, app_id DESC", limit)
		if err != nil || !ok {
			return nil, s.dbErr("list users", err)
		}
	case f.Destination != "":
		// One destination across every application: a probe of the
		// primary key (app_id, destination) per application, as the
		// owner's arms are (users go with their application, so none is
		// left out); there is no index of destinations alone, which a
		// check that makes a new user would write a random page of.
		q = arm("app_id IN (SELECT id FROM applications)")
	default:
		q = arm("1 = 1") // in the order of the users_all_recent index
	}
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

// parseUserCursor reads a User.Cursor: unix microseconds, the
// application and the destination (which may hold dots), dot-separated.
func parseUserCursor(c string) (int64, string, string, bool) {
	micro, rest, ok := strings.Cut(c, ".")
	app, dest, ok2 := strings.Cut(rest, ".")
	n, err := strconv.ParseInt(micro, 10, 64)
	return n, app, dest, ok && ok2 && err == nil && app != "" && dest != ""
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
