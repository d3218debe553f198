package fakecoder

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Faults injects latency, errors and dropped connections, for reliability
// tests of Coder clients. The zero value injects nothing; every method may be
// called while the server runs.
type Faults struct {
	mu          sync.Mutex
	latency     time.Duration
	errorRate   float64
	errorStatus int
	failNext    int
	failStatus  int
	dropNext    int
	prefix      string
	injected    int
}

// SetLatency delays every affected request by d before it is handled (or
// until the client gives up).
func (f *Faults) SetLatency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
}

// SetErrorRate answers the given fraction (0 to 1) of affected requests with
// status and a Coder error body instead of handling them.
func (f *Faults) SetErrorRate(rate float64, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errorRate, f.errorStatus = rate, status
}

// FailNext answers the next n affected requests with status and a Coder
// error body (with Retry-After: 1 for 429 and 503).
func (f *Faults) FailNext(n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext, f.failStatus = n, status
}

// DropNext closes the connection of the next n affected requests without
// answering. Note that Go's http.Transport silently retries an idempotent
// request that fails this way on a reused keep-alive connection; tests that
// count failures should use fresh connections.
func (f *Faults) DropNext(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dropNext = n
}

// SetPathPrefix limits the faults to requests whose path starts with prefix
// ("" affects every request).
func (f *Faults) SetPathPrefix(prefix string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prefix = prefix
}

// Reset turns every fault off.
func (f *Faults) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency, f.errorRate, f.errorStatus, f.failNext, f.failStatus, f.dropNext, f.prefix = 0, 0, 0, 0, 0, 0, ""
}

// Injected counts the requests failed or dropped so far.
func (f *Faults) Injected() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.injected
}

type faultAction int

const (
	faultNone faultAction = iota
	faultFail
	faultDrop
)

func (f *Faults) decide(path string) (time.Duration, faultAction, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !strings.HasPrefix(path, f.prefix) {
		return 0, faultNone, 0
	}
	switch {
	case f.dropNext > 0:
		f.dropNext--
		f.injected++
		return f.latency, faultDrop, 0
	case f.failNext > 0:
		f.failNext--
		f.injected++
		return f.latency, faultFail, f.failStatus
	case f.errorRate > 0 && rand.Float64() < f.errorRate:
		f.injected++
		return f.latency, faultFail, f.errorStatus
	}
	return f.latency, faultNone, 0
}

func (f *Faults) middleware(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		latency, action, status := f.decide(r.URL.Path)
		if latency > 0 {
			t := time.NewTimer(latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		switch action {
		case faultDrop:
			logger.Debug("fault: dropping connection", slog.String("path", r.URL.Path))
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close()
					return
				}
			}
			// Without a hijackable connection (HTTP/2), abort the stream.
			panic(http.ErrAbortHandler)
		case faultFail:
			logger.Debug("fault: failing request", slog.String("path", r.URL.Path), slog.Int("status", status))
			if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
				w.Header().Set("Retry-After", "1")
			}
			writeJSON(w, status, Response{
				Message: fmt.Sprintf("%s.", http.StatusText(status)),
				Detail:  "fault injected by fakecoder",
			})
			return
		}
		next.ServeHTTP(w, r)
	})
}
