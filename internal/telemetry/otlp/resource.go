package otlp

import (
	"maps"
	"slices"
	"strings"
)

// readResource is the attributes that describe this process on every
// span: service.name otpd unless OTEL_SERVICE_NAME, its version, those of
// OTEL_RESOURCE_ATTRIBUTES (key=value pairs, comma-separated, values
// percent-encoded) and the telemetry SDK's.
func readResource(getenv func(string) string, version string) ([][2]string, error) {
	attrs := map[string]string{"service.name": "otpd", "service.version": version}
	if v := strings.TrimSpace(getenv("OTEL_RESOURCE_ATTRIBUTES")); v != "" {
		pairs, err := parsePairs("OTEL_RESOURCE_ATTRIBUTES", v)
		if err != nil {
			return nil, err
		}
		maps.Copy(attrs, pairs)
	}
	if v := strings.TrimSpace(getenv("OTEL_SERVICE_NAME")); v != "" {
		attrs["service.name"] = v // it wins over OTEL_RESOURCE_ATTRIBUTES
	}
	attrs["telemetry.sdk.name"], attrs["telemetry.sdk.language"] = "otpd", "go"
	out := make([][2]string, 0, len(attrs))
	for _, k := range []string{"service.name", "service.version"} {
		out = append(out, [2]string{k, attrs[k]})
		delete(attrs, k)
	}
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		out = append(out, [2]string{k, attrs[k]})
	}
	return out, nil
}
