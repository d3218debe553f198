package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Prefixes the host mounts the proxy at; the path is forwarded unchanged
// (upstream base path joined in front).
var Prefixes = []string{"/api/v2/", "/emojis/", "/icon/"}

// Defaults applied by New to zero-valued options.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxBodyBytes = 10 << 20
)

// DefaultAllowedMethods are the methods forwarded when Options.AllowedMethods
// is empty. See the package documentation for why this is narrower than
// Backstage's default.
var DefaultAllowedMethods = []string{http.MethodGet, http.MethodHead}

// ErrInvalidOptions wraps every error New returns.
var ErrInvalidOptions = errors.New("invalid proxy options")

// Options configures a Proxy. The zero value of every field but Upstream is a
// usable default.
type Options struct {
	// Upstream is the Coder deployment (coder.access_url). It may carry a base
	// path, which is joined in front of every forwarded path. It must not carry
	// credentials, a query or a fragment.
	Upstream *url.URL

	// AllowedMethods lists the methods forwarded; others get a JSON 405 with an
	// Allow header. Empty means DefaultAllowedMethods. Names are upper-cased.
	// CONNECT and TRACE are refused: the first is not a path request, the
	// second would echo injected secret headers back to the caller.
	AllowedMethods []string

	// AllowedHeaders are header names forwarded in both directions beyond the
	// safe default set (Backstage's allowedHeaders). Coder-Session-Token is
	// always forwarded and need not be listed. Authorization and Cookie are
	// governed by ForwardAuthorization and ForwardCookies only; listing them
	// here does not forward them (as with Backstage's default credentials
	// policy). Hop-by-hop names are refused.
	AllowedHeaders []string

	// Headers are set on every upstream request, replacing whatever the
	// caller sent under the same names (Backstage's headers). Values are
	// treated as secrets: never logged, never echoed in errors.
	Headers map[string]string

	// ForwardCookies forwards the caller's Cookie header. Off by default so
	// Backstage's cookies never reach Coder.
	ForwardCookies bool

	// ForwardAuthorization forwards the caller's Authorization header (the
	// Backstage token, like Backstage's credentials: forward). Off by default.
	ForwardAuthorization bool

	// Timeout bounds the whole upstream exchange, from sending the request to
	// the last byte of the response. Zero means DefaultTimeout. When it fires
	// before the response starts the caller gets a JSON 504; after, the
	// response is cut off.
	Timeout time.Duration

	// MaxBodyBytes bounds request bodies; larger ones get a JSON 413. Zero
	// means DefaultMaxBodyBytes.
	MaxBodyBytes int64

	// Transport carries requests to Coder. Nil means NewTransport(). It is
	// called with RoundTrip only, so redirects are never followed.
	Transport http.RoundTripper

	// Logger receives one debug record per request and warnings for upstream
	// failures. Nil means slog.Default().
	Logger *slog.Logger
}

// Proxy forwards requests under Prefixes to Coder. It is safe for concurrent
// use.
type Proxy struct {
	upstream     *url.URL
	upstreamHost string // host[:port] only, for errors and logs
	basePath     string // upstream path without its trailing slash
	baseRawPath  string
	prefixes     []string

	methods    map[string]struct{}
	allowValue string // the Allow header of a 405

	reqAllowed headerSet
	resAllowed headerSet
	inject     http.Header // canonical name → one-value slices, shared read-only

	timeout   time.Duration
	maxBody   int64
	transport http.RoundTripper
	log       *slog.Logger
}

// New validates opts and returns a Proxy. Errors wrap ErrInvalidOptions and
// name the offending value (never a header value).
func New(opts Options) (*Proxy, error) {
	p := &Proxy{
		prefixes:   slices.Clone(Prefixes),
		methods:    map[string]struct{}{},
		reqAllowed: headerSet{},
		resAllowed: headerSet{},
		inject:     http.Header{},
		timeout:    opts.Timeout,
		maxBody:    opts.MaxBodyBytes,
		transport:  opts.Transport,
		log:        opts.Logger,
	}
	if err := p.setUpstream(opts.Upstream); err != nil {
		return nil, err
	}
	if err := p.setMethods(opts.AllowedMethods); err != nil {
		return nil, err
	}
	if err := p.setHeaders(opts); err != nil {
		return nil, err
	}
	switch {
	case p.timeout < 0:
		return nil, invalid("timeout %s is negative (use 0 for the default of %s)", p.timeout, DefaultTimeout)
	case p.timeout == 0:
		p.timeout = DefaultTimeout
	}
	switch {
	case p.maxBody < 0:
		return nil, invalid("max body size %d is negative (use 0 for the default of %d bytes)", p.maxBody, DefaultMaxBodyBytes)
	case p.maxBody == 0:
		p.maxBody = DefaultMaxBodyBytes
	}
	if p.transport == nil {
		p.transport = NewTransport()
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	p.log = p.log.With("upstream", p.upstreamHost)
	return p, nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, args...)...)
}

func (p *Proxy) setUpstream(u *url.URL) error {
	if u == nil {
		return invalid("the upstream URL is required (set coder.access_url)")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return invalid("upstream %q: the scheme must be http or https", u.Redacted())
	case u.Host == "" || u.Opaque != "":
		return invalid("upstream %q: a host is required, e.g. https://coder.example.com", u.Redacted())
	case u.User != nil:
		return invalid("upstream %q: credentials in the URL are not supported; inject them with headers instead", u.Redacted())
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return invalid("upstream %q: a query or fragment is not supported", u.Redacted())
	}
	p.upstream = &url.URL{Scheme: u.Scheme, Host: u.Host}
	p.upstreamHost = u.Host
	p.basePath = strings.TrimSuffix(u.Path, "/")
	if u.RawPath != "" {
		p.baseRawPath = strings.TrimSuffix(u.RawPath, "/")
	} else {
		p.baseRawPath = strings.TrimSuffix(u.EscapedPath(), "/")
	}
	return nil
}

func (p *Proxy) setMethods(methods []string) error {
	if len(methods) == 0 {
		methods = DefaultAllowedMethods
	}
	for _, m := range methods {
		up := strings.ToUpper(strings.TrimSpace(m))
		switch {
		case !validHeaderName(up): // methods are tokens too
			return invalid("allowed method %q is not a valid HTTP method name", m)
		case up == http.MethodConnect:
			return invalid("allowed method %q cannot be proxied: Coder is reached by path, not by tunnel", m)
		case up == http.MethodTrace:
			return invalid("allowed method %q is refused: it would echo injected headers back to the caller", m)
		}
		p.methods[up] = struct{}{}
	}
	names := make([]string, 0, len(p.methods))
	for m := range p.methods {
		names = append(names, m)
	}
	sort.Strings(names)
	p.allowValue = strings.Join(names, ", ")
	return nil
}

func (p *Proxy) setHeaders(opts Options) error {
	p.reqAllowed.add(safeHeaders...)
	p.reqAllowed.add(sessionTokenHeader)
	p.resAllowed.add(safeHeaders...)
	p.resAllowed.add(contentEncoding)
	for _, name := range opts.AllowedHeaders {
		name = strings.TrimSpace(name)
		if !validHeaderName(name) {
			return invalid("allowed header %q is not a valid header name", name)
		}
		c := http.CanonicalHeaderKey(name)
		if isHopByHop(c) {
			return invalid("allowed header %q is hop-by-hop and is never forwarded; remove it", name)
		}
		switch c {
		case "Authorization", "Cookie":
			// Backstage's default credentials policy does the same with
			// allowedHeaders: [Authorization], which the Coder plugin's README
			// recommends, so accept the copied config but keep the policy.
			continue
		}
		p.reqAllowed.add(c)
		p.resAllowed.add(c)
	}
	if opts.ForwardAuthorization {
		p.reqAllowed.add("Authorization")
	}
	if opts.ForwardCookies {
		p.reqAllowed.add("Cookie")
	}
	for name, value := range opts.Headers {
		if !validHeaderName(name) {
			return invalid("header %q: not a valid header name", name)
		}
		c := http.CanonicalHeaderKey(name)
		switch {
		case isHopByHop(c):
			return invalid("header %q is hop-by-hop and cannot be injected", name)
		case c == "Host" || c == "Content-Length":
			return invalid("header %q is set by the proxy and cannot be injected", name)
		case !validHeaderValue(value):
			// Never echo the value: it is likely a secret.
			return invalid("header %q: the value contains a control character (CR, LF, NUL, ...); the value is not shown", name)
		}
		p.inject[c] = []string{value}
	}
	return nil
}

// CloseIdleConnections closes the transport's idle upstream connections, for
// a Proxy being replaced (configuration reload) or shut down.
func (p *Proxy) CloseIdleConnections() {
	if t, ok := p.transport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
}

var (
	noUserAgent = []string{""} // keeps net/http from adding its own User-Agent
	bufPool     = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}
)

// ServeHTTP forwards r to Coder and streams the answer back.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()

	if _, ok := p.methods[r.Method]; !ok {
		w.Header().Set("Allow", p.allowValue)
		writeError(w, http.StatusMethodNotAllowed,
			fmt.Sprintf("Method %s is not allowed through the Coder proxy.", safeToken(r.Method)),
			"Allowed methods: "+p.allowValue+". Add the method to the proxy's allowed_methods to forward it.")
		return
	}

	escaped := r.URL.EscapedPath()
	if prob := checkPath(p.prefixes, escaped); prob.notFound {
		writeError(w, http.StatusNotFound, "Route not found.",
			"Only "+strings.Join(p.prefixes, ", ")+" are forwarded to Coder.")
		return
	} else if prob.reason != "" {
		writeError(w, http.StatusBadRequest, "Invalid request path.",
			"The proxy refused the path: "+prob.reason+".")
		return
	}

	if r.ContentLength > p.maxBody {
		writeError(w, http.StatusRequestEntityTooLarge, "Request body is too large.",
			fmt.Sprintf("The request body is %d bytes; the limit is %d bytes.", r.ContentLength, p.maxBody))
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), p.timeout)
	defer cancel()

	// Only the configured upstream is ever addressed: r.Host, an absolute
	// request URI's authority and X-Forwarded-Host are all ignored.
	out := &url.URL{
		Scheme:     p.upstream.Scheme,
		Host:       p.upstream.Host,
		Path:       p.basePath + r.URL.Path,
		RawQuery:   r.URL.RawQuery,
		ForceQuery: r.URL.ForceQuery,
	}
	if r.URL.RawPath != "" || p.baseRawPath != p.basePath {
		out.RawPath = p.baseRawPath + escaped
	}

	hdr := make(http.Header, len(r.Header)+len(p.inject)+1)
	filterHeader(hdr, r.Header, p.reqAllowed)
	for k, vv := range p.inject {
		hdr[k] = vv
	}
	if _, ok := hdr["User-Agent"]; !ok {
		hdr["User-Agent"] = noUserAgent
	}

	var body *limitedBody
	outReq := &http.Request{
		Method:        r.Method,
		URL:           out,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        hdr,
		Host:          p.upstream.Host,
		ContentLength: r.ContentLength,
	}
	if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
		body = &limitedBody{rc: r.Body, left: p.maxBody}
		outReq.Body = body
		rc := http.NewResponseController(w)
		// Coder may answer before it has the whole body; its answer then
		// goes out while the body still arrives, rather than after
		// net/http has drained it.
		_ = rc.EnableFullDuplex()
		// The transport goes on reading the body after Coder has answered,
		// and RoundTrip waits for a read in progress before it gives up on
		// a timeout: interrupt the read in either case instead of waiting
		// for the client. Nothing may read the body once we return.
		defer body.stop(rc)
		defer context.AfterFunc(ctx, func() {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				body.interrupt(rc)
			}
		})()
	} else {
		outReq.ContentLength = 0
	}
	outReq = outReq.WithContext(ctx)

	res, err := p.transport.RoundTrip(outReq)
	if err != nil {
		p.roundTripFailed(ctx, w, r, body, err, escaped)
		return
	}
	defer res.Body.Close()

	if res.StatusCode == http.StatusSwitchingProtocols {
		// Upgrade is hop-by-hop and never forwarded, so Coder should not
		// switch; if it does, there is no byte stream to relay it over.
		writeError(w, http.StatusBadGateway, "Protocol upgrades are not supported by the Coder proxy.",
			"WebSocket endpoints cannot be reached through this pass-through.")
		return
	}

	dst := w.Header()
	filterHeader(dst, res.Header, p.resAllowed)
	w.WriteHeader(res.StatusCode)

	streaming := res.ContentLength < 0 || isEventStream(res.Header)
	upstreamErr := p.copyBody(w, res.Body, streaming)

	if p.log.Enabled(r.Context(), slog.LevelDebug) {
		p.log.LogAttrs(r.Context(), slog.LevelDebug, "proxied",
			slog.String("method", r.Method), slog.String("path", escaped),
			slog.Int("status", res.StatusCode), slog.Duration("duration", time.Since(start)))
	}
	if upstreamErr != nil {
		if r.Context().Err() == nil {
			p.log.LogAttrs(r.Context(), slog.LevelWarn, "upstream response cut off",
				slog.String("method", r.Method), slog.String("path", escaped),
				slog.String("error", describeErr(upstreamErr)))
		}
		// Abort the client connection so a truncated body is not mistaken
		// for a complete one (the same as httputil.ReverseProxy).
		panic(http.ErrAbortHandler)
	}
}

// roundTripFailed answers a request that got no upstream response.
func (p *Proxy) roundTripFailed(ctx context.Context, w http.ResponseWriter, r *http.Request, body *limitedBody, err error, path string) {
	attrs := func(extra ...slog.Attr) []slog.Attr {
		return append([]slog.Attr{slog.String("method", r.Method), slog.String("path", path)}, extra...)
	}
	switch {
	case body != nil && body.tooLarge.Load():
		writeError(w, http.StatusRequestEntityTooLarge, "Request body is too large.",
			fmt.Sprintf("The request body exceeds the limit of %d bytes.", p.maxBody))
	case body != nil && body.timedOut():
		// net/http has cancelled r's context, but the client is there to
		// read this.
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusRequestTimeout, "The request body did not arrive in time.",
			"The host's read_timeout bounds the time to send a request.")
	case body != nil && body.readFailed.Load() && r.Context().Err() == nil:
		// A malformed body; a connection that failed would have cancelled
		// r's context.
		writeError(w, http.StatusBadRequest, "Could not read the request body.",
			"The request body ended early or could not be read.")
	case errors.Is(ctx.Err(), context.DeadlineExceeded) && r.Context().Err() == nil || body != nil && body.interrupted.Load():
		// Also when net/http cancelled r's context because the body read
		// was interrupted at the deadline: the client is still there.
		p.log.LogAttrs(r.Context(), slog.LevelWarn, "upstream timed out", attrs(slog.Duration("timeout", p.timeout))...)
		writeError(w, http.StatusGatewayTimeout,
			fmt.Sprintf("Coder at %s did not respond in time.", p.upstreamHost),
			fmt.Sprintf("No response within %s.", p.timeout))
	case r.Context().Err() != nil:
		// The caller went away; nobody is listening for an answer.
		p.log.LogAttrs(r.Context(), slog.LevelDebug, "caller canceled", attrs()...)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		p.log.LogAttrs(r.Context(), slog.LevelWarn, "upstream timed out", attrs(slog.Duration("timeout", p.timeout))...)
		writeError(w, http.StatusGatewayTimeout,
			fmt.Sprintf("Coder at %s did not respond in time.", p.upstreamHost),
			fmt.Sprintf("No response within %s.", p.timeout))
	case isTimeout(err):
		p.log.LogAttrs(r.Context(), slog.LevelWarn, "upstream timed out", attrs(slog.String("error", describeErr(err)))...)
		writeError(w, http.StatusGatewayTimeout,
			fmt.Sprintf("Coder at %s did not respond in time.", p.upstreamHost), describeErr(err))
	default:
		p.log.LogAttrs(r.Context(), slog.LevelWarn, "upstream unreachable", attrs(slog.String("error", describeErr(err)))...)
		writeError(w, http.StatusBadGateway,
			fmt.Sprintf("Coder at %s is unreachable.", p.upstreamHost), describeErr(err))
	}
}

// copyBody streams the upstream body to w. It returns an error only when the
// upstream body failed; a caller that went away just ends the copy.
func (p *Proxy) copyBody(w http.ResponseWriter, src io.Reader, streaming bool) error {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	var rc *http.ResponseController
	if streaming {
		rc = http.NewResponseController(w)
	}
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return nil
			}
			if rc != nil {
				if rc.Flush() != nil {
					rc = nil // not flushable; keep copying
				}
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

func isEventStream(h http.Header) bool {
	ct := h["Content-Type"]
	if len(ct) == 0 {
		return false
	}
	mt, _, _ := mime.ParseMediaType(ct[0])
	return mt == "text/event-stream"
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// describeErr renders a transport error for callers and logs without the
// request URL that *url.Error would add: its query may carry a session token.
func describeErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// safeToken returns s if it is short and printable, for echoing request data.
func safeToken(s string) string {
	if len(s) > 32 || !validHeaderName(s) {
		return "(invalid)"
	}
	return s
}

// limitedBody forwards a request body, failing once more than left bytes
// arrive. The transport's writer reads it while the handler waits, hence
// the atomics; mu is held during a read, so stop can wait one out.
type limitedBody struct {
	rc   io.ReadCloser
	left int64

	tooLarge    atomic.Bool
	readFailed  atomic.Bool
	deadline    atomic.Bool // a read failed at the read deadline
	finished    atomic.Bool // the body was read to its end, or failed
	interrupted atomic.Bool // the host gave up on it

	mu      sync.Mutex
	stopped bool
}

var (
	errBodyTooLarge = errors.New("request body too large")
	errBodyStopped  = errors.New("request body no longer read")
	aLongTimeAgo    = time.Unix(1, 0)
)

func (b *limitedBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return 0, errBodyStopped
	}
	if b.tooLarge.Load() {
		return 0, errBodyTooLarge
	}
	if b.left < int64(len(p)) {
		p = p[:b.left+1] // one byte more than allowed reveals an oversized body
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		b.tooLarge.Store(true)
		return int(b.left), errBodyTooLarge
	}
	b.left -= int64(n)
	if err != nil {
		b.finished.Store(true)
	}
	if err != nil && err != io.EOF {
		b.readFailed.Store(true)
		b.deadline.Store(errors.Is(err, os.ErrDeadlineExceeded))
	}
	return n, err
}

// timedOut reports a body the client sent too slowly, as opposed to one the
// host stopped reading.
func (b *limitedBody) timedOut() bool { return b.deadline.Load() && !b.interrupted.Load() }

// interrupt makes a read waiting for the client return at once.
func (b *limitedBody) interrupt(rc *http.ResponseController) {
	b.interrupted.Store(true)
	if !b.finished.Load() {
		_ = rc.SetReadDeadline(aLongTimeAgo)
	}
}

// stop interrupts a read in progress, waits for it, and fails later reads.
func (b *limitedBody) stop(rc *http.ResponseController) {
	b.interrupt(rc)
	b.mu.Lock()
	b.stopped = true
	b.mu.Unlock()
}

// Close leaves the client's body to net/http, which closes it after the
// handler: closing it here would wait to drain what the client still
// sends.
func (b *limitedBody) Close() error { return nil }

// String keeps a Proxy printable without its injected header values.
func (p *Proxy) String() string {
	names := make([]string, 0, len(p.inject))
	for k := range p.inject {
		names = append(names, k)
	}
	sort.Strings(names)
	return "proxy to " + p.upstream.Scheme + "://" + p.upstreamHost + p.basePath +
		" (methods " + p.allowValue + ", injected headers [" + strings.Join(names, " ") + "], timeout " +
		p.timeout.String() + ", max body " + strconv.FormatInt(p.maxBody, 10) + " bytes)"
}
