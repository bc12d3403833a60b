package otp

import (
	"context"
	"time"
)

// UsageRecord is one row of the usage ledger: one message a provider
// accepted (an otp.sent event) for a live application, kept under the
// owner of its project. The
// ledger is append-only: deleting an application or a project leaves its
// rows, so the plan's monthly limit and the charged credits do not forget
// the messages. Rows are written by the event consumer (ConsumeEvents),
// or by DeleteApplication for the events it would otherwise drop.
type UsageRecord struct {
	EventID     string // the otp.sent event: each message is recorded once
	OwnerID     string // the developer owning the project; "" for the operator's
	ProjectID   string
	AppID       string // kept as text: the application may be gone
	Environment Environment
	Channel     Channel
	Country     string
	Cost        Money
	At          time.Time // when the provider accepted the message
}

// InLedger reports whether the messages of an application in env are
// recorded in the usage ledger: a live application's are. A test
// application's go to the test inbox, cost nothing and count toward no
// plan, and the ledger, which nothing deletes, would keep a row of each
// forever (a CI that sends thousands a day). The store applies it too,
// to the rows an application's deletion records.
func InLedger(env Environment) bool { return env == Live }

// usageOf is the ledger rows of the sent messages among events. An
// event whose application is gone is left out: the application's
// deletion recorded it, in the transaction that deleted the event. So
// is one of an application not InLedger.
func (s *Service) usageOf(ctx context.Context, events []Event) ([]UsageRecord, error) {
	var out []UsageRecord
	for _, e := range events {
		if e.Type != EventSent {
			continue
		}
		a, err := s.applicationByID(ctx, e.AppID)
		if isCode(err, CodeNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !InLedger(a.Environment) {
			continue
		}
		p, err := s.projectByID(ctx, a.ProjectID)
		if isCode(err, CodeNotFound) {
			continue // a project goes after its applications
		}
		if err != nil {
			return nil, err
		}
		out = append(out, UsageRecord{
			EventID: e.ID, OwnerID: p.OwnerID, ProjectID: p.ID, AppID: a.ID, Environment: a.Environment,
			Channel: e.Channel, Country: e.Country, Cost: e.Cost, At: e.CreatedAt,
		})
	}
	return out, nil
}
