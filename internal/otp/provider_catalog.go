package otp

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
)

// ProviderInfo describes a provider the deployment configured, for the
// APIs that let a caller see the providers and pick one (kod.mobi's
// manual flow). The delivery router (internal/delivery) sends; the
// domain only needs to know what exists.
type ProviderInfo struct {
	// ID is the provider's stable number, derived from Name by
	// ProviderID; NewService sets it.
	ID int64
	// Name is the provider's instance name in the configuration file,
	// which the router knows it by.
	Name string
	// Type is its kind: twilio, vonage, smpp, smtp, telegram, whatsapp,
	// httpapi, console.
	Type string
	// Channels are the channels it can deliver.
	Channels []Channel
	// Receipts says that it reports what became of a message after
	// accepting it (a delivery receipt). Without receipts, its acceptance
	// is the last news of a message there will ever be.
	Receipts bool
}

// Delivers reports whether the provider can deliver channel c.
func (p ProviderInfo) Delivers(c Channel) bool { return slices.Contains(p.Channels, c) }

// ProviderID is the stable number of the provider configured as name: the
// first 31 bits of SHA-256 of the name, never 0. A number derived from the
// name, not from the provider's place in the file, survives restarts,
// reordering and other providers coming and going; 31 bits fit any
// client's integer type.
func ProviderID(name string) int64 {
	sum := sha256.Sum256([]byte(name))
	id := int64(binary.BigEndian.Uint32(sum[:4]) & 0x7fffffff)
	if id == 0 {
		id = 1 // 0 means "no provider" in requests
	}
	return id
}

// providerCatalog is the configured providers, in the order configured.
type providerCatalog []ProviderInfo

// newProviderCatalog numbers ps and refuses two providers with one name
// or one number (two names whose hashes share 31 bits: one must be
// renamed, or a caller's pin could reach the wrong one).
func newProviderCatalog(ps []ProviderInfo) (providerCatalog, error) {
	out := make(providerCatalog, 0, len(ps))
	byID := map[int64]string{}
	for _, p := range ps {
		if p.Name == "" {
			return nil, fmt.Errorf("otp: a provider without a name")
		}
		p.ID = ProviderID(p.Name)
		if other, ok := byID[p.ID]; ok {
			if other == p.Name {
				return nil, fmt.Errorf("otp: provider %q is listed twice", p.Name)
			}
			return nil, fmt.Errorf("otp: providers %q and %q have the same numeric id %d; rename one", other, p.Name, p.ID)
		}
		byID[p.ID] = p.Name
		p.Channels = slices.Clone(p.Channels)
		out = append(out, p)
	}
	return out, nil
}

// byID returns the provider numbered id.
func (c providerCatalog) byID(id int64) (ProviderInfo, bool) {
	for _, p := range c {
		if p.ID == id {
			return p, true
		}
	}
	return ProviderInfo{}, false
}

// byName returns the provider configured as name.
func (c providerCatalog) byName(name string) (ProviderInfo, bool) {
	for _, p := range c {
		if p.Name == name {
			return p, true
		}
	}
	return ProviderInfo{}, false
}

// delivering lists the providers that deliver channel ch.
func (c providerCatalog) delivering(ch Channel) []ProviderInfo {
	out := []ProviderInfo{}
	for _, p := range c {
		if p.Delivers(ch) {
			out = append(out, p)
		}
	}
	return out
}
