package storetest

import (
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// Engine is the SQL a bulk seed needs that differs between the engines.
type Engine struct {
	Name string
	// Series is a FROM item of one integer column i from lo to hi.
	Series func(lo, hi int64) string
	// Pad left-pads an integer expression with zeros to width digits.
	Pad func(expr string, width int) string
	// Blob is a literal one-byte binary value.
	Blob string
	// Indexes selects the name and the CREATE statement of each secondary
	// index of the seeded tables (not primary keys), so that the seed can
	// drop them, write, and build them again in one sort each: much faster
	// than updating them row by row.
	Indexes string
	// ConsumeAll moves the event consumer's cursor past every event, as
	// if the consumer had taken the seeded ones.
	ConsumeAll string
}

// SQLiteEngine is SQLite's SQL for the bulk seed.
var SQLiteEngine = Engine{
	Name: "sqlite",
	Series: func(lo, hi int64) string {
		return fmt.Sprintf(`(WITH RECURSIVE s(i) AS (SELECT %d UNION ALL SELECT i + 1 FROM s WHERE i < %d) SELECT i FROM s) AS n`, lo, hi)
	},
	Pad:  func(expr string, width int) string { return fmt.Sprintf(`printf('%%0%dd', %s)`, width, expr) },
	Blob: `X'00'`,
	Indexes: `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
		AND tbl_name IN ('verifications', 'events', 'users', 'daily_stats')`,
	ConsumeAll: `UPDATE event_cursor SET seq = (SELECT COALESCE(MAX(seq), 0) FROM events)`,
}

// PostgresEngine is PostgreSQL's SQL for the bulk seed.
var PostgresEngine = Engine{
	Name: "postgres",
	Series: func(lo, hi int64) string {
		return fmt.Sprintf(`generate_series(%d::bigint, %d::bigint) AS n(i)`, lo, hi)
	},
	Pad:  func(expr string, width int) string { return fmt.Sprintf(`lpad((%s)::text, %d, '0')`, expr, width) },
	Blob: `'\x00'::bytea`,
	Indexes: `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()
		AND tablename IN ('verifications', 'events', 'users', 'daily_stats') AND indexname NOT LIKE '%_pkey'`,
	ConsumeAll: `UPDATE event_cursor SET (tx, seq) = (SELECT tx, seq FROM events ORDER BY tx DESC, seq DESC LIMIT 1)
		WHERE EXISTS (SELECT 1 FROM events)`,
}

// The seeded dataset is a pure function of the verification's number i,
// so that its answers can be computed without reading it back.
const (
	seedDays  = 90
	seedApps  = 5
	dayMicros = int64(86400 * 1_000_000)
)

// seedChannel is the channel of verification i: 60% sms, 10% voice, 15%
// email, 10% whatsapp, 5% telegram.
func seedChannel(i int64) otp.Channel {
	switch r := i % 20; {
	case r < 12:
		return otp.SMS
	case r < 14:
		return otp.Voice
	case r < 17:
		return otp.Email
	case r < 19:
		return otp.WhatsApp
	}
	return otp.Telegram
}

var seedCountries = []string{"US", "GB", "DE", "BR", "IN", "FR"}

func seedCountry(i int64) string {
	if seedChannel(i) == otp.Email {
		return ""
	}
	return seedCountries[(i/20)%int64(len(seedCountries))]
}

var seedCosts = map[otp.Channel]int64{otp.SMS: 7500, otp.Voice: 15000, otp.WhatsApp: 5000, otp.Telegram: 1000}

// seedOutcome: 1 in 25 fails delivery (then expires), 6 in 25 expire
// unchecked, the rest (72%) verify.
func seedOutcome(i int64) string {
	switch r := i % 25; {
	case r == 0:
		return "failed"
	case r <= 6:
		return "expired"
	}
	return "verified"
}

// Offsets of the second and third events after the verification.
const (
	sentAfter     = 2 * 1_000_000
	verifiedAfter = 30 * 1_000_000
	expiredAfter  = 600 * 1_000_000
)

// seed describes one bulk dataset: n verifications spread evenly over the
// seedDays days before end, over apps.
type seed struct {
	engine Engine
	apps   []string
	n      int64
	dests  int64     // destinations; a multiple of 20, so that one keeps its channel, and of len(apps)
	end    time.Time // midnight UTC after the last day
}

func (s seed) start() int64 { return s.end.UnixMicro() - seedDays*dayMicros }
func (s seed) step() int64  { return seedDays * dayMicros / s.n }

// created is the creation time of verification i, in microseconds.
func (s seed) created(i int64) int64 { return s.start() + i*s.step() }

// app is the application of verification i.
func (s seed) app(i int64) string { return s.apps[i%int64(len(s.apps))] }

// dest is the destination of verification i.
func (s seed) dest(i int64) string {
	if seedChannel(i) == otp.Email {
		return fmt.Sprintf("u%07d@example.com", i%s.dests)
	}
	return fmt.Sprintf("+1415%07d", i%s.dests)
}

// events are the three events of verification i, as bulkSeed writes them.
func (s seed) events(i int64) []otp.Event {
	at := func(off int64) time.Time { return time.UnixMicro(s.created(i) + off).UTC() }
	id := fmt.Sprintf("ver_%032d", i)
	ch, country := seedChannel(i), seedCountry(i)
	mk := func(k int, typ otp.EventType, off int64) otp.Event {
		return otp.Event{ID: fmt.Sprintf("evt_%031d%d", i, k), Type: typ, AppID: s.app(i), VerificationID: id,
			CreatedAt: at(off), Channel: ch, Country: country}
	}
	evs := []otp.Event{mk(0, otp.EventCreated, 0)}
	switch seedOutcome(i) {
	case "failed":
		evs = append(evs, mk(1, otp.EventFailed, sentAfter), mk(2, otp.EventExpired, expiredAfter))
	case "expired":
		evs = append(evs, mk(1, otp.EventSent, sentAfter), mk(2, otp.EventExpired, expiredAfter))
	default:
		evs = append(evs, mk(1, otp.EventSent, sentAfter), mk(2, otp.EventVerified, verifiedAfter))
	}
	if evs[1].Type == otp.EventSent && seedCosts[ch] > 0 {
		evs[1].Cost = otp.Money{Micros: seedCosts[ch], Currency: "USD"}
	}
	return evs
}

// exprs returns the SQL expressions of verification i's fields, in the
// same terms as the Go functions above.
func (s seed) exprs() map[string]string {
	apps := make([]string, len(s.apps))
	for k, a := range s.apps {
		apps[k] = fmt.Sprintf("WHEN %d THEN '%s'", k, a)
	}
	countries := make([]string, len(seedCountries))
	for k, c := range seedCountries {
		countries[k] = fmt.Sprintf("WHEN %d THEN '%s'", k, c)
	}
	channel := `CASE WHEN i % 20 < 12 THEN 'sms' WHEN i % 20 < 14 THEN 'voice' WHEN i % 20 < 17 THEN 'email' WHEN i % 20 < 19 THEN 'whatsapp' ELSE 'telegram' END`
	email := `(i % 20 >= 14 AND i % 20 < 17)`
	created := fmt.Sprintf(`(%d + i * %d)`, s.start(), s.step())
	return map[string]string{
		"app":      fmt.Sprintf(`CASE i %% %d %s END`, len(s.apps), strings.Join(apps, " ")),
		"channel":  channel,
		"country":  fmt.Sprintf(`CASE WHEN %s THEN '' ELSE CASE (i / 20) %% %d %s END END`, email, len(seedCountries), strings.Join(countries, " ")),
		"dest":     fmt.Sprintf(`CASE WHEN %s THEN 'u' || %s || '@example.com' ELSE '+1415' || %s END`, email, s.engine.Pad(fmt.Sprintf("i %% %d", s.dests), 7), s.engine.Pad(fmt.Sprintf("i %% %d", s.dests), 7)),
		"status":   `CASE WHEN i % 25 = 0 THEN 'expired' WHEN i % 25 <= 6 THEN 'expired' ELSE 'verified' END`,
		"delivery": `CASE WHEN i % 25 = 0 THEN 'failed' ELSE 'delivered' END`,
		"cost":     `CASE WHEN i % 20 < 12 THEN 7500 WHEN i % 20 < 14 THEN 15000 WHEN i % 20 < 17 THEN 0 WHEN i % 20 < 19 THEN 5000 ELSE 1000 END`,
		"currency": fmt.Sprintf(`CASE WHEN %s THEN '' ELSE 'USD' END`, email),
		"created":  created,
		"verified": fmt.Sprintf(`CASE WHEN i %% 25 > 6 THEN %s + %d ELSE 0 END`, created, verifiedAfter),
		"id":       `'ver_' || ` + s.engine.Pad("i", 32),
	}
}

// bulkSeed writes the verifications, their events, the daily rollup and
// the users with INSERT ... SELECT over a generated series, in chunks, so
// that millions of rows take seconds, not the hours of one call each.
func (s seed) bulkSeed(tb testing.TB, db *sql.DB) {
	tb.Helper()
	ctx := tb.Context()
	x := s.exprs()
	spent := map[string]time.Duration{}
	exec := func(what, q string) {
		tb.Helper()
		began := time.Now()
		if _, err := db.ExecContext(ctx, q); err != nil {
			tb.Fatalf("seed %s: %v\n%s", what, err, q)
		}
		spent[what] += time.Since(began)
	}
	defer func() { tb.Logf("seed time by table: %v", spent) }()
	rows, err := db.QueryContext(ctx, s.engine.Indexes)
	if err != nil {
		tb.Fatalf("seed: list indexes: %v", err)
	}
	var indexes [][2]string
	for rows.Next() {
		var ix [2]string
		if err := rows.Scan(&ix[0], &ix[1]); err != nil {
			tb.Fatal(err)
		}
		indexes = append(indexes, ix)
	}
	rows.Close()
	if len(indexes) == 0 {
		tb.Fatal("seed: no index found to drop and rebuild; is the engine's index query right?")
	}
	for _, ix := range indexes {
		exec("drop indexes", `DROP INDEX `+ix[0])
	}
	defer func() {
		for _, ix := range indexes {
			exec("build index "+ix[0], ix[1])
		}
	}()
	const chunk = 500_000
	for lo := int64(0); lo < s.n; lo += chunk {
		hi := min(lo+chunk, s.n) - 1
		from := s.engine.Series(lo, hi)
		exec("verifications", fmt.Sprintf(`INSERT INTO verifications (id, app_id, destination, channel, purpose, locale, status,
			delivery_status, code_hash, attempts, max_attempts, resends, max_resends, created_at, updated_at, expires_at,
			last_sent_at, resend_at, sent_at, verified_at, last_error, country, carrier, cost_micros, cost_currency, delivered_at)
			SELECT %s, %s, %s, %s, 'verification', 'en', %s, %s, %s, 1, 5, 0, 3, %s, %s + %d, %s + %d, %s + %d, 0, %s + %d, %s, '', %s, '', %s, %s,
				CASE WHEN i %% 25 = 0 THEN 0 ELSE %s + %d END
			FROM %s`,
			x["id"], x["app"], x["dest"], x["channel"], x["status"], x["delivery"], s.engine.Blob,
			x["created"], x["created"], expiredAfter, x["created"], expiredAfter, x["created"], sentAfter, x["created"], sentAfter,
			x["verified"], x["country"], x["cost"], x["currency"], x["created"], sentAfter+1_000_000, from))
		for k, ev := range []struct{ typ, at, cost, currency string }{
			{"'otp.created'", x["created"], "0", "''"},
			{`CASE WHEN i % 25 = 0 THEN 'otp.failed' ELSE 'otp.sent' END`, fmt.Sprintf("%s + %d", x["created"], sentAfter),
				`CASE WHEN i % 25 = 0 THEN 0 ELSE ` + x["cost"] + ` END`, `CASE WHEN i % 25 = 0 THEN '' ELSE ` + x["currency"] + ` END`},
			{`CASE WHEN i % 25 > 6 THEN 'otp.verified' ELSE 'otp.expired' END`,
				fmt.Sprintf("%s + CASE WHEN i %% 25 > 6 THEN %d ELSE %d END", x["created"], verifiedAfter, expiredAfter), "0", "''"},
		} {
			exec("events", fmt.Sprintf(`INSERT INTO events (id, type, app_id, verification_id, created_at, channel, country, cost_micros, cost_currency)
				SELECT 'evt_' || %s || '%d', %s, %s, %s, %s, %s, %s, %s, %s FROM %s`,
				s.engine.Pad("i", 31), k, ev.typ, x["app"], x["id"], ev.at, x["channel"], x["country"], ev.cost, ev.currency, from))
		}
		tb.Logf("seeded %d of %d verifications", hi+1, s.n)
	}
	exec("events", s.engine.ConsumeAll) // the rollup below is what consuming them would have added
	// The rollup as the event consumer would have written it, added up
	// here from the dataset's definition: a GROUP BY over the events
	// would take longer than all the rest.
	type key struct {
		app     string
		day     int64
		channel otp.Channel
		country string
	}
	rollup := map[key]*otp.StatDelta{}
	for i := range s.n {
		ch, country := seedChannel(i), seedCountry(i)
		at := s.created(i)
		add := func(off int64, f func(d *otp.StatDelta)) {
			k := key{s.app(i), (at + off) / dayMicros, ch, country}
			d := rollup[k]
			if d == nil {
				d = &otp.StatDelta{AppID: k.app, Day: k.day, Channel: ch, Country: country}
				rollup[k] = d
			}
			f(d)
		}
		add(0, func(d *otp.StatDelta) { d.Created++ })
		switch seedOutcome(i) {
		case "failed":
			add(sentAfter, func(d *otp.StatDelta) { d.Failed++ })
		case "verified":
			add(verifiedAfter, func(d *otp.StatDelta) { d.Verified++ })
			fallthrough
		default:
			add(sentAfter, func(d *otp.StatDelta) {
				d.Sent++
				if c := seedCosts[ch]; c > 0 {
					d.Cost = otp.Money{Micros: d.Cost.Micros + c, Currency: "USD"}
				}
			})
		}
	}
	var values []string
	flush := func() {
		if len(values) > 0 {
			exec("daily_stats", `INSERT INTO daily_stats (app_id, day, channel, country, created, sent, verified, failed, cost_micros, cost_currency) VALUES `+
				strings.Join(values, ", "))
			values = values[:0]
		}
	}
	for _, d := range rollup {
		values = append(values, fmt.Sprintf("('%s', %d, '%s', '%s', %d, %d, %d, %d, %d, '%s')",
			d.AppID, d.Day, d.Channel, d.Country, d.Created, d.Sent, d.Verified, d.Failed, d.Cost.Micros, d.Cost.Currency))
		if len(values) == 500 {
			flush()
		}
	}
	flush()
	exec("users", `INSERT INTO users (app_id, destination, first_verified, last_verified, verified_sms, verified_voice, verified_email, verified_telegram, verified_whatsapp)
		SELECT app_id, destination, MIN(verified_at), MAX(verified_at),
			SUM(CASE WHEN channel = 'sms' THEN 1 ELSE 0 END), SUM(CASE WHEN channel = 'voice' THEN 1 ELSE 0 END),
			SUM(CASE WHEN channel = 'email' THEN 1 ELSE 0 END), SUM(CASE WHEN channel = 'telegram' THEN 1 ELSE 0 END),
			SUM(CASE WHEN channel = 'whatsapp' THEN 1 ELSE 0 END)
		FROM verifications WHERE status = 'verified' GROUP BY app_id, destination`)
}

// seedApplications creates the applications the seed's rows belong to,
// in two projects, through the store.
func seedApplications(tb testing.TB, st otp.Store) []string {
	tb.Helper()
	var apps []string
	var project string
	for k := range seedApps {
		if k%3 == 0 {
			p := &otp.Project{ID: otp.NewID("prj"), Name: "bench", Policy: otp.DefaultPolicy(), CreatedAt: t0, UpdatedAt: t0}
			if err := st.CreateProject(tb.Context(), p); err != nil {
				tb.Fatalf("CreateProject: %v", err)
			}
			project = p.ID
		}
		a := newApp(project, otp.Live)
		if err := st.CreateApplication(tb.Context(), a); err != nil {
			tb.Fatalf("CreateApplication: %v", err)
		}
		apps = append(apps, a.ID)
	}
	return apps
}

// BenchmarkVerifications is how many verifications BenchAnalytics seeds:
// OTPD_BENCH_VERIFICATIONS, or two million.
func BenchmarkVerifications(tb testing.TB) int64 {
	if v := os.Getenv("OTPD_BENCH_VERIFICATIONS"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1000 {
			tb.Fatalf("OTPD_BENCH_VERIFICATIONS=%q: want a number of at least 1000", v)
		}
		return n
	}
	return 2_000_000
}

// BenchAnalytics seeds st (through db, a second connection to the same
// database, for the bulk SQL of engine) with BenchmarkVerifications(b)
// verifications over 90 days, then measures what the analytics endpoints
// and the log read: the summary and the time series, of every application
// and of one, and the log of one verification and of one event type.
func BenchAnalytics(b *testing.B, st otp.Store, db *sql.DB, engine Engine) {
	s := seed{engine: engine, n: BenchmarkVerifications(b), dests: 300_000, end: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)}
	s.apps = seedApplications(b, st)
	began := time.Now()
	s.bulkSeed(b, db)
	b.Logf("%s: seeded %d verifications, %d events, their rollup and users in %s", engine.Name, s.n, 3*s.n, time.Since(began).Round(time.Millisecond))

	ctx := b.Context()
	lastDay := s.end.Unix()/86400 - 1
	// The seed is what it claims: every verification created once, 1 in
	// 25 failed, 18 in 25 verified (up to the rounding of n).
	sum, err := st.StatsSummary(ctx, otp.StatsFilter{}, lastDay-seedDays, lastDay)
	if err != nil {
		b.Fatal(err)
	}
	off := func(got int, want int64) int64 { return max(int64(got)-want, want-int64(got)) }
	if t := sum.Totals; int64(t.Created) != s.n || int64(t.Sent+t.Failed) != s.n || off(t.Failed, s.n/25) > 1 || off(t.Verified, s.n*18/25) > 18 {
		b.Fatalf("the seeded rollup adds up to %+v for %d verifications", t, s.n)
	}
	app := s.apps[1]
	oneVerification := fmt.Sprintf("ver_%032d", s.n/2)
	for _, c := range []struct {
		name string
		run  func() error
	}{
		{"Summary/all/30d", func() error {
			_, err := st.StatsSummary(ctx, otp.StatsFilter{}, lastDay-29, lastDay)
			return err
		}},
		{"Summary/all/90d", func() error {
			_, err := st.StatsSummary(ctx, otp.StatsFilter{}, lastDay-89, lastDay)
			return err
		}},
		{"Summary/app/90d", func() error {
			_, err := st.StatsSummary(ctx, otp.StatsFilter{AppID: app}, lastDay-89, lastDay)
			return err
		}},
		{"Summary/app-sms-US/30d", func() error {
			_, err := st.StatsSummary(ctx, otp.StatsFilter{AppID: app, Channel: otp.SMS, Country: "US"}, lastDay-29, lastDay)
			return err
		}},
		{"Timeseries/all/90d", func() error {
			_, err := st.StatsByDay(ctx, otp.StatsFilter{}, lastDay-89, lastDay)
			return err
		}},
		{"Timeseries/app/30d", func() error {
			_, err := st.StatsByDay(ctx, otp.StatsFilter{AppID: app}, lastDay-29, lastDay)
			return err
		}},
		{"Logs/verification", func() error {
			rs, err := st.ListEventLog(ctx, otp.EventFilter{AppID: s.apps[(s.n/2)%int64(len(s.apps))], VerificationID: oneVerification, Limit: 201})
			if err == nil && len(rs) != 3 {
				err = fmt.Errorf("the log of %s has %d events, want 3", oneVerification, len(rs))
			}
			return err
		}},
		{"Logs/latest", func() error {
			_, err := st.ListEventLog(ctx, otp.EventFilter{Limit: 51})
			return err
		}},
		{"Logs/type-failed", func() error {
			_, err := st.ListEventLog(ctx, otp.EventFilter{Type: otp.EventFailed, Limit: 51})
			return err
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if err := c.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
