package otlp

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/otpd/otpd/internal/telemetry"
)

// exporter POSTs spans to an OTLP/HTTP endpoint in protobuf. It needs
// only OTLP's span messages, which protobuf (already in otpd) encodes:
// the collector's request type lives in a package that also holds the
// gRPC service, so it frames that one-field message itself. A batch that
// fails is not retried: the batcher logs the error and drops it.
type exporter struct {
	cfg      exporterConfig
	client   *http.Client
	resource *resourcepb.Resource
}

func newExporter(cfg exporterConfig, resource [][2]string) *exporter {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.tls != nil {
		transport.TLSClientConfig = cfg.tls
	}
	res := &resourcepb.Resource{}
	for _, kv := range resource {
		res.Attributes = append(res.Attributes, &commonpb.KeyValue{Key: kv[0],
			Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: kv[1]}}})
	}
	return &exporter{cfg: cfg, client: &http.Client{Transport: transport, Timeout: cfg.timeout}, resource: res}
}

// export sends spans in one ExportTraceServiceRequest.
func (e *exporter) export(ctx context.Context, spans []*telemetry.Span) error {
	body := e.request(spans)
	if e.cfg.gzip {
		var zipped bytes.Buffer
		zw := gzip.NewWriter(&zipped)
		zw.Write(body)
		zw.Close()
		body = zipped.Bytes()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.cfg.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("otlp: %w", err)
	}
	for k, v := range e.cfg.headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if e.cfg.gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	res, err := e.client.Do(req)
	if err != nil {
		return fmt.Errorf("otlp: export %d spans: %w", len(spans), err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10)) // lets the connection be reused
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("otlp: export %d spans: the collector answered %s", len(spans), res.Status)
	}
	return nil
}

func (e *exporter) close() { e.client.CloseIdleConnections() }

// request encodes an opentelemetry.proto.collector.trace.v1
// ExportTraceServiceRequest: its only field, 1, is the ResourceSpans, one
// here (this process), holding one ScopeSpans (otpd).
func (e *exporter) request(spans []*telemetry.Span) []byte {
	scope := &tracepb.ScopeSpans{Scope: &commonpb.InstrumentationScope{Name: "github.com/otpd/otpd"}}
	for _, s := range spans {
		scope.Spans = append(scope.Spans, spanProto(s))
	}
	m, _ := proto.Marshal(&tracepb.ResourceSpans{Resource: e.resource, ScopeSpans: []*tracepb.ScopeSpans{scope}})
	out := protowire.AppendTag(nil, 1, protowire.BytesType)
	return protowire.AppendBytes(out, m)
}

func spanProto(s *telemetry.Span) *tracepb.Span {
	tid, sid, pid := s.TraceID(), s.SpanID(), s.ParentID()
	start, end := s.Times()
	flags := uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK)
	if s.Sampled() {
		flags |= 1
	}
	if s.RemoteParent() {
		flags |= uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK)
	}
	p := &tracepb.Span{
		TraceId:           tid[:],
		SpanId:            sid[:],
		Flags:             flags,
		Name:              s.Name(),
		Kind:              tracepb.Span_SpanKind(s.Kind()), // numbered alike
		StartTimeUnixNano: uint64(start.UnixNano()),
		EndTimeUnixNano:   uint64(end.UnixNano()),
		Status:            &tracepb.Status{},
	}
	if pid != ([8]byte{}) {
		p.ParentSpanId = pid[:]
	}
	if s.Failed() {
		p.Status.Code = tracepb.Status_STATUS_CODE_ERROR
	}
	for _, a := range s.Attrs() {
		v := &commonpb.AnyValue{}
		switch a.Type {
		case telemetry.IntAttr:
			v.Value = &commonpb.AnyValue_IntValue{IntValue: a.Int}
		case telemetry.BoolAttr:
			v.Value = &commonpb.AnyValue_BoolValue{BoolValue: a.Bool}
		default:
			v.Value = &commonpb.AnyValue_StringValue{StringValue: a.Str}
		}
		p.Attributes = append(p.Attributes, &commonpb.KeyValue{Key: string(a.Key), Value: v})
	}
	return p
}
