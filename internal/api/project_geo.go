package api

import (
	"net/http"

	"github.com/otpd/otpd/internal/otp"
)

// geoSettingsView is a project's geo permissions and the number types it
// sends to: the body of GET and of PUT /v1/projects/{id}/fraud/geo.
type geoSettingsView struct {
	Geo         *geoPermissionsView `json:"geo" description:"Where each channel may send; required in a PUT"`
	NumberTypes numberTypesView     `json:"numberTypes"`
}

// geoPermissionsView is otp.GeoPermissions: a rule set per phone channel,
// null for a channel that follows default.
type geoPermissionsView struct {
	Default  geoRulesView  `json:"default" description:"The rules of channels without their own"`
	SMS      *geoRulesView `json:"sms" description:"The sms channel's own rules; null: it follows default"`
	Voice    *geoRulesView `json:"voice" description:"The voice channel's own rules; null: it follows default"`
	WhatsApp *geoRulesView `json:"whatsapp" description:"The whatsapp channel's own rules; null: it follows default"`
	Telegram *geoRulesView `json:"telegram" description:"The telegram channel's own rules; null: it follows default"`
}

// geoRulesView is one rule set: the longest matching prefix rule
// decides, else the country list.
type geoRulesView struct {
	Mode      string           `json:"mode" enum:"all,allow,deny" description:"all: every country (countries empty); allow: only the countries listed; deny: all but them"`
	Countries []string         `json:"countries" description:"ISO 3166 regions in upper case, such as GB"`
	Prefixes  []prefixRuleView `json:"prefixes" description:"Number prefix rules; the longest that matches a number decides before the country list"`
}

type prefixRuleView struct {
	Prefix string `json:"prefix" description:"+ and 3 to 7 digits of an international number, such as +4470"`
	Action string `json:"action" enum:"allow,deny"`
}

type numberTypesView struct {
	Allowed []string `json:"allowed" description:"The number types sends may go to (mobile, fixed_line, fixed_line_or_mobile, voip, personal_number, pager, toll_free, premium_rate, shared_cost, uan, voicemail, unknown); empty in a PUT means the default, mobile, fixed_line, fixed_line_or_mobile and voip"`
}

func newGeoSettingsView(g otp.GeoSettings) geoSettingsView {
	v := geoSettingsView{Geo: &geoPermissionsView{
		Default: newGeoRulesView(g.Geo.Default), SMS: newGeoRulesViewOf(g.Geo.SMS), Voice: newGeoRulesViewOf(g.Geo.Voice),
		WhatsApp: newGeoRulesViewOf(g.Geo.WhatsApp), Telegram: newGeoRulesViewOf(g.Geo.Telegram),
	}}
	// The effective list, so that a reader sees what is refused.
	for _, t := range g.NumberTypes.Effective() {
		v.NumberTypes.Allowed = append(v.NumberTypes.Allowed, string(t))
	}
	return v
}

func newGeoRulesViewOf(r *otp.GeoRules) *geoRulesView {
	if r == nil {
		return nil
	}
	v := newGeoRulesView(*r)
	return &v
}

func newGeoRulesView(r otp.GeoRules) geoRulesView {
	v := geoRulesView{Mode: string(r.Mode), Countries: r.Countries, Prefixes: []prefixRuleView{}}
	if v.Mode == "" {
		v.Mode = string(otp.GeoAll)
	}
	if v.Countries == nil {
		v.Countries = []string{}
	}
	for _, p := range r.Prefixes {
		v.Prefixes = append(v.Prefixes, prefixRuleView{Prefix: p.Prefix, Action: string(p.Action)})
	}
	return v
}

func (v geoSettingsView) settings() otp.GeoSettings {
	var g otp.GeoSettings
	if v.Geo != nil {
		g.Geo = otp.GeoPermissions{Default: v.Geo.Default.rules(), SMS: v.Geo.SMS.rulesOf(), Voice: v.Geo.Voice.rulesOf(),
			WhatsApp: v.Geo.WhatsApp.rulesOf(), Telegram: v.Geo.Telegram.rulesOf()}
	}
	for _, t := range v.NumberTypes.Allowed {
		g.NumberTypes.Allowed = append(g.NumberTypes.Allowed, otp.NumberType(t))
	}
	return g
}

func (v *geoRulesView) rulesOf() *otp.GeoRules {
	if v == nil {
		return nil
	}
	r := v.rules()
	return &r
}

func (v geoRulesView) rules() otp.GeoRules {
	r := otp.GeoRules{Mode: otp.GeoMode(v.Mode), Countries: v.Countries}
	for _, p := range v.Prefixes {
		r.Prefixes = append(r.Prefixes, otp.PrefixRule{Prefix: p.Prefix, Action: otp.RuleAction(p.Action)})
	}
	return r
}

func (s *Server) getGeoSettings(w http.ResponseWriter, r *http.Request) error {
	g, err := s.svc.GeoSettings(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newGeoSettingsView(g))
	return nil
}

func (s *Server) setGeoSettings(w http.ResponseWriter, r *http.Request) error {
	var req geoSettingsView
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	if req.Geo == nil {
		return &otp.Error{Code: otp.CodeInvalidParameter, Key: "required", Field: "geo",
			Message: "geo is required: the body is the whole of the project's geo settings"}
	}
	g, err := s.svc.SetGeoSettings(r.Context(), r.PathValue("id"), req.settings())
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newGeoSettingsView(g))
	return nil
}
