package coder

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// SessionTokenHeader is the header that carries a Coder API token. Every
// Coder v2 release reads it; Authorization: Bearer only arrived in v2.25.
const SessionTokenHeader = "Coder-Session-Token"

// DefaultUserAgent is sent when New is not given WithUserAgent.
const DefaultUserAgent = "coderhost-sdk"

const (
	maxResponseBytes      = 64 << 20 // a workspace list with limit=0 can be large
	maxErrorResponseBytes = 1 << 20
)

// Client talks to one Coder deployment. It is safe for concurrent use.
// Copies made with WithToken share the HTTP client, settings and caches.
type Client struct {
	core  *core
	token string
}

type core struct {
	base      *url.URL // no trailing slash; may carry a path prefix
	http      *http.Client
	userAgent string
	retry     RetryPolicy
	logger    *slog.Logger

	// Test seams.
	sleep func(context.Context, time.Duration) error
	now   func() time.Time

	// userCreateRouteMissing remembers that the server has no user-scoped
	// workspace creation route (Coder before about v2.14).
	userCreateRouteMissing atomic.Bool
}

// Option configures a Client in New.
type Option func(*options)

type options struct {
	token     string
	http      *http.Client
	userAgent string
	retry     *RetryPolicy
	logger    *slog.Logger
}

// WithSessionToken sets the API token sent with every request. Use
// Client.WithToken to derive a client for another user.
func WithSessionToken(token string) Option { return func(o *options) { o.token = token } }

// WithHTTPClient sets the HTTP client used for every request, including the
// OAuth2 calls made through OAuth2Context. The default is a client with a
// 30 second timeout.
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.http = c } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(o *options) { o.userAgent = ua } }

// WithRetryPolicy replaces DefaultRetryPolicy.
func WithRetryPolicy(p RetryPolicy) Option { return func(o *options) { o.retry = &p } }

// WithLogger receives debug records about retries. Records name the method,
// path and status; they never contain tokens or bodies.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// New returns a client for the Coder deployment at baseURL, its access URL
// (for example https://coder.example.com). A path prefix is kept, so the
// client also works through a proxy mounted at a sub-path.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		return nil, fmt.Errorf("coder: base URL %q: %w", baseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("coder: base URL %q must be an absolute http or https URL, such as https://coder.example.com", baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("coder: base URL %q must not contain a query, fragment or user info", baseURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""

	var o options
	for _, opt := range opts {
		opt(&o)
	}
	c := &core{
		base:      u,
		http:      o.http,
		userAgent: o.userAgent,
		retry:     DefaultRetryPolicy(),
		logger:    o.logger,
		sleep:     sleepCtx,
		now:       time.Now,
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 30 * time.Second}
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if o.retry != nil {
		c.retry = *o.retry
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	return &Client{core: c, token: o.token}, nil
}

// WithToken returns a copy of c that authenticates as the owner of token.
// The copy is cheap: it shares c's HTTP client, settings and caches.
func (c *Client) WithToken(token string) *Client {
	return &Client{core: c.core, token: token}
}

// URL returns a copy of the deployment's base URL.
func (c *Client) URL() *url.URL {
	u := *c.core.base
	return &u
}

// ResolveURL makes a Coder-relative reference absolute. Coder returns icons
// such as "/icon/go.svg" or "/emojis/1f4bb.png"; those are joined to the
// base URL. Absolute URLs and the empty string are returned unchanged.
func (c *Client) ResolveURL(ref string) string {
	if !strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "//") {
		return ref
	}
	return c.core.base.String() + ref
}

// String describes the client without revealing its token.
func (c *Client) String() string {
	auth := "no token"
	if c.token != "" {
		auth = "with token"
	}
	return fmt.Sprintf("coder.Client(%s, %s)", c.core.base, auth)
}

// GoString keeps %#v from printing the token.
func (c *Client) GoString() string { return c.String() }

// request describes one API call.
type request struct {
	method string
	path   string // escaped, starting with "/"
	query  url.Values
	json   any        // JSON body, or nil
	form   url.Values // form body, or nil
	out    any        // decoded from a 2xx answer when non-nil
	noAuth bool
}

// pathf builds an escaped path, escaping each argument as one segment.
func pathf(format string, segs ...string) string {
	args := make([]any, len(segs))
	for i, s := range segs {
		args[i] = url.PathEscape(s)
	}
	return fmt.Sprintf(format, args...)
}

func (c *Client) do(ctx context.Context, r request) error {
	var (
		body        []byte
		contentType string
	)
	switch {
	case r.json != nil:
		b, err := json.Marshal(r.json)
		if err != nil {
			return fmt.Errorf("coder: %s %s: encoding request: %w", r.method, r.path, err)
		}
		body, contentType = b, "application/json"
	case r.form != nil:
		body, contentType = []byte(r.form.Encode()), "application/x-www-form-urlencoded"
	}
	target := c.core.base.String() + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	policy := c.core.retry
	idempotent := r.method == http.MethodGet || r.method == http.MethodHead

	for attempt := 1; ; attempt++ {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, r.method, target, rd)
		if err != nil {
			return fmt.Errorf("coder: %s %s: %w", r.method, r.path, err)
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", c.core.userAgent)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if c.token != "" && !r.noAuth {
			req.Header.Set(SessionTokenHeader, c.token)
		}

		status, header, respBody, err := c.roundTrip(req)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return fmt.Errorf("coder: %s %s: %w", r.method, r.path, ctxErr)
			}
			if idempotent && attempt < policy.attempts() && transient(err) {
				wait := policy.backoff(attempt)
				c.core.logger.DebugContext(ctx, "coder: retrying after connection error",
					"method", r.method, "path", r.path, "attempt", attempt, "wait", wait, "error", err.Error())
				if err := c.core.sleep(ctx, wait); err != nil {
					return fmt.Errorf("coder: %s %s: %w", r.method, r.path, err)
				}
				continue
			}
			return fmt.Errorf("coder: %s %s: %w", r.method, r.path, err)
		}

		if status >= 200 && status < 300 {
			if r.out == nil || len(bytes.TrimSpace(respBody)) == 0 {
				return nil
			}
			if err := json.Unmarshal(respBody, r.out); err != nil {
				return fmt.Errorf("coder: %s %s: decoding %d answer (Content-Type %q): %w; body starts %q",
					r.method, r.path, status, header.Get("Content-Type"), err, excerpt(respBody, 120))
			}
			return nil
		}

		apiErr := decodeError(r.method, r.path, status, header, respBody)
		wait, retry := c.retryWait(policy, attempt, idempotent, status, header)
		if !retry {
			return apiErr
		}
		c.core.logger.DebugContext(ctx, "coder: retrying after error status",
			"method", r.method, "path", r.path, "attempt", attempt, "status", status, "wait", wait)
		if err := c.core.sleep(ctx, wait); err != nil {
			return fmt.Errorf("coder: %s %s: %w (while waiting to retry after %w)", r.method, r.path, err, apiErr)
		}
	}
}

// retryWait decides whether an error answer is retried, and after how long.
func (c *Client) retryWait(p RetryPolicy, attempt int, idempotent bool, status int, h http.Header) (time.Duration, bool) {
	if attempt >= p.attempts() {
		return 0, false
	}
	switch {
	case status == http.StatusTooManyRequests:
		wait, ok := parseRetryAfter(h.Get("Retry-After"), c.core.now())
		if !ok {
			wait = p.backoff(attempt)
		}
		return wait, wait <= p.MaxRetryAfter
	case status >= 500 && idempotent:
		return p.backoff(attempt), true
	}
	return 0, false
}

// roundTrip sends req and reads the whole (bounded) answer.
func (c *Client) roundTrip(req *http.Request) (int, http.Header, []byte, error) {
	resp, err := c.core.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	limit := int64(maxResponseBytes)
	if resp.StatusCode >= 300 {
		limit = maxErrorResponseBytes
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("reading answer: %w", err)
	}
	if int64(len(b)) > limit {
		if resp.StatusCode < 300 {
			return 0, nil, nil, errResponseTooLarge
		}
		b = b[:limit]
	}
	return resp.StatusCode, resp.Header, b, nil
}

var errResponseTooLarge = errors.New("answer larger than 64 MiB")

// transient reports whether a transport error may go away on its own.
// Certificate problems and oversized answers will not.
func transient(err error) bool {
	var certErr *tls.CertificateVerificationError
	return !errors.Is(err, errResponseTooLarge) && !errors.As(err, &certErr)
}
