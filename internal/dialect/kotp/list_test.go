package kotp_test

import (
	"context"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
)

// codeSender accepts messages, keeping their codes by verification, and refuses those to
// failTo for good.
type codeSender struct {
	mu     sync.Mutex
	codes  map[string]string
	failTo string
}

func (s *codeSender) Send(_ context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	if m.To == s.failTo {
		return otp.SendResult{}, &otp.ProviderError{Provider: "fake", Message: "unreachable", Permanent: true}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[m.VerificationID] = m.Code
	return otp.SendResult{Provider: "fake", ProviderMessageID: "pm-" + m.ID}, nil
}

// listFixture is a live application with one OTP in each of K-OTP's six
// statuses, and a second one failed another way; ids and statuses are
// newest first.
type listFixture struct {
	h        *dialecttest.Harness
	app      dialecttest.App
	ids      []string
	statuses []string
	methods  []string
	created  []time.Time
}

func newListFixture(t *testing.T, engine string) *listFixture {
	h := newHarness(t, engine, nil)
	app := h.CreateApp("live", "")
	other := h.CreateApp("live", "")
	sender := &codeSender{codes: map[string]string{}, failTo: "+14155552602"}
	f := &listFixture{h: h, app: app}
	send := func(body string) string {
		t.Helper()
		r := want(t, call(h, "POST", "/v1/send", app.APIKey, body), 200).Body
		f.ids = append([]string{r["id"].(string)}, f.ids...)
		f.methods = append([]string{r["method"].(string)}, f.methods...)
		f.created = append([]time.Time{h.Clock.Now()}, f.created...)
		h.Clock.Advance(time.Minute)
		return r["id"].(string)
	}
	o1 := send(`{"to":"+14155552601","method":"sms","type":"verification","ttl":900}`)
	send(`{"to":"+14155552602","method":"sms","type":"verification","ttl":900}`)
	o3 := send(`{"to":"a@example.com","method":"email","type":"verification","ttl":900}`)
	o4 := send(`{"to":"+14155552604","method":"voice","type":"two_factor","ttl":900}`)
	send(`{"to":"+14155552605","method":"sms","type":"verification","ttl":30}`)
	want(t, call(h, "POST", "/v1/send", other.APIKey, `{"to":"+14155552601","method":"sms","type":"verification","ttl":900}`), 200)
	deliverAll(t, h, sender)
	msgs := h.Admin("GET", "/v1/verifications/"+verID(o3)+"/messages?appId="+app.ID, "", 200).Body["data"].([]any)
	if err := h.Svc.RecordReceipt(t.Context(), otp.Receipt{Provider: "fake", Status: otp.DeliveryDelivered,
		ProviderMessageID: msgs[0].(map[string]any)["providerMessageId"].(string)}); err != nil {
		t.Fatal(err)
	}
	want(t, call(h, "POST", "/v1/verify", app.APIKey, seedVerify(o1, sender.codes[verID(o1)])), 200)
	for range 5 {
		call(h, "POST", "/v1/verify", app.APIKey, seedVerify(o4, "x"))
	}
	send(`{"to":"+14155552607","method":"sms","type":"verification","ttl":900}`)
	deliverAll(t, h, sender)
	send(`{"to":"+14155552606","method":"sms","type":"verification","ttl":900}`)
	f.statuses = []string{"pending", "sent", "expired", "failed", "delivered", "failed", "verified"}
	return f
}

// GET /otps: the seed's answer shape, newest first, each OTP's status as
// /status shows it; limit and offset page through exactly the matching
// OTPs, total counts them, has_more says whether a page follows; every
// filter, alone and together.
func TestList(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		f := newListFixture(t, engine)
		h := f.h
		list := func(query string) (ids []string, pagination map[string]any) {
			t.Helper()
			r := want(t, call(h, "GET", "/v1/otps"+query, f.app.APIKey, ""), 200).Body
			wantKeys(t, "list answer", r, "data pagination")
			pagination = r["pagination"].(map[string]any)
			wantKeys(t, "pagination", pagination, "limit offset total has_more")
			ids = []string{}
			for _, item := range r["data"].([]any) {
				o := item.(map[string]any)
				ids = append(ids, o["id"].(string))
				i := slices.Index(f.ids, o["id"].(string))
				if i < 0 {
					t.Errorf("listed %v, not an OTP of this application", o["id"])
					continue
				}
				wantKeys(t, "listed OTP", o, "id to method status created_at")
				if o["status"] != f.statuses[i] || o["method"] != f.methods[i] || o["created_at"] != wireTime(f.created[i]) {
					t.Errorf("listed %v, want status %s, method %s, created_at %s", o, f.statuses[i], f.methods[i], wireTime(f.created[i]))
				}
				st := want(t, call(h, "GET", "/v1/status/"+o["id"].(string), f.app.APIKey, ""), 200).Body
				if st["status"] != o["status"] || st["to"] != o["to"] {
					t.Errorf("listed %v, but /status shows %v", o, st)
				}
			}
			return ids, pagination
		}
		pick := func(is ...int) []string {
			out := []string{}
			for _, i := range is {
				out = append(out, f.ids[i])
			}
			return out
		}
		day := f.created[0].Format(time.DateOnly)
		for _, tc := range []struct {
			query                string
			want                 []string
			limit, offset, total int
			hasMore              bool
		}{
			{"", pick(0, 1, 2, 3, 4, 5, 6), 20, 0, 7, false},
			{"?limit=2", pick(0, 1), 2, 0, 7, true},
			{"?limit=2&offset=2", pick(2, 3), 2, 2, 7, true},
			{"?limit=2&offset=6", pick(6), 2, 6, 7, false},
			{"?offset=10", pick(), 20, 10, 7, false},
			{"?status=pending", pick(0), 20, 0, 1, false},
			{"?status=sent", pick(1), 20, 0, 1, false},
			{"?status=expired", pick(2), 20, 0, 1, false},
			{"?status=failed", pick(3, 5), 20, 0, 2, false},
			{"?status=delivered", pick(4), 20, 0, 1, false},
			{"?status=verified", pick(6), 20, 0, 1, false},
			{"?status=failed&limit=1", pick(3), 1, 0, 2, true},
			{"?method=email", pick(4), 20, 0, 1, false},
			{"?method=sms&status=failed", pick(5), 20, 0, 1, false},
			{"?from=" + url.QueryEscape(wireTime(f.created[3])), pick(0, 1, 2, 3), 20, 0, 4, false},
			{"?to=" + url.QueryEscape(wireTime(f.created[5])), pick(5, 6), 20, 0, 2, false},
			{"?from=" + wireTime(f.created[4]) + "&to=" + wireTime(f.created[3]), pick(3, 4), 20, 0, 2, false},
			{"?from=" + day + "&to=" + day, pick(0, 1, 2, 3, 4, 5, 6), 20, 0, 7, false},
			{"?to=" + f.created[0].AddDate(0, 0, -1).Format(time.DateOnly), pick(), 20, 0, 0, false},
			{"?from=" + url.QueryEscape(f.created[1].Add(-30*time.Second).Format("2006-01-02T15:04:05.000-07:00")), pick(0, 1), 20, 0, 2, false},
		} {
			t.Run(tc.query, func(t *testing.T) {
				ids, p := list(tc.query)
				if !slices.Equal(ids, tc.want) {
					t.Errorf("ids %v, want %v", ids, tc.want)
				}
				wantPage := map[string]any{"limit": float64(tc.limit), "offset": float64(tc.offset), "total": float64(tc.total), "has_more": tc.hasMore}
				for k, v := range wantPage {
					if p[k] != v {
						t.Errorf("pagination.%s = %v, want %v", k, p[k], v)
					}
				}
			})
		}
	})
}

func TestListErrors(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		for _, tc := range []struct{ query, field, value string }{
			{"limit=0", "limit", "0"},
			{"limit=101", "limit", "101"},
			{"limit=ten", "limit", "ten"},
			{"offset=-1", "offset", "-1"},
			{"offset=1.5", "offset", "1.5"},
			{"method=fax", "method", "fax"},
			{"status=queued", "status", "queued"},
			{"status=max_attempts", "status", "max_attempts"},
			{"from=yesterday", "from", "yesterday"},
			{"to=2024-13-01", "to", "2024-13-01"},
			{"to=15/01/2024", "to", "15/01/2024"},
		} {
			t.Run(tc.query, func(t *testing.T) {
				e := wantError(t, call(h, "GET", "/v1/otps?"+tc.query, app.APIKey, ""), 400, "INVALID_PARAMETER", tc.field)
				if e.Details["value"] != tc.value {
					t.Errorf("details.value = %v, want %s", e.Details["value"], tc.value)
				}
			})
		}
		// Unknown parameters are ignored.
		want(t, call(h, "GET", "/v1/otps?page=2", app.APIKey, ""), 200)
	})
}
