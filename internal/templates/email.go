package templates

import (
	_ "embed"
	"html/template"
	"strings"
)

// emailLayoutText is the HTML part of every email: one narrow card, inline
// styles because mail clients drop <style>, tables because Outlook ignores
// max-width on divs, and the code in a large monospace box marked dir=ltr
// so that it reads the same inside right-to-left text. html/template
// escapes every text, the app name included.
//
//go:embed email.html
var emailLayoutText string

var emailLayout = template.Must(template.New("email").Parse(emailLayoutText))

// emailPage is what the layout shows.
type emailPage struct {
	Lang, Dir, Title string
	RTL              bool
	Before           []paragraph // above the code box
	Code             string      // the code box; empty for an override
	After            []paragraph // below it
	Footer           string      // small print
}

// paragraph is lines of text segments; a segment that is the code is
// set in monospace so it stands out in a project's own text too.
type paragraph [][]segment

type segment struct {
	Text string
	Code bool
}

func textParagraph(s string) paragraph { return paragraph{{{Text: s}}} }

// renderEmail writes the built-in email of loc: the text part is the
// intro, the code alone on its line, the expiry (and share) line and the
// "ignore this email" line; the HTML part shows the same under the subject.
func renderEmail(loc *locale, purpose string, v Vars, share bool) (Content, error) {
	var subject, intro, expiry, shareLine, ignore string
	for _, f := range []struct {
		key string
		dst *string
	}{
		{"email.subject." + purpose, &subject},
		{"email.intro." + purpose, &intro},
		{"email.expires", &expiry},
		{"share", &shareLine},
		{"email.ignore", &ignore},
	} {
		s, err := loc.execute(f.key, v)
		if err != nil {
			return Content{}, err
		}
		*f.dst = s
	}
	if share {
		expiry += loc.sentenceGap + shareLine
	}
	body := strings.Join([]string{intro, v.Code, expiry, ignore}, "\n\n") + "\n"
	html, err := renderHTML(emailPage{
		Lang: loc.tag, Dir: loc.dir(), RTL: loc.rtl, Title: oneLine(subject),
		Before: []paragraph{textParagraph(intro)},
		Code:   v.Code,
		After:  []paragraph{textParagraph(expiry)},
		Footer: ignore,
	})
	if err != nil {
		return Content{}, err
	}
	return Content{Body: body, Subject: subject, HTML: html}, nil
}

// overrideHTML lays out a project's text body: blank lines separate
// paragraphs, single newlines become line breaks, and the code is marked.
func overrideHTML(loc *locale, subject, body, code string) (string, error) {
	var paras []paragraph
	for _, p := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n\n") {
		if strings.TrimSpace(p) == "" {
			continue
		}
		var para paragraph
		for _, line := range strings.Split(strings.Trim(p, "\n"), "\n") {
			para = append(para, splitCode(line, code))
		}
		paras = append(paras, para)
	}
	return renderHTML(emailPage{Lang: loc.tag, Dir: loc.dir(), RTL: loc.rtl, Title: oneLine(subject), Before: paras})
}

// splitCode cuts line around each occurrence of code.
func splitCode(line, code string) []segment {
	if code == "" {
		return []segment{{Text: line}}
	}
	var segs []segment
	for {
		before, after, found := strings.Cut(line, code)
		if before != "" {
			segs = append(segs, segment{Text: before})
		}
		if !found {
			return segs
		}
		segs = append(segs, segment{Text: code, Code: true})
		line = after
	}
}

func renderHTML(p emailPage) (string, error) {
	var b strings.Builder
	if err := emailLayout.Execute(&b, p); err != nil {
		return "", err
	}
	return b.String(), nil
}
