package otlp

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// sampler is OpenTelemetry's built-in samplers as OTEL_TRACES_SAMPLER
// names them: always_on, always_off, traceidratio, and their parentbased_
// forms (the default: parentbased_always_on), in which a span with a
// parent is recorded if and only if its parent was.
type sampler struct {
	followParent bool
	ratio        float64 // of new traces recorded, 0 to 1
}

func readSampler(getenv func(string) string) (sampler, error) {
	name := strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER"))
	if name == "" {
		name = "parentbased_always_on"
	}
	s := sampler{followParent: strings.HasPrefix(name, "parentbased_")}
	switch strings.TrimPrefix(name, "parentbased_") {
	case "always_on":
		s.ratio = 1
	case "always_off":
		s.ratio = 0
	case "traceidratio":
		s.ratio = 1
		if arg := strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER_ARG")); arg != "" {
			r, err := strconv.ParseFloat(arg, 64)
			if err != nil || r < 0 || r > 1 {
				return s, fmt.Errorf("OTEL_TRACES_SAMPLER_ARG=%s: want a ratio from 0 to 1", arg)
			}
			s.ratio = r
		}
	default:
		return s, fmt.Errorf("OTEL_TRACES_SAMPLER=%s: want always_on, always_off, traceidratio or their parentbased_ forms", name)
	}
	return s, nil
}

// sample decides a new trace by its id, as OpenTelemetry's
// TraceIDRatioBased does: the low 63 bits of the id's second half against
// the ratio, so that every process decides a trace alike.
func (s sampler) sample(traceID [16]byte) bool {
	switch {
	case s.ratio >= 1:
		return true
	case s.ratio <= 0:
		return false
	}
	return binary.BigEndian.Uint64(traceID[8:])>>1 < uint64(s.ratio*(1<<63))
}
