package fakecoder

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rateLimiter is Coder's global API limiter: a fixed number of requests per
// window for each client address and path, with httprate's headers.
type rateLimiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	windows map[string]*rateWindow
}

type rateWindow struct {
	start time.Time
	count int
}

func newRateLimiter(limit int, window time.Duration, now func() time.Time) *rateLimiter {
	return &rateLimiter{limit: limit, window: window, now: now, windows: map[string]*rateWindow{}}
}

func (l *rateLimiter) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/v2") {
			next.ServeHTTP(w, r)
			return
		}
		ip, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			ip = r.RemoteAddr
		}
		key := ip + " " + strings.ToLower(r.URL.Path)
		now := l.now()

		l.mu.Lock()
		win := l.windows[key]
		if win == nil || !now.Before(win.start.Add(l.window)) {
			win = &rateWindow{start: now}
			l.windows[key] = win
		}
		win.count++
		count, reset := win.count, win.start.Add(l.window)
		l.mu.Unlock()

		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(l.limit))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(max(l.limit-count, 0)))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		h.Set("X-RateLimit-Increment", "1")
		if count > l.limit {
			h.Set("Retry-After", strconv.Itoa(int(math.Ceil(reset.Sub(now).Seconds()))))
			writeResponse(w, http.StatusTooManyRequests,
				fmt.Sprintf("You've been rate limited for sending more than %v requests in %v.", l.limit, l.window))
			return
		}
		next.ServeHTTP(w, r)
	})
}
