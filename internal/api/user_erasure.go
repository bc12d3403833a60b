package api

import (
	"net/http"
)

// erasureView counts what an erasure removed.
type erasureView struct {
	Users         int `json:"users"`         // user records, one per application
	Verifications int `json:"verifications"` // finished verifications, with their messages, events and callbacks
	TestMessages  int `json:"testMessages"`
	ChatLinks     int `json:"chatLinks"` // only the operator's erasure over every application removes them
	// Remaining verifications could not be removed yet (pending, in an
	// open session, or with events not yet counted): repeat the request
	// once they end, within their TTL.
	Remaining int `json:"remaining"`
}

func (s *Server) eraseUser(w http.ResponseWriter, r *http.Request) error {
	appID := "" // the console's, without ?appId=: every application it may see
	if a := appOrNil(r); a != nil {
		appID = a.ID
	}
	n, err := s.svc.EraseUser(r.Context(), appID, r.PathValue("phoneNumber"))
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, erasureView{Users: n.Users, Verifications: n.Verifications, TestMessages: n.TestMessages,
		ChatLinks: n.ChatLinks, Remaining: n.Remaining})
	return nil
}
