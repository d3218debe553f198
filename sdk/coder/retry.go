package coder

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy bounds how the client repeats requests.
//
// GET requests are repeated after a 5xx answer or a connection error. Any
// request is repeated after a 429 answer, waiting as long as its Retry-After
// header asks (or the backoff delay when it has none) as long as that wait
// is at most MaxRetryAfter. No request is repeated more than MaxAttempts-1
// times, and no wait outlives the call's context.
type RetryPolicy struct {
	// MaxAttempts is the total number of tries per call, including the
	// first. Values below 1 mean 1 (no retries).
	MaxAttempts int
	// BaseDelay is the backoff before the first retry; it doubles per retry.
	BaseDelay time.Duration
	// MaxDelay caps a single backoff wait.
	MaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After the client will wait out. A
	// 429 asking for longer is returned to the caller as an *Error.
	MaxRetryAfter time.Duration
}

// DefaultRetryPolicy is used when New is not given WithRetryPolicy: four
// tries, backoff from 200ms capped at 5s, Retry-After honoured up to 30s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxAttempts:   4,
		BaseDelay:     200 * time.Millisecond,
		MaxDelay:      5 * time.Second,
		MaxRetryAfter: 30 * time.Second,
	}
}

// NoRetries makes every call a single attempt.
func NoRetries() RetryPolicy { return RetryPolicy{MaxAttempts: 1} }

func (p RetryPolicy) attempts() int {
	if p.MaxAttempts < 1 {
		return 1
	}
	return p.MaxAttempts
}

// backoff returns the wait before retry number n (1-based): exponential,
// capped, with "equal jitter" so that concurrent clients spread out but the
// wait never collapses to zero.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.BaseDelay
	if d <= 0 {
		return 0
	}
	for i := 1; i < n && (p.MaxDelay <= 0 || d < p.MaxDelay); i++ {
		d *= 2
	}
	if p.MaxDelay > 0 && d > p.MaxDelay {
		d = p.MaxDelay
	}
	half := d / 2
	return half + rand.N(half+1)
}

// parseRetryAfter reads a Retry-After value given in seconds or as an HTTP
// date. ok is false when the header is absent or unreadable.
func parseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// sleepCtx waits for d or until ctx is done, whichever comes first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
