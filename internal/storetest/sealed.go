package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// testSealedValues lists every kind of sealed value in id order, in
// pages, skipping rows without one, and replaces values only while the
// row still holds what was read, leaving the rest of the row alone.
func testSealedValues(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "sealed")
	p.Policy.Challenge = otp.ChallengePolicy{Enabled: true, Provider: otp.ReCAPTCHA, SiteKey: "site",
		SecretSealed: []byte("sealed challenge secret"), SecretPreview: "****wxyz", MinScore: 0.5}
	if err := st.UpdateProject(ctx, p); err != nil {
		t.Fatalf("UpdateProject: %v", err)
	}
	createProject(t, st, "no challenge")
	a1, a2 := createApp(t, st, p.ID, otp.Live), createApp(t, st, p.ID, otp.Live)
	a2.PrevWebhookSecretSealed = nil
	if err := st.UpdateApplication(ctx, a2); err != nil {
		t.Fatalf("UpdateApplication: %v", err)
	}
	var codes []*otp.Verification
	for i := range 3 {
		v := newVerification(a1, fmt.Sprintf("+141555501%02d", 10+i), t0) // one each: a new one would supersede it
		createVerification(t, st, v, t0)
		codes = append(codes, v)
	}
	codes[1].InboxCode = nil // a live application's: no code kept for a test inbox
	if _, err := st.UpdateVerification(ctx, a1.ID, codes[1].ID, func(v *otp.Verification) (otp.Effects, error) {
		v.InboxCode = nil
		return otp.Effects{}, nil
	}); err != nil {
		t.Fatalf("UpdateVerification: %v", err)
	}
	done := newVerification(a1, "+14155550101", t0) // its code kept only for the test inbox
	done.Status, done.CodeSealed = otp.StatusVerified, nil
	createVerification(t, st, done, time.Time{})

	list := func(kind otp.SealedKind, after string, limit int) []otp.SealedValue {
		t.Helper()
		vs, err := st.ListSealedValues(ctx, kind, after, limit)
		if err != nil {
			t.Fatalf("ListSealedValues(%s): %v", kind, err)
		}
		return vs
	}
	all := func(kind otp.SealedKind) []otp.SealedValue { // in pages of 2
		var out []otp.SealedValue
		after := ""
		for range 10 {
			page := list(kind, after, 2)
			out = append(out, page...)
			if len(page) < 2 {
				return out
			}
			after = page[len(page)-1].ID
		}
		t.Fatalf("ListSealedValues(%s) never ends", kind)
		return nil
	}

	wantCodes := []otp.SealedValue{}
	for _, v := range codes {
		wantCodes = append(wantCodes, otp.SealedValue{Kind: otp.SealedCode, ID: v.ID, Sealed: v.CodeSealed, CodeHash: v.CodeHash})
	}
	byID := func(vs []otp.SealedValue) []otp.SealedValue {
		return sortedBy(vs, func(v otp.SealedValue) string { return v.ID })
	}
	diff(t, "codes", byID(wantCodes), all(otp.SealedCode))
	wantInbox := []otp.SealedValue{}
	for _, v := range append(slices.Clone(codes), done) {
		if v.InboxCode != nil {
			wantInbox = append(wantInbox, otp.SealedValue{Kind: otp.SealedInboxCode, ID: v.ID, Sealed: v.InboxCode})
		}
	}
	diff(t, "inbox codes", byID(wantInbox), all(otp.SealedInboxCode))
	diff(t, "webhook secrets", byID([]otp.SealedValue{
		{Kind: otp.SealedWebhookSecret, ID: a1.ID, Sealed: a1.WebhookSecretSealed},
		{Kind: otp.SealedWebhookSecret, ID: a2.ID, Sealed: a2.WebhookSecretSealed},
	}), all(otp.SealedWebhookSecret))
	diff(t, "previous webhook secrets", []otp.SealedValue{
		{Kind: otp.SealedPrevWebhookSecret, ID: a1.ID, Sealed: a1.PrevWebhookSecretSealed},
	}, all(otp.SealedPrevWebhookSecret))
	diff(t, "challenge secrets", []otp.SealedValue{
		{Kind: otp.SealedChallengeSecret, ID: p.ID, Sealed: []byte("sealed challenge secret")},
	}, all(otp.SealedChallengeSecret))

	// Replace each kind; a stale current value changes nothing.
	for _, kind := range otp.SealedKinds {
		cur := list(kind, "", 1)[0]
		next := otp.SealedValue{Kind: kind, ID: cur.ID, Sealed: []byte("resealed " + string(kind))}
		if kind == otp.SealedCode {
			next.CodeHash = sum("new hash")
		}
		stale := cur
		stale.Sealed = []byte("something else")
		if ok, err := st.ReplaceSealedValue(ctx, stale, next); err != nil || ok {
			t.Errorf("ReplaceSealedValue(%s) of a stale value = %v, %v; want false, nil", kind, ok, err)
		}
		if ok, err := st.ReplaceSealedValue(ctx, cur, next); err != nil || !ok {
			t.Fatalf("ReplaceSealedValue(%s) = %v, %v; want true, nil", kind, ok, err)
		}
		if ok, err := st.ReplaceSealedValue(ctx, cur, next); err != nil || ok {
			t.Errorf("ReplaceSealedValue(%s) again = %v, %v; want false, nil", kind, ok, err)
		}
		if got := list(kind, "", 1)[0]; !bytes.Equal(got.Sealed, next.Sealed) || !bytes.Equal(got.CodeHash, next.CodeHash) {
			t.Errorf("after ReplaceSealedValue(%s): %q, hash %x; want %q, hash %x", kind, got.Sealed, got.CodeHash, next.Sealed, next.CodeHash)
		}
	}

	// The rest of each row is as it was.
	gotP, err := st.GetProject(ctx, p.ID)
	if err != nil {
		t.Fatalf("GetProject: %v", err)
	}
	p.Policy.Challenge.SecretSealed = []byte("resealed " + string(otp.SealedChallengeSecret))
	diff(t, "project after replacing its challenge secret", p, gotP)
	first, firstInbox := list(otp.SealedCode, "", 1)[0], list(otp.SealedInboxCode, "", 1)[0]
	for _, v := range append(codes, done) {
		if v.ID == first.ID {
			v.CodeSealed, v.CodeHash = first.Sealed, first.CodeHash
		}
		if v.ID == firstInbox.ID {
			v.InboxCode = firstInbox.Sealed
		}
		diff(t, "verification after replacing its codes", v, getVerification(t, st, a1.ID, v.ID))
	}
}

// sortedBy returns vs ordered by key, as the store lists them.
func sortedBy[T any](vs []T, key func(T) string) []T {
	out := slices.Clone(vs)
	slices.SortFunc(out, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	return out
}
