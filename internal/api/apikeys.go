package api

import (
	"net/http"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

type apiKeyRequest struct {
	// Scope full may make every call; read only GET calls (status and lists).
	Scope *string `json:"scope" enum:"full,read"`
	// AllowedIPs are addresses and CIDR blocks, IPv4 or IPv6, the key may
	// be used from (at most 50); empty or absent allows any address.
	AllowedIPs *[]string `json:"allowedIps"`
	// Name is a label to tell keys apart, at most 100 characters.
	Name *string `json:"name"`
}

func (req apiKeyRequest) input() otp.APIKeyInput {
	var in otp.APIKeyInput
	if req.Scope != nil {
		in.Scope = otp.APIKeyScope(*req.Scope)
	}
	if req.AllowedIPs != nil {
		in.AllowedIPs = *req.AllowedIPs
	}
	if req.Name != nil {
		in.Name = *req.Name
	}
	return in
}

// apiKeyView is an API key, masked.
type apiKeyView struct {
	// ID is key_…, or "primary" for the application's own key, which is
	// rotated (POST /v1/applications/{id}/rotate/api), not revoked.
	ID    string `json:"id"`
	Name  string `json:"name"`
	Scope string `json:"scope" enum:"full,read"`
	// AllowedIPs are the networks the key may be used from, in CIDR form;
	// empty: any address.
	AllowedIPs []string  `json:"allowedIps"`
	Preview    string    `json:"preview"`
	Primary    bool      `json:"primary"`
	CreatedAt  time.Time `json:"createdAt"`
}

// createdAPIKeyView is the one answer that carries the key itself.
type createdAPIKeyView struct {
	ID         string    `json:"id"`
	Key        string    `json:"key"`
	Name       string    `json:"name"`
	Scope      string    `json:"scope" enum:"full,read"`
	AllowedIPs []string  `json:"allowedIps"`
	Preview    string    `json:"preview"`
	Primary    bool      `json:"primary"`
	Warning    string    `json:"warning"`
	CreatedAt  time.Time `json:"createdAt"`
}

const apiKeyWarning = "Store this API key now — it will not be shown again."

func newAPIKeyView(k *otp.APIKey) apiKeyView {
	v := apiKeyView{ID: k.ID, Name: k.Name, Scope: string(k.Scope), AllowedIPs: make([]string, len(k.AllowedIPs)),
		Preview: k.Preview, Primary: k.Primary, CreatedAt: k.CreatedAt}
	for i, p := range k.AllowedIPs {
		v.AllowedIPs[i] = p.String()
	}
	return v
}

func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request) error {
	var req apiKeyRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	k, plain, err := s.svc.CreateAPIKey(r.Context(), r.PathValue("id"), req.input())
	if err != nil {
		return err
	}
	v := newAPIKeyView(k)
	writeData(w, http.StatusCreated, createdAPIKeyView{ID: v.ID, Key: plain, Name: v.Name, Scope: v.Scope,
		AllowedIPs: v.AllowedIPs, Preview: v.Preview, Primary: v.Primary, Warning: apiKeyWarning, CreatedAt: v.CreatedAt})
	return nil
}

func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := s.svc.ListAPIKeys(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	views := make([]apiKeyView, len(keys))
	for i, k := range keys {
		views[i] = newAPIKeyView(k)
	}
	writeJSON(w, http.StatusOK, listBody{Data: views})
	return nil
}

func (s *Server) revokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.RevokeAPIKey(r.Context(), r.PathValue("id"), r.PathValue("keyId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
