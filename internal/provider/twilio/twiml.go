package twilio

import (
	"encoding/xml"
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// sayTwiML is the call's TwiML: a one-second pause, because the first
// words of a call are often lost while the callee lifts the phone, then
// text spoken once in lang. The templates already repeat the code.
func sayTwiML(lang, text string) string {
	var b strings.Builder
	b.WriteString(`<Response><Pause length="1"/><Say language="`)
	b.WriteString(lang) // from sayLanguages: letters and '-' only
	b.WriteString(`">`)
	// EscapeText cannot fail on a strings.Builder; it also replaces
	// characters XML forbids, which would make Twilio reject the call.
	_ = xml.EscapeText(&b, []byte(text))
	b.WriteString(`</Say></Response>`)
	return b.String()
}

// defaultSayLanguage is Twilio's own default for <Say>.
const defaultSayLanguage = "en-US"

// sayLanguages lists, per language, the regions Twilio's <Say> speaks
// (its Amazon Polly and Google voices), the default region first.
var sayLanguages = map[string][]string{
	"af":  {"ZA"},
	"ar":  {"AE"},
	"bg":  {"BG"},
	"bn":  {"IN"},
	"ca":  {"ES"},
	"cs":  {"CZ"},
	"cy":  {"GB"},
	"da":  {"DK"},
	"de":  {"DE", "AT", "CH"},
	"el":  {"GR"},
	"en":  {"US", "GB", "AU", "CA", "IE", "IN", "NZ", "ZA"},
	"es":  {"ES", "MX", "US"},
	"eu":  {"ES"},
	"fi":  {"FI"},
	"fil": {"PH"},
	"fr":  {"FR", "CA", "BE"},
	"gl":  {"ES"},
	"gu":  {"IN"},
	"he":  {"IL"},
	"hi":  {"IN"},
	"hu":  {"HU"},
	"id":  {"ID"},
	"is":  {"IS"},
	"it":  {"IT"},
	"ja":  {"JP"},
	"kn":  {"IN"},
	"ko":  {"KR"},
	"lt":  {"LT"},
	"lv":  {"LV"},
	"ml":  {"IN"},
	"mr":  {"IN"},
	"ms":  {"MY"},
	"nb":  {"NO"},
	"nl":  {"NL", "BE"},
	"pa":  {"IN"},
	"pl":  {"PL"},
	"pt":  {"BR", "PT"},
	"ro":  {"RO"},
	"ru":  {"RU"},
	"sk":  {"SK"},
	"sr":  {"RS"},
	"sv":  {"SE"},
	"ta":  {"IN"},
	"te":  {"IN"},
	"th":  {"TH"},
	"tr":  {"TR"},
	"uk":  {"UA"},
	"vi":  {"VN"},
	"yue": {"HK"},
	"zh":  {"CN", "TW", "HK"},
}

// languageAliases maps tags Twilio knows under another name.
var languageAliases = map[string]string{
	"no": "nb", // Norwegian is spoken as Bokmål
	"tl": "fil",
}

// sayLanguage maps a BCP 47 locale to a <Say> language: the locale's own
// region when Twilio speaks it, else the region the locale most likely
// means (zh-Hant → zh-TW, pt → pt-BR), else the language's default
// region, else en-US.
func sayLanguage(locale string) string {
	tag, err := language.Parse(locale)
	if err != nil || locale == "" {
		return defaultSayLanguage
	}
	base, _ := tag.Base()
	b := base.String()
	if alias, ok := languageAliases[b]; ok {
		b = alias
	}
	regions, ok := sayLanguages[b]
	if !ok {
		return defaultSayLanguage
	}
	// Region infers a likely region when the tag has none.
	if r, conf := tag.Region(); conf != language.No && slices.Contains(regions, r.String()) {
		return b + "-" + r.String()
	}
	return b + "-" + regions[0]
}
