package templates

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/template"
	"text/template/parse"
	"unicode/utf8"
)

// OverrideError is a project's text that cannot be used. Field is "body"
// or "subject"; Reason says why, safe to show to the project's owner.
type OverrideError struct {
	Field  string
	Reason string
}

// Error reports the field and the reason: "body: does not show the code".
func (e *OverrideError) Error() string { return e.Field + ": " + e.Reason }

// Limits on a project's texts, in characters of the text rendered with
// sampleVars. 480 characters is three concatenated SMS segments of GSM-7;
// the others keep a code message what it is.
var maxBody = map[string]int{
	channelSMS:      480,
	channelVoice:    1000,
	channelTelegram: 1000,
	channelWhatsApp: 1000,
	channelEmail:    10000,
}

const (
	maxSubject = 200
	// maxSource bounds the template text itself.
	maxSource = 16 << 10
	// maxOutput stops a template that writes far more than any limit
	// before it uses much memory.
	maxOutput = 64 << 10
)

// sampleVars are what ValidateOverride renders with: lengths of a real
// message, and two different codes, so a text that merely contains a
// literal code does not pass for one that shows the real code.
func sampleVars(code string) Vars {
	return Vars{Code: code, AppName: "Example App Name 123", Minutes: 10, Amount: "1,234.56 EUR", Payee: "Example Merchant Ltd"}
}

var sampleCodes = []string{"482913", "705126"}

// ValidateOverride checks a project's text for a channel and purpose
// before it is saved: the body is required and the subject is for email
// only; each must parse, use only what overrides may (no range, define,
// block or template), render with sample variables, stay within the
// limits (SMS body 480 characters, voice and chat 1000, email 10000,
// subject 200), and the body must show the code, spelled out or not for
// voice. The error is an *OverrideError naming the field.
func ValidateOverride(channel, purpose string, o Override) error {
	if !slices.Contains(channels, channel) {
		return fmt.Errorf("unknown channel %q", channel)
	}
	if !slices.Contains(purposes, purpose) {
		return fmt.Errorf("unknown purpose %q", purpose)
	}
	cat, err := loadCatalog()
	if err != nil {
		return err
	}
	// Texts are checked with English helpers: an override may be meant for
	// every locale, and what matters here is its shape.
	loc := cat.locales["en"]
	for _, code := range sampleCodes {
		c, err := renderOverride(loc, channel, purpose, sampleVars(code), o)
		if err != nil {
			return err
		}
		if n := utf8.RuneCountInString(c.Body); n > maxBody[channel] {
			return &OverrideError{"body", fmt.Sprintf("is %d characters with sample values, more than the %d allowed for %s", n, maxBody[channel], channel)}
		}
		if n := utf8.RuneCountInString(c.Subject); n > maxSubject {
			return &OverrideError{"subject", fmt.Sprintf("is %d characters with sample values, more than the %d allowed", n, maxSubject)}
		}
	}
	return nil
}

// renderOverride writes a project's text in place of the built-in one.
func renderOverride(loc *locale, channel, purpose string, v Vars, o Override) (Content, error) {
	if o.Subject != "" && channel != channelEmail {
		return Content{}, &OverrideError{"subject", "only email messages have a subject"}
	}
	body, err := executeOverride(loc, "body", o.Body, v)
	if err != nil {
		return Content{}, err
	}
	if strings.TrimSpace(body) == "" {
		return Content{}, &OverrideError{"body", "is empty"}
	}
	if !strings.Contains(body, v.Code) && (channel != channelVoice || !strings.Contains(body, loc.spell(v.Code))) {
		hint := "use {{.Code}}"
		if channel == channelVoice {
			hint = "use {{spell .Code}} or {{.Code}}"
		}
		return Content{}, &OverrideError{"body", "does not show the code: " + hint}
	}
	if channel != channelEmail {
		return Content{Body: body}, nil
	}
	var subject string
	if o.Subject != "" {
		if subject, err = executeOverride(loc, "subject", o.Subject, v); err != nil {
			return Content{}, err
		}
		if strings.TrimSpace(subject) == "" {
			return Content{}, &OverrideError{"subject", "is empty"}
		}
	} else if subject, err = loc.execute("email.subject."+purpose, v); err != nil {
		return Content{}, err
	}
	html, err := overrideHTML(loc, subject, body, v.Code)
	if err != nil {
		return Content{}, err
	}
	return Content{Body: body, Subject: subject, HTML: html}, nil
}

// executeOverride parses and runs one field of a project's text.
func executeOverride(loc *locale, field, text string, v Vars) (string, error) {
	fail := func(reason string) error {
		// Template errors can quote values; the code must not reach an
		// error message, which ends up in logs.
		return &OverrideError{field, strings.ReplaceAll(reason, v.Code, "[code]")}
	}
	if strings.TrimSpace(text) == "" {
		return "", fail("is empty")
	}
	if len(text) > maxSource {
		return "", fail(fmt.Sprintf("is longer than %d bytes", maxSource))
	}
	t, err := template.New(field).Option("missingkey=error").Funcs(loc.funcs()).Parse(text)
	if err != nil {
		return "", fail("does not parse: " + strings.TrimPrefix(err.Error(), "template: "))
	}
	if err := restricted(t); err != nil {
		return "", fail(err.Error())
	}
	w := &cappedWriter{max: maxOutput}
	if err := t.Execute(w, v); err != nil {
		if errors.Is(err, errTooLong) {
			return "", fail(fmt.Sprintf("renders to more than %d bytes", maxOutput))
		}
		return "", fail("does not render: " + strings.TrimPrefix(err.Error(), "template: "))
	}
	return w.b.String(), nil
}

// overrideFuncs are the functions a project's text may call: ours, and the
// built-ins whose results are no longer than their arguments. printf,
// print, println, html, js and urlquery are left out because chaining
// them ({{with print . .}}{{with print . .}}...) grows a value
// exponentially within a short text; call has nothing to call.
var overrideFuncs = []string{
	"minutes", "spell",
	"and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge",
	"len", "index", "slice",
}

// restricted refuses what could make a project's text expensive to run:
// loops (range), other templates (define, block, template) and the
// functions not in overrideFuncs. What remains runs in time and memory
// proportional to the text and the variables.
func restricted(t *template.Template) error {
	if len(t.Templates()) > 1 {
		return errors.New("define and block are not allowed")
	}
	if t.Tree == nil {
		return nil
	}
	var node func(n parse.Node) error
	var pipe func(p *parse.PipeNode) error
	arg := func(a parse.Node) error {
		switch a := a.(type) {
		case *parse.IdentifierNode:
			if !slices.Contains(overrideFuncs, a.Ident) {
				return fmt.Errorf("function %s is not allowed", a.Ident)
			}
		case *parse.PipeNode:
			return pipe(a)
		case *parse.ChainNode:
			if p, ok := a.Node.(*parse.PipeNode); ok {
				return pipe(p)
			}
		}
		return nil
	}
	pipe = func(p *parse.PipeNode) error {
		if p == nil {
			return nil
		}
		for _, c := range p.Cmds {
			for _, a := range c.Args {
				if err := arg(a); err != nil {
					return err
				}
			}
		}
		return nil
	}
	node = func(n parse.Node) error {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return nil
			}
			for _, c := range n.Nodes {
				if err := node(c); err != nil {
					return err
				}
			}
			return nil
		case *parse.TextNode, *parse.CommentNode:
			return nil
		case *parse.ActionNode:
			return pipe(n.Pipe)
		case *parse.IfNode:
			return cmpOr(pipe(n.Pipe), node(n.List), node(n.ElseList))
		case *parse.WithNode:
			return cmpOr(pipe(n.Pipe), node(n.List), node(n.ElseList))
		case *parse.RangeNode:
			return errors.New("range is not allowed")
		case *parse.TemplateNode:
			return errors.New("template and block are not allowed")
		default:
			return fmt.Errorf("%s is not allowed", n)
		}
	}
	return node(t.Root)
}

// cmpOr is the first non-nil error.
func cmpOr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

var errTooLong = errors.New("output too long")

// cappedWriter keeps up to max bytes and then fails the template.
type cappedWriter struct {
	b   strings.Builder
	max int
}

func (w *cappedWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > w.max {
		return 0, errTooLong
	}
	return w.b.Write(p)
}
