package templates

import (
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

func TestLocales(t *testing.T) {
	got := Locales()
	if len(got) < 22 {
		t.Errorf("Locales() has %d locales, want at least 22", len(got))
	}
	for _, want := range []string{"en", "ru", "uk", "es", "pt-BR", "pt-PT", "fr", "de", "it", "nl", "pl", "tr", "ar", "hi", "id", "zh-Hans", "ja", "ko", "vi", "th", "kk", "uz", "he", "cs", "sv", "ro"} {
		if !slices.Contains(got, want) {
			t.Errorf("Locales() lacks %s", want)
		}
	}
	if !slices.IsSorted(got) {
		t.Errorf("Locales() = %v, want sorted", got)
	}
	got[0] = "changed"
	if Locales()[0] == "changed" {
		t.Error("Locales() returns the catalog's own slice")
	}
}

// flatKeys lists the leaf keys of a locale file as dotted paths.
func flatKeys(t *testing.T, data []byte) map[string]string {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				walk(prefix+k+".", c)
			}
		default:
			out[strings.TrimSuffix(prefix, ".")] = fmt.Sprint(v)
		}
	}
	walk("", m)
	return out
}

func readLocaleFiles(t *testing.T) map[string]map[string]string {
	t.Helper()
	files, err := fs.Glob(localeFS, "locales/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, f := range files {
		data, err := fs.ReadFile(localeFS, f)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(strings.TrimPrefix(f, "locales/"), ".yaml")] = flatKeys(t, data)
	}
	return out
}

// TestLocaleFilesHaveSameKeys compares every file's keys with English's,
// plural forms aside (TestMinutesFormsMatchCLDR checks those).
func TestLocaleFilesHaveSameKeys(t *testing.T) {
	files := readLocaleFiles(t)
	keys := func(m map[string]string) []string {
		var ks []string
		for k := range m {
			if !strings.HasPrefix(k, "minutes.") {
				ks = append(ks, k)
			}
		}
		slices.Sort(ks)
		return ks
	}
	want := keys(files["en"])
	if len(want) < 20 {
		t.Fatalf("en has %d keys, want the full set: %v", len(want), want)
	}
	for tag, m := range files {
		got := keys(m)
		var missing, extra []string
		for _, k := range want {
			if !slices.Contains(got, k) {
				missing = append(missing, k)
			}
		}
		for _, k := range got {
			if !slices.Contains(want, k) {
				extra = append(extra, k)
			}
		}
		if len(missing) > 0 || len(extra) > 0 {
			t.Errorf("%s: missing keys %v, keys English lacks %v", tag, missing, extra)
		}
	}
}

// TestMinutesFormsMatchCLDR checks that each file has exactly the plural
// forms its CLDR rule produces for whole minutes, and "other".
func TestMinutesFormsMatchCLDR(t *testing.T) {
	names := map[plural.Form]string{}
	for name, f := range pluralForms {
		names[f] = name
	}
	for tag, m := range readLocaleFiles(t) {
		want := map[string]bool{"other": true}
		lang := language.MustParse(tag)
		for n := range 1000 {
			want[names[plural.Cardinal.MatchPlural(lang, n, 0, 0, 0, 0)]] = true
		}
		got := map[string]bool{}
		for k := range m {
			if form, ok := strings.CutPrefix(k, "minutes."); ok {
				got[form] = true
			}
		}
		if diff := cmp.Diff(slices.Sorted(maps.Keys(want)), slices.Sorted(maps.Keys(got))); diff != "" {
			t.Errorf("%s: minutes forms (-CLDR +file):\n%s", tag, diff)
		}
	}
}

func TestMinutesText(t *testing.T) {
	tests := []struct {
		locale string
		n      int
		want   string
	}{
		{"en", 1, "1 minute"},
		{"en", 2, "2 minutes"},
		{"en", 0, "0 minutes"},
		{"ru", 1, "1 минуту"},
		{"ru", 2, "2 минуты"},
		{"ru", 5, "5 минут"},
		{"ru", 11, "11 минут"},
		{"ru", 21, "21 минуту"},
		{"ru", 22, "22 минуты"},
		{"ru", 111, "111 минут"},
		{"uk", 1, "1 хвилину"},
		{"uk", 3, "3 хвилини"},
		{"uk", 12, "12 хвилин"},
		{"uk", 31, "31 хвилину"},
		{"pl", 1, "1 minutę"},
		{"pl", 2, "2 minuty"},
		{"pl", 5, "5 minut"},
		{"pl", 12, "12 minut"},
		{"pl", 21, "21 minut"},
		{"pl", 22, "22 minuty"},
		{"cs", 1, "1 minutu"},
		{"cs", 4, "4 minuty"},
		{"cs", 5, "5 minut"},
		{"cs", 22, "22 minut"},
		{"ar", 0, "0 دقيقة"},
		{"ar", 1, "دقيقة واحدة"},
		{"ar", 2, "دقيقتين"},
		{"ar", 3, "3 دقائق"},
		{"ar", 10, "10 دقائق"},
		{"ar", 11, "11 دقيقة"},
		{"ar", 99, "99 دقيقة"},
		{"ar", 100, "100 دقيقة"},
		{"ar", 103, "103 دقائق"},
		{"he", 1, "דקה אחת"},
		{"he", 2, "שתי דקות"},
		{"he", 5, "5 דקות"},
		{"he", 20, "20 דקות"},
		{"ro", 1, "1 minut"},
		{"ro", 5, "5 minute"},
		{"ro", 20, "20 de minute"},
		{"pt-BR", 1, "1 minuto"},
		{"pt-PT", 0, "0 minutos"},
		{"fr", 1, "1 minute"},
		{"de", 1, "1 Minute"},
		{"de", 10, "10 Minuten"},
		{"ja", 1, "1分"},
		{"ja", 5, "5分"},
		{"zh-Hans", 10, "10分钟"},
		{"ko", 3, "3분"},
		{"th", 3, "3 นาที"},
		{"en", -3, "-3 minutes"},
	}
	cat, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		got, err := cat.locales[tt.locale].minutesText(tt.n)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%s minutes(%d) = %q, want %q", tt.locale, tt.n, got, tt.want)
		}
	}
}

// TestMinutesInMessage checks the plural inside a rendered sentence.
func TestMinutesInMessage(t *testing.T) {
	tests := []struct {
		locale  string
		minutes int
		want    string
	}{
		{"ru", 1, "Действует 1 минуту."},
		{"ru", 21, "Действует 21 минуту."},
		{"ru", 11, "Действует 11 минут."},
		{"pl", 22, "Jest ważny przez 22 minuty."},
		{"ar", 2, "صالح لمدة دقيقتين."},
		{"en", 1, "It expires in 1 minute."},
	}
	for _, tt := range tests {
		c, err := Render(Request{Channel: "sms", Purpose: "verification", Locale: tt.locale, Vars: Vars{Code: "1234", AppName: "Acme", Minutes: tt.minutes}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(c.Body, tt.want) {
			t.Errorf("%s, %d minutes: %q lacks %q", tt.locale, tt.minutes, c.Body, tt.want)
		}
	}
}

const validLocale = `meta: {name: Test, dir: ltr, sentence_gap: " ", digit_gap: ", "}
minutes: {one: "{{.}} minute", other: "{{.}} minutes"}
share: s
sms: {verification: v, two_factor: t, password_reset: p, transaction: x}
voice: {verification: v, two_factor: t, password_reset: p, transaction: x, repeat: r}
email:
  subject: {verification: v, two_factor: t, password_reset: p, transaction: x}
  intro: {verification: v, two_factor: t, password_reset: p, transaction: x}
  expires: e
  ignore: i
`

func TestParseLocale(t *testing.T) {
	if _, err := parseLocale("en", []byte(validLocale)); err != nil {
		t.Fatalf("valid file: %v", err)
	}
	tests := []struct {
		name, tag, old, new, want string
	}{
		{"file name not canonical", "EN", "", "", "canonical"},
		{"file name not a tag", "english!", "", "", "canonical"},
		{"unknown top-level key", "en", "share: s", "share: s\nfooter: f", "field footer not found"},
		{"unknown purpose", "en", "sms: {", "sms: {signup: s, ", "sms.signup is not a known key"},
		{"missing purpose", "en", "two_factor: t, password_reset: p, transaction: x}\nvoice", "two_factor: t, password_reset: p}\nvoice", "sms.transaction is missing"},
		{"missing repeat", "en", ", repeat: r", "", "voice.repeat is missing"},
		{"empty share", "en", "share: s", "share: ''", "share is missing"},
		{"bad template", "en", "ignore: i", "ignore: '{{.Code'", "email.ignore"},
		{"unknown function", "en", "ignore: i", "ignore: '{{ordinal .Minutes}}'", `function "ordinal" not defined`},
		{"bad plural category", "en", "one:", "single:", "minutes.single is not a CLDR plural category"},
		{"no other form", "en", `, other: "{{.}} minutes"`, "", "minutes.other is missing"},
		{"bad dir", "en", "dir: ltr", "dir: up", "meta.dir"},
		{"no sentence gap", "en", `sentence_gap: " ", `, "", "meta.sentence_gap is missing"},
		{"no name", "en", "name: Test, ", "", "meta.name is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := validLocale
			if tt.old != "" {
				if !strings.Contains(data, tt.old) {
					t.Fatalf("test edits %q, which the sample lacks", tt.old)
				}
				data = strings.Replace(data, tt.old, tt.new, 1)
			}
			_, err := parseLocale(tt.tag, []byte(data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseLocale() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestParseCatalog(t *testing.T) {
	t.Run("no English", func(t *testing.T) {
		_, err := parseCatalog(fstest.MapFS{"locales/fr.yaml": {Data: []byte(validLocale)}})
		if err == nil || !strings.Contains(err.Error(), "no English") {
			t.Errorf("parseCatalog() error = %v, want no English", err)
		}
	})
	t.Run("broken file named", func(t *testing.T) {
		_, err := parseCatalog(fstest.MapFS{
			"locales/en.yaml": {Data: []byte(validLocale)},
			"locales/fr.yaml": {Data: []byte("share: [")},
		})
		if err == nil || !strings.Contains(err.Error(), "locale fr") {
			t.Errorf("parseCatalog() error = %v, want one naming fr", err)
		}
	})
	t.Run("English is the matcher's fallback", func(t *testing.T) {
		cat, err := parseCatalog(fstest.MapFS{
			"locales/ar.yaml": {Data: []byte(validLocale)},
			"locales/en.yaml": {Data: []byte(validLocale)},
			"locales/README":  {Data: []byte("not a locale")},
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"ar", "en"}, cat.tags); diff != "" {
			t.Errorf("tags (-want +got):\n%s", diff)
		}
		if cat.supported[0] != "en" {
			t.Errorf("supported[0] = %s, want en", cat.supported[0])
		}
	})
}
