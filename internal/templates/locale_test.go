package templates

import "testing"

func TestResolve(t *testing.T) {
	tests := []struct {
		name                                    string
		requested, phoneCountry, projectDefault string
		want                                    string
	}{
		{"exact", "ru", "", "", "ru"},
		{"upper case", "RU", "", "", "ru"},
		{"underscore", "ru_RU", "", "", "ru"},
		{"region variant", "de-AT", "", "", "de"},
		{"pt is Brazilian", "pt", "", "", "pt-BR"},
		{"pt-BR", "pt-BR", "", "", "pt-BR"},
		{"pt-PT", "pt-PT", "", "", "pt-PT"},
		{"Angolan Portuguese", "pt-AO", "", "", "pt-PT"},
		{"Latin American Spanish", "es-419", "", "", "es"},
		{"Mexican Spanish", "es-MX", "", "", "es"},
		{"zh-CN", "zh-CN", "", "", "zh-Hans"},
		{"zh-TW", "zh-TW", "", "", "zh-Hant"},
		{"zh-HK", "zh-HK", "", "", "zh-Hant"},
		{"zh alone", "zh", "", "", "zh-Hans"},
		{"old Hebrew code", "iw", "", "", "he"},
		{"Malay reads Indonesian", "ms", "", "", "id"},
		{"Belarusian reads Russian", "be", "", "", "ru"},
		{"Accept-Language list", "sw, fr-CH;q=0.9, en;q=0.8", "", "", "fr"},
		{"unsupported falls to country", "nb", "UA", "", "uk"},
		{"garbage falls to country", "%%%", "de", "", "de"},
		{"empty falls to country", "", "BR", "", "pt-BR"},
		{"Portugal", "", "PT", "", "pt-PT"},
		{"Mozambique", "", "MZ", "", "pt-PT"},
		{"Taiwan", "", "TW", "", "zh-Hant"},
		{"China", "", "CN", "", "zh-Hans"},
		{"Kazakhstan reads Russian", "", "KZ", "", "ru"},
		{"Kazakh when asked", "kk", "KZ", "", "kk"},
		{"Uzbekistan", "", "UZ", "", "uz"},
		{"Belarus", "", "BY", "", "ru"},
		{"India gets English", "", "IN", "ru", "en"},
		{"Hindi when asked", "hi", "IN", "", "hi"},
		{"Philippines gets English", "", "PH", "de", "en"},
		{"Israel", "", "IL", "", "he"},
		{"Egypt", "", "EG", "", "ar"},
		{"Switzerland", "", "CH", "", "de"},
		{"country in lower case", "", "fr", "", "fr"},
		{"unsupported country language falls to default", "", "NO", "sv", "sv"},
		{"unknown country falls to default", "", "ZZ", "ja", "ja"},
		{"not a country falls to default", "", "EUR", "ja", "ja"},
		{"default matched too", "", "", "es-AR", "es"},
		{"unsupported default is English", "", "", "nb", "en"},
		{"nothing is English", "", "", "", "en"},
		{"Norwegian is not taken for Swedish", "nb", "", "de", "de"},
		{"a low-confidence guess is not taken", "az-Latn", "", "tr", "tr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 { // the second time from the per-country memo
				if got := Resolve(tt.requested, tt.phoneCountry, tt.projectDefault); got != tt.want {
					t.Errorf("Resolve(%q, %q, %q) = %q, want %q", tt.requested, tt.phoneCountry, tt.projectDefault, got, tt.want)
				}
			}
		})
	}
}
