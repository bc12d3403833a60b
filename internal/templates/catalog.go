package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"text/template"
	"unicode"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

// localeFS holds the built-in texts, one YAML file per locale named by its
// BCP 47 tag. Data files rather than Go literals so that translators edit
// text, not code.
//
//go:embed locales/*.yaml
var localeFS embed.FS

// localeFile is the shape of a locale file; every key is required except
// the plural forms, which are the ones the locale's CLDR rule uses.
type localeFile struct {
	Meta struct {
		Name        string  `yaml:"name"`         // the language's own name
		Dir         string  `yaml:"dir"`          // ltr or rtl
		SentenceGap *string `yaml:"sentence_gap"` // between sentences: " ", or "" in Chinese and Japanese
		DigitGap    string  `yaml:"digit_gap"`    // between spelled characters: ", ", "、", "، "
	} `yaml:"meta"`
	Minutes map[string]string `yaml:"minutes"` // CLDR plural category → "{{.}} minutes"
	Share   string            `yaml:"share"`
	SMS     map[string]string `yaml:"sms"`   // purpose → text
	Voice   map[string]string `yaml:"voice"` // purpose → text, and "repeat"
	Email   struct {
		Subject map[string]string `yaml:"subject"` // purpose → subject
		Intro   map[string]string `yaml:"intro"`   // purpose → the sentence above the code
		Expires string            `yaml:"expires"`
		Ignore  string            `yaml:"ignore"`
	} `yaml:"email"`
}

// locale is a parsed locale file.
type locale struct {
	tag         string
	lang        language.Tag
	name        string
	rtl         bool
	sentenceGap string
	digitGap    string
	minutes     map[plural.Form]*template.Template
	texts       map[string]*template.Template // "share", "sms.<purpose>", "voice.repeat", "email.subject.<purpose>"...
}

// catalog is every built-in locale.
type catalog struct {
	locales map[string]*locale
	tags    []string // sorted
	matcher language.Matcher
	// supported is the matcher's list: English first, so that it is what
	// the matcher falls back to.
	supported []string
	// byCountry remembers fromCountry's answers for two-letter codes (at
	// most 676 of them): the likely-subtags lookup and the match cost
	// more than the rest of choosing a message's language.
	byCountry sync.Map // string → countryLocale
}

// countryLocale is a remembered answer of fromCountry.
type countryLocale struct {
	tag string
	ok  bool
}

// loadCatalog parses the embedded locale files once. A broken file is a
// build defect that the tests catch, so it is reported by Render rather
// than by a panic at start-up.
var loadCatalog = sync.OnceValues(func() (*catalog, error) {
	return parseCatalog(localeFS)
})

// pluralForms names the CLDR plural categories as the files spell them.
var pluralForms = map[string]plural.Form{
	"zero": plural.Zero, "one": plural.One, "two": plural.Two,
	"few": plural.Few, "many": plural.Many, "other": plural.Other,
}

func parseCatalog(fsys fs.FS) (*catalog, error) {
	entries, err := fs.ReadDir(fsys, "locales")
	if err != nil {
		return nil, fmt.Errorf("load locales: %w", err)
	}
	cat := &catalog{locales: map[string]*locale{}}
	for _, e := range entries {
		tag, ok := strings.CutSuffix(e.Name(), ".yaml")
		if !ok {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join("locales", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("load locale %s: %w", tag, err)
		}
		loc, err := parseLocale(tag, data)
		if err != nil {
			return nil, fmt.Errorf("load locale %s: %w", tag, err)
		}
		cat.locales[tag] = loc
		cat.tags = append(cat.tags, tag)
	}
	if cat.locales["en"] == nil {
		return nil, errors.New("load locales: no English texts")
	}
	slices.Sort(cat.tags)
	cat.supported = append([]string{"en"}, slices.DeleteFunc(slices.Clone(cat.tags), func(t string) bool { return t == "en" })...)
	tags := make([]language.Tag, len(cat.supported))
	for i, t := range cat.supported {
		tags[i] = cat.locales[t].lang
	}
	cat.matcher = language.NewMatcher(tags)
	return cat, nil
}

func parseLocale(tag string, data []byte) (*locale, error) {
	lang, err := language.Parse(tag)
	if err != nil || lang.String() != tag {
		return nil, fmt.Errorf("file name %q is not a canonical BCP 47 tag", tag)
	}
	var f localeFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	loc := &locale{
		tag:      tag,
		lang:     lang,
		name:     f.Meta.Name,
		rtl:      f.Meta.Dir == "rtl",
		digitGap: f.Meta.DigitGap,
		minutes:  map[plural.Form]*template.Template{},
		texts:    map[string]*template.Template{},
	}
	switch {
	case f.Meta.Name == "":
		return nil, errors.New("meta.name is missing")
	case f.Meta.Dir != "ltr" && f.Meta.Dir != "rtl":
		return nil, errors.New("meta.dir must be ltr or rtl")
	case f.Meta.SentenceGap == nil:
		return nil, errors.New("meta.sentence_gap is missing")
	case f.Meta.DigitGap == "":
		return nil, errors.New("meta.digit_gap is missing")
	}
	loc.sentenceGap = *f.Meta.SentenceGap

	for name, text := range f.Minutes {
		form, ok := pluralForms[name]
		if !ok {
			return nil, fmt.Errorf("minutes.%s is not a CLDR plural category", name)
		}
		t, err := template.New("minutes." + name).Option("missingkey=error").Parse(text)
		if err != nil {
			return nil, err
		}
		loc.minutes[form] = t
	}
	if loc.minutes[plural.Other] == nil {
		return nil, errors.New("minutes.other is missing")
	}

	texts := map[string]string{"share": f.Share, "email.expires": f.Email.Expires, "email.ignore": f.Email.Ignore}
	for _, group := range []struct {
		prefix string
		m      map[string]string
		extra  []string
	}{
		{"sms.", f.SMS, nil},
		{"voice.", f.Voice, []string{"repeat"}},
		{"email.subject.", f.Email.Subject, nil},
		{"email.intro.", f.Email.Intro, nil},
	} {
		want := append(slices.Clone(purposes), group.extra...)
		for k := range group.m {
			if !slices.Contains(want, k) {
				return nil, fmt.Errorf("%s%s is not a known key", group.prefix, k)
			}
		}
		for _, k := range want {
			texts[group.prefix+k] = group.m[k]
		}
	}
	for key, text := range texts {
		if strings.TrimSpace(text) == "" {
			return nil, fmt.Errorf("%s is missing", key)
		}
		t, err := template.New(key).Option("missingkey=error").Funcs(loc.funcs()).Parse(text)
		if err != nil {
			return nil, err
		}
		loc.texts[key] = t
	}
	return loc, nil
}

// funcs are the functions a text of loc can call.
func (l *locale) funcs() template.FuncMap {
	return template.FuncMap{
		"minutes": l.minutesText,
		"spell":   l.spell,
	}
}

// minutesText is "n minutes" in the locale's plural form for n.
func (l *locale) minutesText(n int) (string, error) {
	// Minutes are whole numbers: no visible fraction digits. The rules
	// take the absolute value, and large values modulo 10,000,000; an
	// override may pass any int.
	i := n % 10_000_000
	if i < 0 {
		i = -i
	}
	t := l.minutes[plural.Cardinal.MatchPlural(l.lang, i, 0, 0, 0, 0)]
	if t == nil {
		t = l.minutes[plural.Other]
	}
	var b strings.Builder
	if err := t.Execute(&b, n); err != nil {
		return "", err
	}
	return b.String(), nil
}

// spell writes the letters and digits of code one by one, separated so that
// a text-to-speech engine reads "4, 8, 2" rather than "four hundred and
// eighty-two". Other characters (a hyphen grouping the digits) are dropped.
func (l *locale) spell(code string) string {
	var parts []string
	for _, r := range code {
		if isAlnum(r) {
			parts = append(parts, string(r))
		}
	}
	return strings.Join(parts, l.digitGap)
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// execute renders the built-in text key.
func (l *locale) execute(key string, v Vars) (string, error) {
	var b strings.Builder
	if err := l.executeTo(&b, key, v); err != nil {
		return "", err
	}
	return b.String(), nil
}

// executeTo is execute writing to b.
func (l *locale) executeTo(b *strings.Builder, key string, v Vars) error {
	t := l.texts[key]
	if t == nil {
		return fmt.Errorf("render message: locale %s has no text %s", l.tag, key)
	}
	if err := t.Execute(b, v); err != nil {
		return fmt.Errorf("render message: %s %s: %w", l.tag, key, err)
	}
	return nil
}

// dir is the HTML dir attribute of the locale.
func (l *locale) dir() string {
	if l.rtl {
		return "rtl"
	}
	return "ltr"
}
