package sqlstore

import (
	"context"
	"fmt"

	"github.com/otpd/otpd/internal/otp"
)

// ReleaseDeliveries hands claimed outbox rows back unsent: the lease ends,
// the row is due again at its old next_attempt_at (not after the claim,
// so at once), and the claim's attempt is taken back. The claim is named
// by its attempt count and its lease end together: a row whose lease ran
// out and was claimed again has a higher count and a later lease; one
// released, retried or finished since has no lease (claimed_until = 0)
// or no row. Either way nothing is changed: that claim is not ours.
func (s *Store) ReleaseDeliveries(ctx context.Context, ds []otp.Delivery) (int, error) {
	released := 0
	err := s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		released = 0
		for _, d := range ds {
			if d.ClaimedUntil.IsZero() {
				continue // not from a claim: nothing to hand back
			}
			res, err := tx.ExecContext(ctx,
				`UPDATE outbox SET claimed_until = 0, attempts = attempts - 1
				WHERE id = $1 AND attempts = $2 AND claimed_until = $3`,
				d.ID, d.Attempts, micros(d.ClaimedUntil))
			if err != nil {
				return s.dbErr("release deliveries", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("release deliveries: %w", err)
			}
			released += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return released, nil
}
