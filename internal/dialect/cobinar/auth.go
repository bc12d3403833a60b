package cobinar

import (
	"net/http"
	"strings"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// The three headers of Cobinar's application auth. Their otpd values are
// an application's clientId, clientSecret and apiKey, as POST
// /v1/applications shows them once.
const (
	headerClientID     = "x-client-id"
	headerClientSecret = "x-client-secret"
	headerAPIKey       = "x-api-key"
)

// authenticate checks Cobinar's application auth in its documented order
// (otp.Service.AuthenticateTriple): the API key, then that the client id
// is its application's, then the client secret against its hash. Any
// missing or wrong part is 401 UNAUTHENTICATED, a disabled application
// 403 FORBIDDEN. The API key's rate-limit headers are set once the key is
// known.
func (d *Dialect) authenticate(w http.ResponseWriter, r *http.Request) (*otp.Application, error) {
	clientID, secret, key := r.Header.Get(headerClientID), r.Header.Get(headerClientSecret), r.Header.Get(headerAPIKey)
	var missing []string
	for _, h := range []struct{ name, value string }{{headerClientID, clientID}, {headerClientSecret, secret}, {headerAPIKey, key}} {
		if h.value == "" {
			missing = append(missing, h.name)
		}
	}
	if len(missing) > 0 {
		list := strings.Join(missing, ", ")
		return nil, &otp.Error{Code: otp.CodeUnauthenticated, Key: "cobinar_missing_credentials",
			Message: "Application auth needs the x-client-id, x-client-secret and x-api-key headers; missing: " + list,
			Params:  map[string]any{"missing": list}}
	}
	a, dec, err := d.svc.AuthenticateTriple(r.Context(), clientID, secret, otp.APICall{Key: key, RemoteIP: httpjson.RemoteIP(r)})
	if a != nil {
		httpjson.SetRateHeaders(w, dec)
	}
	if e := otp.ErrorOf(err); e != nil && e.Code == otp.CodeUnauthenticated {
		// Which part was wrong is not told: a caller holding one part
		// must not learn whether another is right.
		return nil, &otp.Error{Code: otp.CodeUnauthenticated, Key: "cobinar_invalid_credentials",
			Message: "The application credentials are invalid: check x-client-id, x-client-secret and x-api-key"}
	}
	return a, err
}

// limit counts the request against its application's limit of op a
// minute: the project's, or Cobinar's documented one (perMinute). The
// rate-limit headers then describe it, the tighter of the limits that
// apply.
func (d *Dialect) limit(w http.ResponseWriter, r *http.Request, a *otp.Application, op otp.AppOperation, perMinute int) error {
	dec, err := d.svc.LimitApplication(r.Context(), a, op, perMinute)
	if dec.Limit > 0 {
		httpjson.SetRateHeaders(w, dec)
	}
	return err
}
