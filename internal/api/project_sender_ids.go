package api

import "net/http"

type senderIDsRequest struct {
	// ApprovedSenderIDs replaces the project's list; [] clears it.
	ApprovedSenderIDs []string `json:"approvedSenderIds"`
}

func (s *Server) setApprovedSenderIDs(w http.ResponseWriter, r *http.Request) error {
	var req senderIDsRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	p, err := s.svc.SetApprovedSenderIDs(r.Context(), r.PathValue("id"), req.ApprovedSenderIDs)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newProjectView(p))
	return nil
}
