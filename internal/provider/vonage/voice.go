package vonage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"golang.org/x/text/language"

	"github.com/otpd/otpd/internal/otp"
)

// endpoint is a Voice API phone endpoint; numbers are E.164 without "+".
type endpoint struct {
	Type   string `json:"type"`
	Number string `json:"number"`
}

// talkAction is the NCCO action that speaks text.
type talkAction struct {
	Action   string `json:"action"`
	Text     string `json:"text"`
	Language string `json:"language"`
}

type callRequest struct {
	To       []endpoint   `json:"to"`
	From     endpoint     `json:"from"`
	NCCO     []talkAction `json:"ncco"`
	EventURL []string     `json:"event_url,omitempty"`
}

// problem is the RFC 7807 error body of Vonage's newer APIs.
type problem struct {
	Type              string `json:"type"`
	Title             string `json:"title"`
	Detail            string `json:"detail"`
	InvalidParameters []struct {
		Name   string `json:"name"`
		Reason string `json:"reason"`
	} `json:"invalid_parameters"`
}

func (p *Provider) call(ctx context.Context, m otp.OutgoingMessage, to string) (otp.SendResult, error) {
	from := p.cfg.VoiceFrom
	if p.cfg.AllowCallerID && isNumber(m.CallerID) {
		from = m.CallerID
	}
	body, err := json.Marshal(callRequest{
		To:   []endpoint{{Type: "phone", Number: to}},
		From: endpoint{Type: "phone", Number: strings.TrimPrefix(from, "+")},
		// Body is spoken once: the voice templates already spell the code
		// digit by digit and repeat it.
		NCCO:     []talkAction{{Action: "talk", Text: m.Body, Language: voiceLanguage(m.Locale)}},
		EventURL: nonEmpty(p.cfg.VoiceEventURL),
	})
	if err != nil {
		return otp.SendResult{}, fmt.Errorf("vonage call: %w", err)
	}
	token, err := p.voiceToken()
	if err != nil {
		return otp.SendResult{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.voiceBase+"/v1/calls", bytes.NewReader(body))
	if err != nil {
		return otp.SendResult{}, fmt.Errorf("vonage call: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, answer, err := p.do(req)
	if err != nil {
		return otp.SendResult{}, err
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return otp.SendResult{}, p.voiceError(resp, answer)
	}
	var created struct {
		UUID string `json:"uuid"`
	}
	if err := json.Unmarshal(answer, &created); err != nil {
		return otp.SendResult{}, p.malformed("the call answer is not JSON")
	}
	if created.UUID == "" {
		return otp.SendResult{}, p.malformed("the call answer has no uuid")
	}
	// The call's uuid is what its voice events carry.
	return otp.SendResult{Provider: p.cfg.Name, ProviderMessageID: created.UUID}, nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// toParameter recognises a Voice API invalid parameter that is the
// destination: "to", "to[0].number", "to.number".
var toParameter = regexp.MustCompile(`^to\b`)

// voiceError maps a Voice API refusal. 400 is permanent when the invalid
// parameter is the destination number; other 4xx answers — 400 for our
// own parameters, 401 and 403 (our JWT, application or account), 402 (the
// balance), 404 — are refused; 429 (with Retry-After) and 5xx are
// transient.
func (p *Provider) voiceError(resp *http.Response, body []byte) error {
	var prob problem
	_ = json.Unmarshal(body, &prob) // the body is only a reason; the status decides
	detail := prob.Title
	if prob.Detail != "" {
		if detail != "" {
			detail += ": "
		}
		detail += prob.Detail
	}
	e := p.httpError(resp, detail)
	if resp.StatusCode == http.StatusBadRequest {
		for _, ip := range prob.InvalidParameters {
			if toParameter.MatchString(ip.Name) {
				e.Permanent, e.Refused = true, false
				e.Message = redactNumbers(fmt.Sprintf("invalid destination number: %s", ip.Reason))
			}
		}
	}
	return e
}

// voiceLanguages are the talk action's language codes (Vonage's Voice API
// reference). The default for a base language is the first match below.
var voiceLanguages = map[string]bool{
	"ar": true, "ca-ES": true, "cmn-CN": true, "cmn-TW": true, "cs-CZ": true, "cy-GB": true,
	"da-DK": true, "de-DE": true, "el-GR": true, "en-AU": true, "en-GB": true, "en-IN": true,
	"en-US": true, "en-ZA": true, "es-ES": true, "es-MX": true, "es-US": true, "eu-ES": true,
	"fi-FI": true, "fil-PH": true, "fr-CA": true, "fr-FR": true, "he-IL": true, "hi-IN": true,
	"hu-HU": true, "id-ID": true, "is-IS": true, "it-IT": true, "ja-JP": true, "ko-KR": true,
	"nb-NO": true, "nl-NL": true, "pl-PL": true, "pt-BR": true, "pt-PT": true, "ro-RO": true,
	"ru-RU": true, "sk-SK": true, "sv-SE": true, "th-TH": true, "tr-TR": true, "uk-UA": true,
	"vi-VN": true, "yue-CN": true,
}

// voiceDefaults picks the voice of a language whose region is absent or
// has no voice of its own.
var voiceDefaults = map[string]string{
	"ar": "ar", "ca": "ca-ES", "cs": "cs-CZ", "cy": "cy-GB", "da": "da-DK", "de": "de-DE",
	"el": "el-GR", "en": "en-US", "es": "es-ES", "eu": "eu-ES", "fi": "fi-FI", "fil": "fil-PH",
	"tl": "fil-PH", "fr": "fr-FR", "he": "he-IL", "hi": "hi-IN", "hu": "hu-HU", "id": "id-ID",
	"is": "is-IS", "it": "it-IT", "ja": "ja-JP", "ko": "ko-KR", "nb": "nb-NO", "no": "nb-NO",
	"nn": "nb-NO", "nl": "nl-NL", "pl": "pl-PL", "pt": "pt-BR", "ro": "ro-RO", "ru": "ru-RU",
	"sk": "sk-SK", "sv": "sv-SE", "th": "th-TH", "tr": "tr-TR", "uk": "uk-UA", "vi": "vi-VN",
	"yue": "yue-CN", "zh": "cmn-CN",
}

// fallbackVoice speaks locales Vonage has no voice for.
const fallbackVoice = "en-US"

// voiceLanguage maps a BCP 47 locale to Vonage's language code: the exact
// language and region when Vonage has it, else the language's default
// voice, else en-US.
func voiceLanguage(locale string) string {
	tag, err := language.Parse(locale)
	if err != nil {
		return fallbackVoice
	}
	base, _ := tag.Base()
	b := base.String()
	region, conf := tag.Region()
	r := ""
	if conf == language.Exact {
		r = region.String()
	}
	script, sconf := tag.Script()
	switch {
	case b == "zh" && (r == "HK" || r == "MO"):
		return "yue-CN"
	case b == "zh" && (r == "TW" || (sconf == language.Exact && script.String() == "Hant")):
		return "cmn-TW"
	case b == "es" && r != "" && r != "ES" && r != "US":
		return "es-MX" // Latin American Spanish
	case b == "pt" && r != "" && r != "BR":
		return "pt-PT" // European and African Portuguese
	case b == "en" && r == "NZ":
		return "en-AU"
	case b == "en" && r == "IE":
		return "en-GB"
	}
	if r != "" && voiceLanguages[b+"-"+r] {
		return b + "-" + r
	}
	if v, ok := voiceDefaults[b]; ok {
		return v
	}
	return fallbackVoice
}
