package templates

import (
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// countryLanguage overrides, for a few countries, the language CLDR deems
// most likely there. In India and the Philippines one-time codes are
// customarily sent in English, which far more phone users read than Hindi
// or Filipino.
//
// Choices left to CLDR, for the record: KZ, BY, KG and TJ get Russian,
// the language most widely read there (Kazakh stays available when asked
// for by tag); UA gets Ukrainian; UZ Uzbek; BR pt-BR while PT, AO, MZ get
// pt-PT; TW, HK and MO zh-Hant while CN and SG get zh-Hans; CH German;
// BE Dutch.
var countryLanguage = map[string]string{
	"IN": "en",
	"PH": "en",
}

// Resolve picks the supported locale a message is written in: the
// requested tag or Accept-Language list when it matches one (pt → pt-BR,
// es-419 → es, zh-CN → zh-Hans, "RU" → ru, "ru_RU" → ru); otherwise the
// main language of the phone's country (ISO 3166 region such as "RU");
// otherwise the project's default; otherwise English.
//
// A match must be close enough that the reader understands the text:
// regional variants and languages whose speakers CLDR says read another
// (Belarusian → Russian, Malay → Indonesian) match; Norwegian does not
// match Swedish, nor Catalan Spanish.
func Resolve(requested, phoneCountry, projectDefault string) string {
	cat, err := loadCatalog()
	if err != nil {
		return "en"
	}
	if t, ok := cat.find(requested); ok {
		return t
	}
	if t, ok := cat.fromCountry(phoneCountry); ok {
		return t
	}
	return cat.match(projectDefault, "en")
}

// Locales lists the supported locales, sorted.
func Locales() []string {
	cat, err := loadCatalog()
	if err != nil {
		return nil
	}
	return slices.Clone(cat.tags)
}

// match is the supported locale for s, or def.
func (c *catalog) match(s, def string) string {
	if t, ok := c.find(s); ok {
		return t
	}
	return def
}

// find matches a tag or Accept-Language list against the supported locales.
func (c *catalog) find(s string) (string, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "_", "-"))
	if s == "" {
		return "", false
	}
	if _, ok := c.locales[s]; ok {
		return s, true
	}
	tags, _, err := language.ParseAcceptLanguage(s)
	if err != nil || len(tags) == 0 {
		return "", false
	}
	return c.best(tags...)
}

// best is the matcher's choice when it is confident.
func (c *catalog) best(tags ...language.Tag) (string, bool) {
	_, i, conf := c.matcher.Match(tags...)
	// Low is a guess (Latin-script Azerbaijani → Russian); No is the
	// matcher's default.
	if conf < language.High {
		return "", false
	}
	return c.supported[i], true
}

// fromCountry is the supported locale of a country's main language.
func (c *catalog) fromCountry(country string) (string, bool) {
	country = strings.ToUpper(strings.TrimSpace(country))
	if t, ok := countryLanguage[country]; ok {
		return t, true
	}
	if len(country) != 2 {
		return "", false
	}
	if r, ok := c.byCountry.Load(country); ok {
		cl := r.(countryLocale)
		return cl.tag, cl.ok
	}
	tag, ok := c.likelyLocale(country)
	c.byCountry.Store(country, countryLocale{tag, ok})
	return tag, ok
}

// likelyLocale is the supported locale of the likely language of country,
// a two-letter code.
func (c *catalog) likelyLocale(country string) (string, bool) {
	region, err := language.ParseRegion(country)
	if err != nil || !region.IsCountry() {
		return "", false
	}
	// CLDR likely subtags: und-BR → pt-Latn-BR, und-TW → zh-Hant-TW.
	likely := language.Make("und-" + region.String())
	base, _ := likely.Base()
	script, _ := likely.Script()
	tag, err := language.Compose(base, script, region)
	if err != nil {
		return "", false
	}
	return c.best(tag)
}
