package fakecoder

import (
	"log/slog"
	"time"
)

// Option configures a Server.
type Option func(*config)

type config struct {
	seed           *Seed
	pendingDelay   time.Duration
	runningDelay   time.Duration
	rateLimit      int
	rateWindow     time.Duration
	faults         *Faults
	logger         *slog.Logger
	autoApprove    string
	now            func() time.Time
	accessURL      string
	oauth2Disabled bool
}

func defaultConfig() config {
	return config{
		pendingDelay: 0,
		runningDelay: 50 * time.Millisecond,
		logger:       slog.New(slog.DiscardHandler),
		now:          time.Now,
	}
}

// WithSeed replaces the embedded demo deployment (DemoSeed) with seed. The
// seed is validated when the server is built; New fails the test and Start
// and NewServer return the error.
func WithSeed(seed *Seed) Option {
	return func(c *config) { c.seed = seed }
}

// WithBuildDelays sets how long a workspace build's provisioner job stays
// pending and then running before it completes, and how long a started
// workspace's agent takes to connect after that. The default is 0 pending and
// 50ms running. With 0, 0 every build completes before the POST that created
// it returns: the response still shows the job pending, as Coder's does, and
// the next read shows the outcome.
func WithBuildDelays(pending, running time.Duration) Option {
	return func(c *config) {
		c.pendingDelay = max(pending, 0)
		c.runningDelay = max(running, 0)
	}
}

// WithRateLimit limits every client address to requests requests per window
// on each /api/v2 path, as Coder's global API limiter does (keyed by IP and
// path). Requests past the limit get 429 with Coder's body and a Retry-After
// header. requests <= 0 disables the limit (the default).
func WithRateLimit(requests int, per time.Duration) Option {
	return func(c *config) {
		c.rateLimit = requests
		c.rateWindow = per
	}
}

// WithFaults injects the faults f describes into every request. f may be
// changed while the server runs.
func WithFaults(f *Faults) Option {
	return func(c *config) { c.faults = f }
}

// WithLogger logs one line per request (method, path, status, duration) at
// debug level, plus build lifecycle events. Tokens, secrets and query strings
// are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithOAuth2AutoApprove makes GET /oauth2/authorize approve every valid
// request as username without a browser session or consent page: it redirects
// straight to the client's redirect URI with a code, as Coder does after a
// user clicks "Allow". Meant for tests of OAuth2 clients.
func WithOAuth2AutoApprove(username string) Option {
	return func(c *config) { c.autoApprove = username }
}

// WithClock replaces the clock used for timestamps, token expiry and rate
// limit windows. Build delays still use real timers.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// WithAccessURL sets the deployment's access URL, used in build info,
// OAuth2 metadata and token audience checks. By default it is URL() when the
// server listens, and otherwise derived from each request's Host.
func WithAccessURL(u string) Option {
	return func(c *config) { c.accessURL = u }
}

// WithOAuth2ProviderDisabled answers every /oauth2/* and
// /api/v2/oauth2-provider/* request with the 403 a Coder deployment gives
// when the "oauth2" experiment is off.
func WithOAuth2ProviderDisabled() Option {
	return func(c *config) { c.oauth2Disabled = true }
}
