package otp

import (
	"errors"
	"testing"
)

// The sweep deletes old rows until a batch comes back short, so that
// retention keeps up with more than one batch of creates a second, and
// stops after its bound of batches so that one sweep stays bounded.
func TestInBatches(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name      string
		rows      []int // what each call deletes
		err       error // returned by the last call
		wantCalls int
		wantErr   error
	}{
		{"nothing old", []int{0}, nil, 1, nil},
		{"one short batch", []int{7}, nil, 1, nil},
		{"full, full, short", []int{10, 10, 3}, nil, 3, nil},
		{"full until the bound", []int{10, 10, 10, 10, 10}, nil, 4, nil},
		{"more than asked counts as full", []int{15, 0}, nil, 2, nil},
		{"an error stops", []int{10, 0}, boom, 2, boom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			err := inBatches(10, 4, func() (int, error) {
				n := tc.rows[calls]
				calls++
				if calls == len(tc.rows) {
					return n, tc.err
				}
				return n, nil
			})
			if calls != tc.wantCalls {
				t.Errorf("calls: got %d, want %d", calls, tc.wantCalls)
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("err: got %v, want %v", err, tc.wantErr)
			}
		})
	}
}
