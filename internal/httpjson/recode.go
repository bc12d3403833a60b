package httpjson

import (
	"maps"

	"github.com/otpd/otpd/internal/otp"
)

// Recode returns a copy of e under a dialect's code, keeping otpd's own
// code as details.reason beside e's other details: for a refusal a
// dialect's documents have no code of their own for (a geo rule, a
// spent budget), so its clients see a code they know and can still
// tell the cases apart.
func Recode(e *otp.Error, code string) *otp.Error {
	c := *e
	c.Code = code
	c.Params = maps.Clone(e.Params)
	if c.Params == nil {
		c.Params = map[string]any{}
	}
	c.Params["reason"] = e.Code
	return &c
}
