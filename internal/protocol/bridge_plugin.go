package protocol

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/coderhost/coderhost/internal/pluginv1"
)

// panicOutput receives panic reports from plugin handlers; stderr reaches the
// host log through go-plugin.
var panicOutput io.Writer = os.Stderr

// chunkSize is the most body one part carries, either way: a response part
// the plugin side sends without being asked to flush, a request part the
// host sends. A part then fits one of gRPC's pooled 32 KiB buffers; any
// larger takes a 1 MiB one, which with many large bodies at once is what
// fills memory.
const chunkSize = 32<<10 - 256

// serveHTTP runs req through h on the plugin side and sends the response as
// it is written: one part for an ordinary response, more when the handler
// flushes or writes more than chunkSize. body is the request body when it
// arrives in parts (ServeHTTPStream), or nil when req carries it whole.
// stripPrefix is removed from the path so handlers see paths relative to
// their mount point. maxBody bounds the request body accepted.
func serveHTTP(ctx context.Context, h http.Handler, req *pluginv1.HTTPRequest, body io.Reader, stripPrefix string, maxBody int64,
	send func(*pluginv1.HTTPResponse) error) (err error) {
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	if int64(len(req.GetBody())) > maxBody || req.GetContentLength() > maxBody {
		return send(errorResponse(http.StatusRequestEntityTooLarge,
			fmt.Sprintf("Request body is larger than the plugin's limit of %d bytes.", maxBody), ""))
	}
	r, msg, detail := buildRequest(ctx, req, body, stripPrefix, maxBody)
	if r == nil {
		return send(errorResponse(http.StatusBadRequest, msg, detail))
	}
	sw := &streamWriter{header: make(http.Header), send: send}
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if p != http.ErrAbortHandler {
			_, _ = fmt.Fprintf(panicOutput, "panic serving %s %s: %v\n%s", req.GetMethod(), req.GetPath(), p, debug.Stack())
		}
		if sw.sent {
			// Too late for an error page: break the stream off.
			err = status.Errorf(codes.Aborted, "the plugin's handler stopped mid-response: %v", p)
			return
		}
		if p == http.ErrAbortHandler {
			err = send(errorResponse(http.StatusBadGateway, "The plugin aborted the request.", ""))
			return
		}
		err = send(errorResponse(http.StatusInternalServerError, "The plugin failed while handling the request.",
			fmt.Sprintf("panic: %v", p)))
	}()
	h.ServeHTTP(sw, r)
	return sw.finish()
}

// buildRequest turns the wire request into the http.Request a handler sees,
// or says why it cannot.
func buildRequest(ctx context.Context, req *pluginv1.HTTPRequest, body io.Reader, stripPrefix string, maxBody int64) (*http.Request, string, string) {
	escaped := req.GetPath()
	if escaped == "" {
		escaped = "/"
	}
	u := &url.URL{RawQuery: req.GetRawQuery()}
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return nil, "Malformed request path.", err.Error()
	}
	u.Path, u.RawPath = p, escaped
	if u.RawPath == u.Path {
		u.RawPath = ""
	}
	if stripPrefix != "" {
		prefix := strings.TrimSuffix(stripPrefix, "/")
		if trimmed, ok := strings.CutPrefix(u.Path, prefix); ok {
			if !strings.HasPrefix(trimmed, "/") {
				trimmed = "/" + trimmed
			}
			if u.RawPath != "" {
				raw := strings.TrimPrefix(u.RawPath, prefix)
				if !strings.HasPrefix(raw, "/") {
					raw = "/" + raw
				}
				u.RawPath = raw
			}
			u.Path = trimmed
		}
	}
	r, err := http.NewRequestWithContext(ctx, req.GetMethod(), "/", nil)
	if err != nil {
		return nil, "Malformed request.", err.Error()
	}
	r.URL = u
	r.RequestURI = u.RequestURI()
	r.Host = req.GetHost()
	r.RemoteAddr = req.GetRemoteAddr()
	switch whole := req.GetBody(); {
	case len(whole) > 0:
		r.Body = io.NopCloser(bytes.NewReader(whole))
		r.ContentLength = int64(len(whole))
	case body != nil && req.GetContentLength() != 0:
		r.Body = http.MaxBytesReader(nil, io.NopCloser(body), maxBody)
		r.ContentLength = req.GetContentLength()
	default:
		r.Body = http.NoBody
		r.ContentLength = 0
	}
	fromHeaders(r.Header, req.GetHeaders())
	if id := req.GetRequestId(); id != "" {
		r.Header.Set("X-Request-Id", id)
	}
	if req.GetScheme() == "https" {
		// The plugin never terminates TLS; the scheme travels in
		// X-Forwarded-Proto.
		r.Header.Set("X-Forwarded-Proto", "https")
	}
	return r, "", ""
}

// partReader reads a request body from the parts of ServeHTTPStream after
// the first.
type partReader struct {
	recv func() (*pluginv1.HTTPRequestPart, error)
	buf  []byte
	err  error
}

func (p *partReader) Read(b []byte) (int, error) {
	for len(p.buf) == 0 {
		if p.err != nil {
			return 0, p.err
		}
		part, err := p.recv()
		if err == io.EOF {
			p.err = io.EOF
			continue
		}
		if err != nil {
			// The host gave up on the request (its client went away or
			// sent too slowly, or the body was too large).
			p.err = fmt.Errorf("request body: %w", io.ErrUnexpectedEOF)
			continue
		}
		p.buf = part.GetBody()
	}
	n := copy(b, p.buf)
	p.buf = p.buf[n:]
	return n, nil
}

func errorResponse(code int, message, detail string) *pluginv1.HTTPResponse {
	b, _ := json.Marshal(ErrorBody{Message: message, Detail: detail})
	return &pluginv1.HTTPResponse{
		Status: int32(code),
		Headers: []*pluginv1.Header{
			{Name: "Content-Type", Values: []string{"application/json; charset=utf-8"}},
		},
		Body: append(b, '\n'),
	}
}

// streamWriter is the http.ResponseWriter of a handler on the plugin side.
// It buffers up to chunkSize and sends a part when full, when the handler
// flushes, and when it returns.
type streamWriter struct {
	header http.Header
	status int
	buf    []byte
	sent   bool // the status and headers are on their way
	send   func(*pluginv1.HTTPResponse) error
	err    error
}

func (w *streamWriter) Header() http.Header { return w.header }

func (w *streamWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *streamWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.buf = append(w.buf, p...)
	for len(w.buf) >= chunkSize && w.err == nil {
		rest := w.buf[chunkSize:]
		w.buf = w.buf[:chunkSize]
		w.sendPart(false) // Send has encoded the part when it returns
		w.buf = rest
	}
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

// Flush sends what the handler wrote so far, and tells the host to flush it
// to the client.
func (w *streamWriter) Flush() {
	if w.err != nil {
		return
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.sendPart(true)
}

// FlushError is Flush for http.ResponseController, reporting a client that
// went away.
func (w *streamWriter) FlushError() error {
	w.Flush()
	return w.err
}

func (w *streamWriter) sendPart(flush bool) {
	part := &pluginv1.HTTPResponse{Body: w.buf, Flush: flush}
	w.buf = nil
	if !w.sent {
		if w.status == 0 {
			w.status = http.StatusOK
		}
		if w.header.Get("Content-Type") == "" && len(part.Body) > 0 {
			w.header.Set("Content-Type", http.DetectContentType(part.Body))
		}
		part.Status, part.Headers = int32(w.status), toHeaders(w.header)
		w.sent = true
	}
	if err := w.send(part); err != nil {
		w.err = fmt.Errorf("send the response to the host: %w", err)
	}
}

// finish sends whatever the handler left: the whole response when it never
// flushed.
func (w *streamWriter) finish() error {
	if w.err == nil && (!w.sent || len(w.buf) > 0) {
		w.sendPart(false)
	}
	return w.err
}
