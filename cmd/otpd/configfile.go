package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/otpd/otpd/internal/delivery"
	"github.com/otpd/otpd/internal/otp"
)

// fileConfig is the operator's configuration file (OTPD_CONFIG): the
// providers, how messages are routed to them, and what messages cost.
// Runtime data (projects, applications, templates) lives in the database.
//
//	providers:
//	  twilio:
//	    type: twilio
//	    account_sid: AC0123
//	    auth_token: ${TWILIO_AUTH_TOKEN}   # from the environment, or a file named by TWILIO_AUTH_TOKEN_FILE
//	    circuit_breaker: {failures: 5, cool_down: 30s}  # optional; these are the defaults
//	routing:
//	  attempts_per_provider: 3           # optional cap; without it a message is retried until its code expires
//	  channels: {sms: [smpp, twilio], voice: [twilio]}
//	  countries: [{country: RU, channel: sms, providers: [smpp-ru]}]
//	prices:
//	  currency: USD
//	  default: {sms: "0.0075"}
//	  countries: {RU: {sms: "0.045"}}
//	captcha:
//	  timeout: 5s
type fileConfig struct {
	Providers []providerSpec // in file order
	Routing   routingSpec
	Prices    priceSpec
	Captcha   captchaSpec
}

// providerSpec is one entry of providers: its name, its type, its
// circuit breaker and the rest of its keys, decoded later by the type's
// own Config.
type providerSpec struct {
	Name    string
	Type    string
	Breaker delivery.BreakerConfig // zero: the defaults
	node    *yaml.Node             // the mapping without its type and circuit_breaker keys
}

type routingSpec struct {
	AttemptsPerProvider int                 `yaml:"attempts_per_provider"`
	Channels            map[string][]string `yaml:"channels"`
	Countries           []struct {
		Channel   string   `yaml:"channel"`
		Country   string   `yaml:"country"`
		Prefix    string   `yaml:"prefix"`
		Providers []string `yaml:"providers"`
	} `yaml:"countries"`
}

// loadConfigFile reads and checks the file at path. Errors name the key
// at fault, e.g. "providers.twilio.auth_token: ...".
func loadConfigFile(path string, getenv func(string) string) (*fileConfig, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("OTPD_CONFIG: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: the file is empty", path)
	}
	root := doc.Content[0]
	if err := expandSecrets(root, "", getenv); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: the top level must be a mapping of providers, routing and prices", path)
	}
	fc := &fileConfig{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i].Value, root.Content[i+1]
		switch key {
		case "providers":
			fc.Providers, err = parseProviders(val)
		case "routing":
			err = decodeStrict(val, &fc.Routing, "routing")
		case "prices":
			err = decodeStrict(val, &fc.Prices, "prices")
		case "captcha":
			if err = decodeStrict(val, &fc.Captcha, "captcha"); err == nil {
				err = fc.Captcha.validate()
			}
		default:
			err = fmt.Errorf("line %d: unknown key %q (want providers, routing, prices or captcha)", root.Content[i].Line, key)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if _, err := fc.Prices.table(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return fc, nil
}

func parseProviders(n *yaml.Node) ([]providerSpec, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("providers: line %d: want a mapping of provider names to their settings", n.Line)
	}
	var out []providerSpec
	for i := 0; i+1 < len(n.Content); i += 2 {
		name, body := n.Content[i].Value, n.Content[i+1]
		where := "providers." + name
		if !validProviderName(name) {
			return nil, fmt.Errorf("%s: a provider name is 1-40 letters, digits, '-' or '_'", where)
		}
		if body.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s: line %d: want a mapping with a type key", where, body.Line)
		}
		spec := providerSpec{Name: name, node: &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}}
		for j := 0; j+1 < len(body.Content); j += 2 {
			switch body.Content[j].Value {
			case "type":
				spec.Type = body.Content[j+1].Value
				continue
			case "circuit_breaker":
				b, err := parseBreaker(body.Content[j+1], where)
				if err != nil {
					return nil, err
				}
				spec.Breaker = b
				continue
			}
			spec.node.Content = append(spec.node.Content, body.Content[j], body.Content[j+1])
		}
		if spec.Type == "" {
			return nil, fmt.Errorf("%s.type is required (one of %s)", where, strings.Join(providerTypes(), ", "))
		}
		if slices.ContainsFunc(out, func(p providerSpec) bool { return p.Name == name }) {
			return nil, fmt.Errorf("%s: declared twice", where)
		}
		out = append(out, spec)
	}
	return out, nil
}

func validProviderName(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// decodeStrict decodes n into out, refusing keys out does not have.
func decodeStrict(n *yaml.Node, out any, where string) error {
	b, err := yaml.Marshal(n)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	// An empty mapping is an empty document: io.EOF leaves out as it is.
	err = dec.Decode(out)
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var te *yaml.TypeError
	if errors.As(err, &te) {
		// The node was re-encoded, so yaml's line numbers and Go type
		// names would only mislead: say which key and what is wrong.
		var parts []string
		for _, e := range te.Errors {
			e = yamlLine.ReplaceAllString(e, "")
			if m := yamlUnknownField.FindStringSubmatch(e); m != nil {
				e = fmt.Sprintf("unknown key %q", m[1])
			} else if m := yamlBadValue.FindStringSubmatch(e); m != nil {
				e = fmt.Sprintf("%q is not a valid %s", m[1], m[2])
			}
			parts = append(parts, e)
		}
		msg = strings.Join(parts, "; ")
	}
	if where == "" {
		return errors.New(msg)
	}
	return fmt.Errorf("%s: %s", where, msg)
}

var (
	yamlLine         = regexp.MustCompile(`^line \d+: `)
	yamlUnknownField = regexp.MustCompile(`^field (\S+) not found in type`)
	yamlBadValue     = regexp.MustCompile("^cannot unmarshal !!\\w+ `(.*)` into (\\S+)$")
)

var secretRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expandSecrets replaces ${NAME} in every scalar value with the variable
// NAME from the environment or, when NAME is unset and NAME_FILE is set,
// with the contents of that file (trailing newlines removed), the way
// container secrets are mounted. Expanding values, not the file's text,
// keeps a secret from changing the file's structure.
func expandSecrets(n *yaml.Node, path string, getenv func(string) string) error {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := n.Content[i].Value
			if path != "" {
				p = path + "." + p
			}
			if err := expandSecrets(n.Content[i+1], p, getenv); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if err := expandSecrets(c, fmt.Sprintf("%s[%d]", path, i), getenv); err != nil {
				return err
			}
		}
	case yaml.ScalarNode:
		original := n.Value
		var firstErr error
		n.Value = secretRef.ReplaceAllStringFunc(n.Value, func(ref string) string {
			name := ref[2 : len(ref)-1]
			if v := getenv(name); v != "" {
				return v
			}
			if file := getenv(name + "_FILE"); file != "" {
				b, err := os.ReadFile(file)
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("%s: %s_FILE: %w", path, name, err)
				}
				return strings.TrimRight(string(b), "\r\n")
			}
			if firstErr == nil {
				firstErr = fmt.Errorf("%s: environment variable %s (or %s_FILE) is not set", path, name, name)
			}
			return ""
		})
		if n.Style == 0 && secretRef.MatchString(original) {
			n.Tag = "" // an unquoted value is resolved again: ${N} may stand for a number
		}
		return firstErr
	}
	return nil
}

// routerConfig turns the routing section into the router's configuration.
func (fc *fileConfig) routerConfig(providers map[string]delivery.Provider) delivery.RouterConfig {
	rc := delivery.RouterConfig{
		Providers:           providers,
		Channels:            map[otp.Channel][]string{},
		AttemptsPerProvider: fc.Routing.AttemptsPerProvider,
	}
	for ch, names := range fc.Routing.Channels {
		rc.Channels[otp.Channel(ch)] = names
	}
	for _, p := range fc.Providers {
		if p.Breaker != (delivery.BreakerConfig{}) {
			if rc.Breakers == nil {
				rc.Breakers = map[string]delivery.BreakerConfig{}
			}
			rc.Breakers[p.Name] = p.Breaker
		}
	}
	for _, c := range fc.Routing.Countries {
		rc.Rules = append(rc.Rules, delivery.CountryRule{
			Channel: otp.Channel(c.Channel), Country: c.Country, Prefix: c.Prefix, Providers: c.Providers,
		})
	}
	return rc
}
