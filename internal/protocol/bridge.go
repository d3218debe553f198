package protocol

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/coderhost/coderhost/internal/pluginv1"
)

// ErrorBody is the JSON error shape used by the host and the SDK. It matches
// Coder's own error body, so the Backstage frontend plugin shows it as is.
type ErrorBody struct {
	Message string `json:"message"`
	Detail  string `json:"detail,omitempty"`
}

// WriteError writes a JSON error body with the given status.
func WriteError(w http.ResponseWriter, code int, message, detail string) {
	b, _ := json.Marshal(ErrorBody{Message: message, Detail: detail})
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

// FeatureRequestBodyStream is the DescribeResponse feature of a plugin that
// serves ServeHTTPStream.
const FeatureRequestBodyStream = "request_body_stream"

// Why the host gave up on an exchange before the plugin answered; the
// cause of the exchange's context.
var (
	errBodyTooLarge = errors.New("request body too large")
	errNoAnswer     = errors.New("the plugin did not start its answer in time")
)

// aLongTimeAgo is a read deadline that interrupts a pending read at once.
var aLongTimeAgo = time.Unix(1, 0)

// ServeHTTP carries r to the plugin and writes the plugin's answer to w as
// it arrives: the plugin's flushes reach the client, so event streams work.
// The request id and plugin id come from r's context (WithRequestID,
// WithPlugin).
//
// A plugin that serves ServeHTTPStream gets the request body in parts as it
// arrives, and may answer before reading it; otherwise the body is read
// into memory first, within the client's MaxBufferedBytes. Bodies over
// MaxBodyBytes get a 413, a body the client does not deliver in time (the
// server's read timeout) a 408, a plugin that cannot be reached or whose
// buffering budget is spent a 503, and a plugin that does not start its
// answer within Timeout a 504. A response the plugin breaks off after it
// started is cut off, so the client does not take it for a whole one. A
// client that went away gets nothing.
func (c *Client) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	max := c.limits.MaxBodyBytes
	hasBody := r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
	if r.ContentLength > max {
		writeTooLarge(w, max)
		return
	}
	req := &pluginv1.HTTPRequest{
		Method:        r.Method,
		Path:          r.URL.EscapedPath(),
		RawQuery:      r.URL.RawQuery,
		Headers:       toHeaders(r.Header),
		RemoteAddr:    r.RemoteAddr,
		RequestId:     RequestID(r.Context()),
		Host:          r.Host,
		Scheme:        scheme(r),
		ContentLength: r.ContentLength,
	}
	if !hasBody {
		req.ContentLength = 0
	}
	ex := &exchange{c: c, w: w, r: r, rc: http.NewResponseController(w)}
	ex.ctx, ex.cancel = context.WithCancel(r.Context())
	defer ex.cancel()
	if t := c.limits.Timeout; t > 0 {
		ex.timer = time.AfterFunc(t, func() {
			ex.abandon(errNoAnswer)
			ex.interrupt()
		})
		defer ex.timer.Stop()
	}
	// A request without a body goes as one message: a bidirectional stream
	// costs its half-close and more frames for nothing to stream.
	if hasBody && c.streams.Load() {
		ex.streamed(req)
		return
	}
	ex.buffered(req, hasBody)
}

// exchange is one request on its way to the plugin and back.
type exchange struct {
	c      *Client
	w      http.ResponseWriter
	r      *http.Request
	rc     *http.ResponseController
	ctx    context.Context
	cancel context.CancelFunc
	timer  *time.Timer // the plugin's time to answer; stopped at its first part
	sender *bodySender // streams the body, when there is one to stream

	// The state below is what decides the answer when the plugin's does
	// not come. A body read that fails cancels r's context, and with it
	// ctx, before the reader can say why, so the reasons are kept here
	// rather than read from contexts.
	mu          sync.Mutex
	why         error // why the host gave up on the plugin's answer, if it did
	bodyErr     error // how the client failed to deliver its body, if it did
	bodyOpen    bool  // the body is being read and has not ended
	interrupted bool  // the host cut a body read short itself
}

// abandon stops waiting for the plugin and remembers why.
func (ex *exchange) abandon(why error) {
	ex.mu.Lock()
	if ex.why == nil {
		ex.why = why
	}
	ex.mu.Unlock()
	ex.cancel()
}

// interrupt makes a body read that waits for the client return at once.
func (ex *exchange) interrupt() {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	ex.interrupted = true
	if ex.bodyOpen {
		_ = ex.rc.SetReadDeadline(aLongTimeAgo)
	}
}

// bodyStarted marks the body as being read.
func (ex *exchange) bodyStarted() {
	ex.mu.Lock()
	ex.bodyOpen = true
	ex.mu.Unlock()
}

// bodyEnded records how reading the body ended (io.EOF: complete). It
// returns the error when it is the client's failure, and nil when the body
// is complete or the host interrupted the read itself.
func (ex *exchange) bodyEnded(err error) error {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	ex.bodyOpen = false
	if err == nil || err == io.EOF || ex.interrupted {
		return nil
	}
	if ex.bodyErr == nil {
		ex.bodyErr = err
	}
	return err
}

func (ex *exchange) state() (why, bodyErr error, interrupted bool) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	return ex.why, ex.bodyErr, ex.interrupted
}

// clientGone reports a client that went away: net/http cancelled its
// context, and not because the host interrupted a body read.
func (ex *exchange) clientGone() bool {
	_, _, interrupted := ex.state()
	return ex.r.Context().Err() != nil && !interrupted
}

// buffered reads the whole body, within the plugin's buffering budget, and
// sends it in one ServeHTTP call.
func (ex *exchange) buffered(req *pluginv1.HTTPRequest, hasBody bool) {
	if hasBody {
		body, held, ok := ex.readBuffered()
		defer ex.c.buffered.Add(-held)
		if !ok {
			return
		}
		req.Body = body
		req.ContentLength = int64(len(body))
	}
	stream, err := ex.c.rpc.ServeHTTP(ex.ctx, req)
	if err != nil {
		ex.failed(err)
		return
	}
	ex.relay(stream.Recv)
}

// readBuffered reads the request body, holding its bytes against the
// plugin's budget as they arrive. held is what to give back afterwards.
func (ex *exchange) readBuffered() (body []byte, held int64, ok bool) {
	c, r := ex.c, ex.r
	hold := func(n int64) bool {
		if c.buffered.Add(n) > c.limits.MaxBufferedBytes {
			c.buffered.Add(-n)
			return false
		}
		held += n
		return true
	}
	busy := func() {
		ex.w.Header().Set("Retry-After", "1")
		WriteError(ex.w, http.StatusServiceUnavailable,
			fmt.Sprintf("Plugin %q is busy with other large requests.", pluginFrom(r.Context())),
			"Retry shortly. The host holds at most max_in_flight bytes of request bodies at once for this plugin.")
	}
	ex.bodyStarted()
	failed := func(err error) ([]byte, int64, bool) {
		if ex.bodyEnded(err) != nil {
			ex.bodyFailed(err)
		} else {
			ex.failed(err)
		}
		return nil, held, false
	}
	if r.ContentLength > 0 {
		// Known up front: refuse before reading any of it.
		if !hold(r.ContentLength) {
			ex.bodyEnded(nil)
			busy()
			return nil, held, false
		}
		body = make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return failed(err)
		}
		ex.bodyEnded(nil)
		return body, held, true
	}
	limit := c.limits.MaxBodyBytes
	for {
		if len(body) == cap(body) {
			// Unknown length: double the buffer (up to one byte over the
			// limit, which tells an oversized body), holding each growth
			// before it is allocated.
			grow := min(max(int64(cap(body)), chunkSize), limit+1-int64(cap(body)))
			if !hold(grow) {
				ex.bodyEnded(nil)
				busy()
				return nil, held, false
			}
			nb := make([]byte, len(body), int64(cap(body))+grow)
			copy(nb, body)
			body = nb
		}
		n, err := r.Body.Read(body[len(body):cap(body)])
		body = body[:len(body)+n]
		if int64(len(body)) > limit {
			ex.bodyEnded(nil)
			writeTooLarge(ex.w, limit)
			return nil, held, false
		}
		if err == io.EOF {
			ex.bodyEnded(nil)
			return body, held, true
		}
		if err != nil {
			return failed(err)
		}
	}
}

// streamed sends the request over ServeHTTPStream, the body in parts read
// as they arrive, while the plugin's answer is relayed. The first part goes
// out at once, even for a small body, so a plugin that answers without the
// body never waits for a slow client.
func (ex *exchange) streamed(req *pluginv1.HTTPRequest) {
	stream, err := ex.c.rpc.ServeHTTPStream(ex.ctx)
	if err != nil {
		ex.failed(err)
		return
	}
	if err := stream.Send(&pluginv1.HTTPRequestPart{Head: req}); err != nil {
		// The real error comes with Recv.
		ex.relay(stream.Recv)
		return
	}
	// The plugin may answer while the body still arrives: keep net/http
	// from draining the body once the answer starts.
	_ = ex.rc.EnableFullDuplex()
	ex.bodyStarted()
	ex.sender = &bodySender{ex: ex, send: stream.Send, closeSend: stream.CloseSend, done: make(chan struct{})}
	go ex.sender.run()
	defer ex.sender.stop()
	ex.relay(stream.Recv)
}

// bodySender streams the request body to the plugin.
type bodySender struct {
	ex        *exchange
	send      func(*pluginv1.HTTPRequestPart) error
	closeSend func() error

	done     chan struct{}
	stopOnce sync.Once
}

func (s *bodySender) run() {
	defer close(s.done)
	ex := s.ex
	var total int64
	// One buffer for every part: Send has encoded a part into a buffer of
	// its own by the time it returns.
	buf := make([]byte, chunkSize)
	for {
		n, err := ex.r.Body.Read(buf)
		total += int64(n)
		if total > ex.c.limits.MaxBodyBytes {
			ex.abandon(errBodyTooLarge)
			return
		}
		if n > 0 {
			if s.send(&pluginv1.HTTPRequestPart{Body: buf[:n]}) != nil {
				return // the plugin has answered or is gone; the answer says which
			}
		}
		switch {
		case err == io.EOF:
			ex.bodyEnded(nil)
			_ = s.closeSend()
			return
		case err != nil:
			if ex.bodyEnded(err) != nil {
				ex.cancel()
			}
			return
		}
	}
}

// stop ends the sender once the answer is relayed: a read still waiting for
// the client is interrupted, since nothing may read the body once the
// handler returns and the plugin needs no more of it.
func (s *bodySender) stop() {
	s.stopOnce.Do(func() {
		s.ex.interrupt()
		s.ex.cancel()
	})
	<-s.done
}

// relay writes the plugin's answer, part by part, as it arrives.
func (ex *exchange) relay(recv func() (*pluginv1.HTTPResponse, error)) {
	w, r := ex.w, ex.r
	head, err := recv()
	if ex.timer != nil {
		ex.timer.Stop()
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = status.Error(codes.Internal, "the plugin ended the response before sending it")
		}
		ex.failed(err)
		return
	}
	fromHeaders(w.Header(), head.GetHeaders())
	if m := ex.c.mount.Load(); m != nil {
		rewriteLocation(w.Header(), *m, r.URL.EscapedPath())
	}
	code := int(head.GetStatus())
	if code < 100 || code > 999 {
		code = http.StatusOK
	}
	w.WriteHeader(code)
	for part := head; ; {
		if r.Method != http.MethodHead && len(part.GetBody()) > 0 {
			if _, err := w.Write(part.GetBody()); err != nil {
				return // the client went away; the deferred cancel stops the plugin's handler
			}
		}
		if part.GetFlush() {
			ex.renewWriteDeadline()
			_ = ex.rc.Flush()
		}
		part, err = recv()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			if !ex.clientGone() {
				// Cut the connection, so the client does not take what
				// it got for the whole answer.
				panic(http.ErrAbortHandler)
			}
			return
		}
	}
}

// renewWriteDeadline grants the response the server's write timeout again.
func (ex *exchange) renewWriteDeadline() {
	if d := writeTimeoutFrom(ex.r.Context()); d > 0 {
		_ = ex.rc.SetWriteDeadline(time.Now().Add(d))
	}
}

// failed answers an exchange that ended before the plugin's answer began.
func (ex *exchange) failed(err error) {
	w, r := ex.w, ex.r
	if ex.sender != nil {
		if r.Context().Err() != nil {
			// A body read failed (which cancels r's context, and so the
			// exchange), or fails now for a client that left: let the
			// sender record how before deciding.
			<-ex.sender.done
		} else {
			ex.sender.stop()
		}
	}
	why, bodyErr, _ := ex.state()
	if bodyErr != nil {
		// The client failed to deliver the body, whatever else happened
		// meanwhile.
		ex.bodyFailed(bodyErr)
		return
	}
	if ex.clientGone() {
		return // nobody to answer
	}
	// However long the wait was, the client gets to read why it ended.
	ex.renewWriteDeadline()
	switch {
	case errors.Is(why, errBodyTooLarge):
		writeTooLarge(w, ex.c.limits.MaxBodyBytes)
	case errors.Is(why, errNoAnswer):
		WriteError(w, http.StatusGatewayTimeout, subject(r.Context())+" did not answer in time.",
			fmt.Sprintf("No answer within %s; the plugin block's timeout sets this limit.", ex.c.limits.Timeout))
	default:
		writeCallError(w, r.Context(), err)
	}
}

// bodyFailed answers a request whose body the client did not deliver: too
// slowly (408; net/http has cancelled the request's context, but the client
// is still there to read the answer), or not at all.
func (ex *exchange) bodyFailed(err error) {
	ex.w.Header().Set("Connection", "close")
	if errors.Is(err, os.ErrDeadlineExceeded) {
		WriteError(ex.w, http.StatusRequestTimeout, "The request body did not arrive in time.",
			"The host's read_timeout bounds the time to send a request.")
		return
	}
	if ex.r.Context().Err() != nil {
		return // the client went away
	}
	WriteError(ex.w, http.StatusBadRequest, "Could not read the request body.", err.Error())
}

func writeTooLarge(w http.ResponseWriter, max int64) {
	w.Header().Set("Connection", "close")
	WriteError(w, http.StatusRequestEntityTooLarge,
		"Request body is larger than the limit of "+strconv.FormatInt(max, 10)+" bytes.",
		"Send a smaller body, or raise max_body in the plugin block of the configuration.")
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

func subject(ctx context.Context) string {
	if name := pluginFrom(ctx); name != "" {
		return fmt.Sprintf("Plugin %q", name)
	}
	return "The plugin"
}

func writeCallError(w http.ResponseWriter, ctx context.Context, err error) {
	st, _ := status.FromError(err)
	switch {
	case st.Code() == codes.Unavailable || st.Code() == codes.Canceled:
		w.Header().Set("Retry-After", "1")
		WriteError(w, http.StatusServiceUnavailable, subject(ctx)+" is not available right now.",
			"coderhost restarts crashed plugins automatically; retry shortly.")
	case st.Code() == codes.DeadlineExceeded:
		WriteError(w, http.StatusGatewayTimeout, subject(ctx)+" did not answer in time.", st.Message())
	default:
		WriteError(w, http.StatusBadGateway, subject(ctx)+" failed to handle the request.", st.Message())
	}
}
