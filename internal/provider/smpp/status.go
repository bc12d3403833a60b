package smpp

import (
	"fmt"
	"strings"
	"time"

	"github.com/linxGnu/gosmpp/data"

	"github.com/otpd/otpd/internal/otp"
)

// class is what a failure means for the delivery pipeline (see
// otp.ProviderError).
type class int

const (
	// transient: the SMSC or the connection is in trouble for now; the
	// router retries, here and then elsewhere.
	transient class = iota
	// refused: this SMSC will not take this message however often it is
	// asked (our account, sender, parameters or the message itself), but
	// another provider may; the router moves on at once.
	refused
	// permanent: the destination cannot be reached; no provider can help.
	permanent
)

// submitClass classifies the command_status of a submit_sm_resp (or of a
// generic_nack in its place), going through the SMPP 3.4 statuses of
// section 5.1.3 that a submit_sm can get.
//
// Only ESME_RINVDSTADR is about the recipient. Everything else that names
// a field of ours is about how this SMSC and our account see our
// message: the sender and its TON/NPI, service type, flags, TLVs, the
// message length, our bind state; repeating the submit_sm cannot change
// the answer, so it is refused, and another provider may accept. The TON
// and NPI of the destination are refused, not permanent: we always send
// an E.164 number as TON 1/NPI 1, so an SMSC that objects to them
// objects to its own configuration, not to the number. The SMSC's state
// (system error, queue full, throttling) and the unspecific answers
// (ESME_RSUBMITFAIL, ESME_RUNKNOWNERR, vendor codes 0x400-0x4FF, codes
// this table does not know) stay transient.
func submitClass(st data.CommandStatusType) class {
	switch st {
	case data.ESME_RINVDSTADR:
		return permanent
	case data.ESME_RINVMSGLEN, // message too long for this SMSC
		data.ESME_RINVCMDLEN, data.ESME_RINVCMDID, // it does not understand our PDU
		data.ESME_RINVBNDSTS, data.ESME_RALYBND, // our bind is not allowed to submit
		data.ESME_RINVPRTFLG, data.ESME_RINVREGDLVFLG, data.ESME_RINVESMCLASS,
		data.ESME_RINVSRCADR, data.ESME_RINVSRCTON, data.ESME_RINVSRCNPI,
		data.ESME_RINVDSTTON, data.ESME_RINVDSTNPI,
		data.ESME_RINVSERTYP, data.ESME_RINVSYSTYP,
		data.ESME_RINVSCHED, data.ESME_RINVEXPIRY, data.ESME_RINVREPFLAG,
		data.ESME_RINVDFTMSGID,
		data.ESME_RINVOPTPARSTREAM, data.ESME_ROPTPARNOTALLWD, data.ESME_RINVPARLEN,
		data.ESME_RMISSINGOPTPARAM, data.ESME_RINVOPTPARAMVAL,
		data.ESME_RBINDFAIL, data.ESME_RINVPASWD, data.ESME_RINVSYSID:
		return refused
	default:
		// ESME_RSYSERR, ESME_RMSGQFUL, ESME_RTHROTTLED, ESME_RSUBMITFAIL,
		// ESME_RX_T_APPN, ESME_RUNKNOWNERR, vendor-specific and unknown.
		return transient
	}
}

// bindClass classifies the command_status of a refused bind: the SMSC's
// own trouble (system error, throttling, a full queue) is transient;
// anything else (ESME_RBINDFAIL, ESME_RINVPASWD, ESME_RINVSYSID,
// ESME_RINVSYSTYP, ESME_RALYBND when the account's sessions are used up,
// a vendor code for an address not on the account's list) refuses our
// login, which waiting does not change, so messages go to the next
// provider at once while the provider keeps trying to bind.
func bindClass(st data.CommandStatusType) class {
	switch st {
	case data.ESME_RSYSERR, data.ESME_RTHROTTLED, data.ESME_RMSGQFUL:
		return transient
	default:
		return refused
	}
}

// statusError turns a command_status other than ESME_ROK into the
// pipeline's terms: c is its class, and a throttling or queue-full
// answer asks to wait retryAfter.
func statusError(provider string, st data.CommandStatusType, c class, retryAfter time.Duration) *otp.ProviderError {
	e := &otp.ProviderError{
		Provider:  provider,
		Code:      statusCode(st),
		Message:   statusName(st),
		Permanent: c == permanent,
		Refused:   c == refused,
	}
	switch st {
	case data.ESME_RTHROTTLED, data.ESME_RMSGQFUL:
		e.RetryAfter = retryAfter
	}
	return e
}

// statusCode is the status in the specification's notation, e.g.
// "0x0000000D".
func statusCode(st data.CommandStatusType) string {
	return fmt.Sprintf("0x%08X", uint32(st))
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
