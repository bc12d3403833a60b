package smpp

import (
	"fmt"
	"strings"
	"time"

	"github.com/linxGnu/gosmpp/data"

	"github.com/otpd/otpd/internal/otp"
)

// statusError turns a command_status other than ESME_ROK into the
// pipeline's terms.
//
// Of the SMPP 3.4 statuses (5.1.3) a submit_sm can get, only
// ESME_RINVDSTADR is about the recipient, so only it is permanent. The
// others are about our session, account or configuration (bind state,
// source address and its TON/NPI, service type, password), the SMSC's
// state (system error, queue full, throttling) or are unspecific
// (ESME_RSUBMITFAIL, ESME_RUNKNOWNERR, vendor codes 0x400-0x4FF): another
// provider may well deliver the message, so they stay transient and the
// router fails over. ESME_RINVMSGLEN is transient too, since our parts are
// within the standard sizes and another SMSC may accept them.
func statusError(provider string, st data.CommandStatusType, retryAfter time.Duration) *otp.ProviderError {
	e := &otp.ProviderError{
		Provider: provider,
		Code:     fmt.Sprintf("0x%08X", uint32(st)),
		Message:  statusName(st),
	}
	switch st {
	case data.ESME_RINVDSTADR:
		e.Permanent = true
	case data.ESME_RTHROTTLED, data.ESME_RMSGQFUL:
		e.RetryAfter = retryAfter
	}
	return e
}

// statusName is the status's name in the SMPP 3.4 specification, e.g.
// "ESME_RTHROTTLED".
func statusName(st data.CommandStatusType) string {
	name := st.String()
	switch {
	case !strings.HasPrefix(name, "CommandStatusType("):
		return name
	case st >= 0x400 && st <= 0x4FF:
		return "SMSC vendor-specific error"
	default:
		return "unknown command status"
	}
}
