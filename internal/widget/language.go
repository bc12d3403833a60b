package widget

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/otpd/otpd/internal/httpjson"
)

// pageLanguage is the language of the page's own texts, English or
// Russian: ?lang=, else the browser's (Accept-Language) when it names
// either, else the project's default locale when it is Russian.
func pageLanguage(r *http.Request, projectLocale string) string {
	switch l := strings.ToLower(r.URL.Query().Get("lang")); l {
	case "en", "ru":
		return l
	}
	header := r.Header.Get("Accept-Language")
	for _, part := range strings.Split(header, ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if base, _, _ := strings.Cut(strings.ToLower(tag), "-"); base == "en" || base == "ru" {
			return httpjson.PreferredLanguage(header)
		}
	}
	if base, _, _ := strings.Cut(strings.ToLower(projectLocale), "-"); base == "ru" {
		return "ru"
	}
	return "en"
}

// localeTag is a language tag as the page passes it on: letters, digits
// and hyphens only, since it ends up in a request header.
var localeTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$`)

// messageLocale is the language of the message that carries the code:
// ?locale= (any language otpd has texts for, e.g. de or pt-BR), else
// ?lang=, else the browser's first language. "" leaves it to the session
// flow (the phone's country, then the project).
func messageLocale(r *http.Request) string {
	q := r.URL.Query()
	for _, v := range []string{q.Get("locale"), q.Get("lang")} {
		if localeTag.MatchString(v) {
			return v
		}
	}
	first, _, _ := strings.Cut(r.Header.Get("Accept-Language"), ",")
	tag, _, _ := strings.Cut(first, ";")
	if tag = strings.TrimSpace(tag); localeTag.MatchString(tag) {
		return tag
	}
	return ""
}

// pageTexts are the texts the server writes into a page; the flow's own
// texts are in the script.
type pageTexts struct {
	Title, NoScript, Footer                  string
	NotFoundTitle, NotFound                  string
	BadLinkTitle, BadLink                    string
	UnavailableTitle, Unavailable            string
	BusyTitle, Busy, BrokenTitle, BrokenText string
}

var texts = map[string]pageTexts{
	"en": {
		Title:            "Verification",
		NoScript:         "This page needs JavaScript to send and check your code.",
		Footer:           "Verification by otpd",
		NotFoundTitle:    "Page not found",
		NotFound:         "There is no verification page at this address. Check the link you followed, or go back to the site that sent you here.",
		BadLinkTitle:     "This link cannot be used",
		BadLink:          "The link from the site that sent you here is not set up correctly. Go back to the site and try again, or let its owners know.",
		UnavailableTitle: "Verification unavailable",
		Unavailable:      "This site's verification is switched off. Go back to the site that sent you here.",
		BusyTitle:        "Too many requests",
		Busy:             "Too many people are verifying through this site right now. Wait a minute and reload the page.",
		BrokenTitle:      "Something went wrong",
		BrokenText:       "The page could not be prepared. Reload it in a moment.",
	},
	"ru": {
		Title:            "Подтверждение",
		NoScript:         "Чтобы отправить и проверить код, на этой странице нужен JavaScript.",
		Footer:           "Подтверждение через otpd",
		NotFoundTitle:    "Страница не найдена",
		NotFound:         "По этому адресу нет страницы подтверждения. Проверьте ссылку или вернитесь на сайт, который вас сюда направил.",
		BadLinkTitle:     "Этой ссылкой нельзя воспользоваться",
		BadLink:          "Ссылка с сайта, который вас сюда направил, настроена неправильно. Вернитесь на сайт и попробуйте снова или сообщите его владельцам.",
		UnavailableTitle: "Подтверждение недоступно",
		Unavailable:      "Подтверждение для этого сайта отключено. Вернитесь на сайт, который вас сюда направил.",
		BusyTitle:        "Слишком много запросов",
		Busy:             "Сейчас через этот сайт подтверждают слишком много людей. Подождите минуту и обновите страницу.",
		BrokenTitle:      "Что-то пошло не так",
		BrokenText:       "Не удалось подготовить страницу. Обновите её чуть позже.",
	},
}
