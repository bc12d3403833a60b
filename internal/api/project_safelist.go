package api

import "net/http"

// safelistView is a project's safelist; the PUT body is the same.
type safelistView struct {
	Safelist []string `json:"safelist" description:"Phone numbers (E.164) and email addresses that skip the send budgets (not the geo rules), at most 100; an address covers its +tag variants; [] clears the list"`
}

func newSafelistView(ds []string) safelistView {
	return safelistView{Safelist: append(make([]string, 0, len(ds)), ds...)}
}

func (s *Server) getSafelist(w http.ResponseWriter, r *http.Request) error {
	ds, err := s.svc.Safelist(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newSafelistView(ds))
	return nil
}

func (s *Server) setSafelist(w http.ResponseWriter, r *http.Request) error {
	var req safelistView
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	ds, err := s.svc.SetSafelist(r.Context(), r.PathValue("id"), req.Safelist)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newSafelistView(ds))
	return nil
}
