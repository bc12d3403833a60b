package widget

import (
	"reflect"
	"testing"
)

// TestTexts: every text of the pages exists in both languages.
func TestTexts(t *testing.T) {
	for _, lang := range []string{"en", "ru"} {
		v := reflect.ValueOf(texts[lang])
		for i := range v.NumField() {
			if v.Field(i).String() == "" {
				t.Errorf("%s: %s is empty", lang, v.Type().Field(i).Name)
			}
		}
	}
}
