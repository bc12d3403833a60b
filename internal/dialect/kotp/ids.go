package kotp

import "strings"

// K-OTP's ids read otp_<hex>; otpd's verification ids read ver_<hex>,
// with the same hex part, so the two name the same verification.
const (
	wirePrefix   = "otp_"
	domainPrefix = "ver_"
)

// wireID is the K-OTP id of verification id.
func wireID(id string) string {
	if hex, ok := strings.CutPrefix(id, domainPrefix); ok {
		return wirePrefix + hex
	}
	return id
}

// domainID is the verification id of a K-OTP id; otpd's own form is
// accepted as well, since the console shows it. ok is false for anything
// else, which names no verification.
func domainID(id string) (string, bool) {
	if hex, ok := strings.CutPrefix(id, wirePrefix); ok && hex != "" {
		return domainPrefix + hex, true
	}
	if strings.HasPrefix(id, domainPrefix) && len(id) > len(domainPrefix) {
		return id, true
	}
	return "", false
}
