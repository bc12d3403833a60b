package telemetry

import "strconv"

// The attributes otpd's spans carry: OpenTelemetry's semantic conventions
// where they have a name, otpd.* otherwise. Keep the list short and free
// of personal data (see the package comment).
const (
	HTTPMethod    = Key("http.request.method")
	HTTPRoute     = Key("http.route")
	HTTPStatus    = Key("http.response.status_code")
	ServerAddress = Key("server.address")
	ErrorType     = Key("error.type")

	DBSystem = Key("db.system.name")   // "sqlite" or "postgresql"
	DBQuery  = Key("db.query.text")    // SQL with $n placeholders, never values
	DBGroup  = Key("otpd.store.group") // a write shared SQLite's group commit

	Dialect        = Key("otpd.dialect") // kotp, kookoo, cobinar, kodmobi
	LimiterBackend = Key("otpd.ratelimit.backend")
	LimiterTakes   = Key("otpd.ratelimit.takes")
	LimiterAllowed = Key("otpd.ratelimit.allowed")
	Provider       = Key("otpd.provider") // the configured instance name
	Channel        = Key("otpd.channel")
	Attempt        = Key("otpd.delivery.attempt")
	Verification   = Key("otpd.verification.id")
)

// Key names an attribute.
type Key string

// Attr is one attribute of a span: a string, an integer or a boolean.
type Attr struct {
	Key  Key
	Type AttrType
	Str  string
	Int  int64
	Bool bool
}

// AttrType says which field of an Attr holds its value.
type AttrType uint8

// Attribute types.
const (
	StringAttr AttrType = iota
	IntAttr
	BoolAttr
)

func (k Key) String(v string) Attr { return Attr{Key: k, Type: StringAttr, Str: v} }
func (k Key) Int(v int) Attr       { return Attr{Key: k, Type: IntAttr, Int: int64(v)} }
func (k Key) Bool(v bool) Attr     { return Attr{Key: k, Type: BoolAttr, Bool: v} }

// Text is the value as text, for tests and logs.
func (a Attr) Text() string {
	switch a.Type {
	case IntAttr:
		return strconv.FormatInt(a.Int, 10)
	case BoolAttr:
		return strconv.FormatBool(a.Bool)
	}
	return a.Str
}
