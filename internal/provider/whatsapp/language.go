package whatsapp

import (
	"slices"
	"strings"
)

// supportedLanguages are the language codes WhatsApp accepts for message
// templates, as Meta lists them under "Supported Languages".
var supportedLanguages = map[string]bool{
	"af": true, "sq": true, "ar": true, "az": true, "bn": true, "bg": true, "ca": true,
	"zh_CN": true, "zh_HK": true, "zh_TW": true, "hr": true, "cs": true, "da": true, "nl": true,
	"en": true, "en_GB": true, "en_US": true, "et": true, "fil": true, "fi": true, "fr": true,
	"ka": true, "de": true, "el": true, "gu": true, "ha": true, "he": true, "hi": true,
	"hu": true, "id": true, "ga": true, "it": true, "ja": true, "kn": true, "kk": true,
	"rw_RW": true, "ko": true, "ky_KG": true, "lo": true, "lv": true, "lt": true, "mk": true,
	"ms": true, "ml": true, "mr": true, "nb": true, "fa": true, "pl": true, "pt_BR": true,
	"pt_PT": true, "pa": true, "ro": true, "ru": true, "sr": true, "sk": true, "sl": true,
	"es": true, "es_AR": true, "es_ES": true, "es_MX": true, "sw": true, "sv": true, "ta": true,
	"te": true, "th": true, "tr": true, "uk": true, "ur": true, "uz": true, "vi": true, "zu": true,
}

// languageAliases maps BCP 47 language subtags WhatsApp spells otherwise.
var languageAliases = map[string]string{
	"no": "nb", "nn": "nb", // WhatsApp has one Norwegian, under nb
	"tl": "fil",
	"iw": "he", // deprecated subtags still seen in old clients
	"in": "id",
}

// languageDefaults is the code to use for a language given without a
// region that WhatsApp only has with one (or that is most often approved
// with one: authentication templates are usually created in en_US).
var languageDefaults = map[string]string{
	"en": "en_US",
	"pt": "pt_BR",
	"zh": "zh_CN",
	"rw": "rw_RW",
	"ky": "ky_KG",
}

// templateLanguage picks the template language code for a BCP 47 locale:
// the exact language and region if WhatsApp (or template_languages) has
// it, then the language's usual code, then the bare language, then any
// configured code of the same language, and language_fallback last.
func (p *Provider) templateLanguage(locale string) string {
	available := func(code string) bool {
		if len(p.cfg.TemplateLanguages) > 0 {
			return slices.Contains(p.cfg.TemplateLanguages, code)
		}
		return supportedLanguages[code]
	}
	lang, script, region := parseLocale(locale)
	if lang == "" {
		return p.cfg.LanguageFallback
	}
	for _, code := range candidates(lang, script, region) {
		if available(code) {
			return code
		}
	}
	for _, code := range p.cfg.TemplateLanguages {
		if strings.HasPrefix(code, lang+"_") {
			return code
		}
	}
	return p.cfg.LanguageFallback
}

// candidates lists the codes that would suit lang-script-region, best first.
func candidates(lang, script, region string) []string {
	var out []string
	if lang == "zh" {
		// Chinese is chosen by script as much as by region.
		switch {
		case region == "HK" || region == "MO":
			out = append(out, "zh_HK", "zh_TW")
		case region == "TW" || script == "Hant":
			out = append(out, "zh_TW", "zh_HK")
		}
		return append(out, "zh_CN")
	}
	if region != "" {
		out = append(out, lang+"_"+region)
	}
	if d, ok := languageDefaults[lang]; ok {
		out = append(out, d)
	}
	return append(out, lang)
}

// parseLocale splits a BCP 47 tag ("pt-BR", "zh-Hant-TW", "en_GB") into a
// lowercase language, a title-case script and an uppercase region, any of
// which may be empty.
func parseLocale(locale string) (lang, script, region string) {
	parts := strings.FieldsFunc(locale, func(r rune) bool { return r == '-' || r == '_' })
	if len(parts) == 0 {
		return "", "", ""
	}
	lang = strings.ToLower(parts[0])
	if a, ok := languageAliases[lang]; ok {
		lang = a
	}
	for _, p := range parts[1:] {
		switch {
		case len(p) == 4 && script == "" && region == "":
			script = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
		case (len(p) == 2 || (len(p) == 3 && isDigits(p))) && region == "":
			region = strings.ToUpper(p)
		}
	}
	return lang, script, region
}

func isDigits(s string) bool {
	return strings.Trim(s, "0123456789") == ""
}
