// Package version says which otpd this is: what `otpd version` prints, what
// the API reports, and the User-Agent every request otpd makes to a
// provider, a CAPTCHA service or a webhook receiver carries. It is a package
// of its own because the adapters that send those requests cannot import
// package main, and one value stamped at build time must reach them all:
//
//	go build -ldflags "-X github.com/otpd/otpd/internal/version.version=v1.2.3" ./cmd/otpd
package version

import (
	"regexp"
	"runtime/debug"
	"strings"
)

// version is set at build time with -ldflags "-X
// github.com/otpd/otpd/internal/version.version=v1.2.3"; otherwise the
// module version or VCS revision is used.
var version = ""

// String is otpd's version as people read it: the stamped version
// ("v1.2.3"), else the module version of a `go install`, else "dev-" and
// the first 12 digits of the VCS revision, else "dev".
func String() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "dev-" + strings.ToLower(s.Value[:12])
		}
	}
	return "dev"
}

// UserAgent is the User-Agent of otpd's outgoing requests: "otpd/1.2.3".
// See userAgent for the shape of the others.
func UserAgent() string { return userAgent(String()) }

var (
	semver = regexp.MustCompile(`^v?([0-9]+\.[0-9]+\.[0-9]+)(.*)$`)
	// notInComment is what Meta's pattern does not allow after the ";".
	notInComment = regexp.MustCompile(`[^a-zA-Z0-9=.-]+`)
)

// userAgent turns a version into a product token that Meta's Cloud API
// specification accepts, whose pattern is
// ^[a-zA-Z0-9\-_]+\/[0-9]+\.[0-9]+\.[0-9]+(;[a-zA-Z0-9\-=\.]+)?(\s+…)?$
// (facebook/openapi, business-messaging-api_v23.0.yaml,
// components.parameters.UserAgent): "name/x.y.z", then optionally ";" and
// letters, digits, "-", "=" and ".". A semantic version's pre-release and
// build metadata ("-rc.1", "+dirty") cannot follow x.y.z directly, so they
// go after the ";": v1.2.3 → otpd/1.2.3, v1.2.3-rc.1 → otpd/1.2.3;rc.1,
// dev-0123456789ab → otpd/0.0.0;dev=0123456789ab, dev → otpd/0.0.0;dev.
func userAgent(v string) string {
	core, rest := "0.0.0", v
	if m := semver.FindStringSubmatch(v); m != nil {
		core, rest = m[1], m[2]
	} else if rev, ok := strings.CutPrefix(v, "dev-"); ok {
		rest = "dev=" + rev
	}
	rest = strings.Trim(notInComment.ReplaceAllString(strings.TrimLeft(rest, "-+"), "."), ".")
	if rest == "" {
		return "otpd/" + core
	}
	return "otpd/" + core + ";" + rest
}
