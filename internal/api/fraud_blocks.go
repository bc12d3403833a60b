package api

import (
	"net/http"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// blockView is a prefix sends may not go to now.
type blockView struct {
	Prefix  string    `json:"prefix" description:"An E.164 prefix of 3 to 7 digits, such as +88216"`
	Country string    `json:"country,omitempty" description:"The ISO 3166 region of most of the prefix's sends, when the detector set the block"`
	Reason  string    `json:"reason" description:"Why: the detector's counts, or the reason given by hand"`
	Auto    bool      `json:"auto" description:"Set by the pumping detector rather than by hand"`
	Since   time.Time `json:"since"`
	Until   time.Time `json:"until" description:"When the block ends by itself; a send before then is refused with 429 PREFIX_BLOCKED"`
}

func newBlockView(b otp.PrefixBlock) blockView {
	return blockView{Prefix: b.Prefix, Country: b.Country, Reason: b.Reason, Auto: b.Auto, Since: b.Since, Until: b.Until}
}

type blockRequest struct {
	Prefix  string `json:"prefix" description:"An E.164 prefix of 3 to 7 digits, such as +88216"`
	Minutes int    `json:"minutes" description:"How long the block lasts, 1 to 10080 (a week)"`
	Reason  string `json:"reason,omitempty" description:"Shown in the console; at most 500 bytes"`
}

func (s *Server) listPrefixBlocks(w http.ResponseWriter, r *http.Request) error {
	bs, err := s.svc.PrefixBlocks(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	views := make([]blockView, len(bs))
	for i, b := range bs {
		views[i] = newBlockView(b)
	}
	writeJSON(w, http.StatusOK, listBody{Data: views})
	return nil
}

func (s *Server) blockPrefix(w http.ResponseWriter, r *http.Request) error {
	var req blockRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	b, err := s.svc.BlockPrefix(r.Context(), r.PathValue("id"), otp.BlockInput{Prefix: req.Prefix, Minutes: req.Minutes, Reason: req.Reason})
	if err != nil {
		return err
	}
	writeData(w, http.StatusCreated, newBlockView(*b))
	return nil
}

func (s *Server) releasePrefix(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.svc.ReleasePrefix(r.Context(), r.PathValue("id"), r.PathValue("prefix")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// detectorView is a project's pumping detector settings as they apply
// (defaults filled in).
type detectorView struct {
	Enabled         bool    `json:"enabled"`
	MinSends        int     `json:"minSends" description:"Sends in the last hour below which a prefix is never blocked (default 50)"`
	ConversionRatio float64 `json:"conversionRatio" description:"A prefix is suspect converting below this share of its usual conversion (default 0.25)"`
	VolumeFactor    float64 `json:"volumeFactor" description:"... and sending above this many times its usual hourly volume (default 3)"`
	CoolingMinutes  int     `json:"coolingMinutes" description:"How long a block of the detector lasts (default 60)"`
}

type detectorRequest struct {
	Enabled         *bool    `json:"enabled"`
	MinSends        *int     `json:"minSends"`
	ConversionRatio *float64 `json:"conversionRatio"`
	VolumeFactor    *float64 `json:"volumeFactor"`
	CoolingMinutes  *int     `json:"coolingMinutes"`
}

func newDetectorView(d otp.PumpingDetector) detectorView {
	e := d.Effective()
	return detectorView{Enabled: !e.Disabled, MinSends: e.MinSends, ConversionRatio: e.ConversionRatio, VolumeFactor: e.VolumeFactor, CoolingMinutes: e.CoolingMinutes}
}

func (s *Server) getDetector(w http.ResponseWriter, r *http.Request) error {
	p, err := s.svc.GetProject(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newDetectorView(p.Fraud.Detector))
	return nil
}

// setDetector replaces the settings; a field left out takes its default.
func (s *Server) setDetector(w http.ResponseWriter, r *http.Request) error {
	var req detectorRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	var d otp.PumpingDetector
	if req.Enabled != nil {
		d.Disabled = !*req.Enabled
	}
	if req.MinSends != nil {
		d.MinSends = *req.MinSends
	}
	if req.ConversionRatio != nil {
		d.ConversionRatio = *req.ConversionRatio
	}
	if req.VolumeFactor != nil {
		d.VolumeFactor = *req.VolumeFactor
	}
	if req.CoolingMinutes != nil {
		d.CoolingMinutes = *req.CoolingMinutes
	}
	got, err := s.svc.SetDetector(r.Context(), r.PathValue("id"), d)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newDetectorView(got))
	return nil
}
