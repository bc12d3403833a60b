package otlp

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// exporterConfig is what the exporter needs from the standard variables,
// read as the OpenTelemetry specification defines them: for each, the
// traces-specific variable (OTEL_EXPORTER_OTLP_TRACES_X) wins over the
// general one (OTEL_EXPORTER_OTLP_X).
type exporterConfig struct {
	url     string // the full URL spans are POSTed to
	headers map[string]string
	timeout time.Duration
	gzip    bool
	tls     *tls.Config // nil: the default
}

// readExporterConfig reads the exporter's variables from getenv; an
// error names the variable at fault.
func readExporterConfig(getenv func(string) string) (exporterConfig, error) {
	c := exporterConfig{timeout: 10 * time.Second}
	// lookup returns the variable that is set of the traces-specific and
	// the general one, and its name.
	lookup := func(suffix string) (string, string) {
		name := "OTEL_EXPORTER_OTLP_TRACES_" + suffix
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v, name
		}
		name = "OTEL_EXPORTER_OTLP_" + suffix
		return strings.TrimSpace(getenv(name)), name
	}

	if v := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")); v != "" {
		c.url = v // the traces endpoint is used as it is
	} else {
		c.url = strings.TrimSuffix(strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")), "/") + "/v1/traces"
	}
	if u, err := url.Parse(c.url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %q is not an http:// or https:// URL such as http://127.0.0.1:4318", c.url)
	}

	if v, name := lookup("PROTOCOL"); v != "" && v != "http/protobuf" {
		return c, fmt.Errorf("%s=%s: otpd exports traces over OTLP/HTTP in protobuf only; set it to http/protobuf and point the endpoint at the collector's HTTP port (4318)", name, v)
	}
	if v, name := lookup("HEADERS"); v != "" {
		var err error
		if c.headers, err = parsePairs(name, v); err != nil {
			return c, err
		}
	}
	if v, name := lookup("TIMEOUT"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms <= 0 {
			return c, fmt.Errorf("%s=%s: want a positive number of milliseconds", name, v)
		}
		c.timeout = time.Duration(ms) * time.Millisecond
	}
	switch v, name := lookup("COMPRESSION"); v {
	case "", "none":
	case "gzip":
		c.gzip = true
	default:
		return c, fmt.Errorf("%s=%s: want gzip or none", name, v)
	}

	ca, caName := lookup("CERTIFICATE")
	cert, certName := lookup("CLIENT_CERTIFICATE")
	key, _ := lookup("CLIENT_KEY")
	if ca != "" || cert != "" || key != "" {
		c.tls = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return c, fmt.Errorf("%s: %w", caName, err)
		}
		c.tls.RootCAs = x509.NewCertPool()
		if !c.tls.RootCAs.AppendCertsFromPEM(pem) {
			return c, fmt.Errorf("%s: %s holds no PEM certificate", caName, ca)
		}
	}
	if cert != "" || key != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return c, fmt.Errorf("%s and OTEL_EXPORTER_OTLP_CLIENT_KEY (or their TRACES_ forms): %w", certName, err)
		}
		c.tls.Certificates = []tls.Certificate{pair}
	}
	return c, nil
}

// parsePairs reads the value v of variable name as OpenTelemetry writes
// headers and resource attributes: key=value pairs separated by commas,
// values percent-encoded.
func parsePairs(name, v string) (map[string]string, error) {
	pairs := map[string]string{}
	for pair := range strings.SplitSeq(v, ",") {
		k, val, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		val, err := url.PathUnescape(strings.TrimSpace(val))
		if !ok || k == "" || err != nil {
			return nil, fmt.Errorf("%s: want key=value pairs separated by commas, values percent-encoded", name)
		}
		pairs[k] = val
	}
	return pairs, nil
}
