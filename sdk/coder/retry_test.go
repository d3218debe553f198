package coder

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waits records the delays the client asked to sleep, without sleeping.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return ctx.Err()
}

func (w *waits) all() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

// retryClient returns a client whose waits are recorded instead of slept,
// over a transport without keep-alives so that Go's own transport never
// replays a request on a reused connection.
func retryClient(t *testing.T, h http.Handler, opts ...Option) (*Client, *waits) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	opts = append([]Option{
		WithHTTPClient(hc),
		WithSessionToken("AbCdEfGhIj-0123456789abcdefghijkl"),
		WithRetryPolicy(RetryPolicy{MaxAttempts: 4, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, MaxRetryAfter: 10 * time.Second}),
	}, opts...)
	c, err := New(srv.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	w := &waits{}
	c.core.sleep = w.sleep
	return c, w
}

// flaky answers with the given statuses in turn, then 200 with body.
func flaky(calls *atomic.Int32, body string, statuses ...int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n := int(calls.Add(1))
		w.Header().Set("Content-Type", "application/json")
		if n <= len(statuses) {
			if statuses[n-1] == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "2")
			}
			w.WriteHeader(statuses[n-1])
			_, _ = io.WriteString(w, `{"message":"try again"}`)
			return
		}
		_, _ = io.WriteString(w, body)
	}
}

// resetFirst closes the connection without answering on the first n calls.
func resetFirst(calls *atomic.Int32, n int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if int(calls.Add(1)) <= n {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}
}

const userBody = `{"id":"7c8e1d0e-1c3c-4c5e-9a7e-2f4b1c0d9e8f","username":"demo"}`

func TestGetRetriedOn5xx(t *testing.T) {
	for _, status := range []int{500, 502, 503, 504} {
		var calls atomic.Int32
		c, w := retryClient(t, flaky(&calls, userBody, status, status))
		u, err := c.Me(context.Background())
		if err != nil || u.Username != "demo" {
			t.Fatalf("%d: Me() = %+v, %v; want the third attempt to succeed", status, u, err)
		}
		if calls.Load() != 3 || len(w.all()) != 2 {
			t.Errorf("%d: %d calls, %d waits; want 3 and 2", status, calls.Load(), len(w.all()))
		}
	}
}

func TestGetRetriedOnConnectionReset(t *testing.T) {
	var calls atomic.Int32
	c, _ := retryClient(t, resetFirst(&calls, 2, userBody))
	u, err := c.Me(context.Background())
	if err != nil || u.Username != "demo" {
		t.Fatalf("Me() = %+v, %v; want success after two dropped connections", u, err)
	}
	if calls.Load() != 3 {
		t.Errorf("%d calls, want 3", calls.Load())
	}
}

func TestGetGivesUpAfterMaxAttempts(t *testing.T) {
	var calls atomic.Int32
	c, w := retryClient(t, flaky(&calls, userBody, 503, 503, 503, 503, 503, 503))
	_, err := c.Me(context.Background())
	if StatusCode(err) != 503 {
		t.Fatalf("err = %v, want the last 503", err)
	}
	if calls.Load() != 4 {
		t.Errorf("%d calls, want MaxAttempts (4)", calls.Load())
	}
	// Backoff grows and stays within the cap.
	ws := w.all()
	for i, d := range ws {
		if d <= 0 || d > time.Second {
			t.Errorf("wait %d = %v, want within (0, MaxDelay]", i, d)
		}
	}
}

func TestClientErrorsNotRetried(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409, 410} {
		var calls atomic.Int32
		c, _ := retryClient(t, flaky(&calls, userBody, status))
		if _, err := c.Me(context.Background()); StatusCode(err) != status {
			t.Fatalf("err = %v, want %d", err, status)
		}
		if calls.Load() != 1 {
			t.Errorf("%d: %d calls, want 1", status, calls.Load())
		}
	}
}

func TestPostNotRetriedOn5xx(t *testing.T) {
	var calls atomic.Int32
	c, _ := retryClient(t, flaky(&calls, `{}`, 503))
	_, err := c.StopWorkspace(context.Background(), "0b7c6c5e-4a1c-4c8e-8f55-2a3b4c5d6e7f")
	if StatusCode(err) != 503 || calls.Load() != 1 {
		t.Fatalf("err = %v after %d calls; want the 503 after exactly one call", err, calls.Load())
	}
}

func TestPostNotRetriedOnConnectionReset(t *testing.T) {
	var calls atomic.Int32
	c, _ := retryClient(t, resetFirst(&calls, 1, `{}`))
	_, err := c.StartWorkspace(context.Background(), "0b7c6c5e-4a1c-4c8e-8f55-2a3b4c5d6e7f")
	if err == nil || calls.Load() != 1 {
		t.Fatalf("err = %v after %d calls; want an error after exactly one call", err, calls.Load())
	}
}

func TestRateLimitRetryAfter(t *testing.T) {
	t.Run("seconds, any method", func(t *testing.T) {
		var calls atomic.Int32
		var bodies []string
		var mu sync.Mutex
		h := flaky(&calls, `{"id":"b1","transition":"stop"}`, 429)
		c, w := retryClient(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			bodies = append(bodies, string(b))
			mu.Unlock()
			h(rw, r)
		}))
		b, err := c.StopWorkspace(context.Background(), "0b7c6c5e-4a1c-4c8e-8f55-2a3b4c5d6e7f")
		if err != nil || b.ID != "b1" {
			t.Fatalf("StopWorkspace = %+v, %v; want success after the 429", b, err)
		}
		if got := w.all(); len(got) != 1 || got[0] != 2*time.Second {
			t.Errorf("waits = %v, want [2s] from Retry-After", got)
		}
		if len(bodies) != 2 || bodies[0] != bodies[1] || !strings.Contains(bodies[1], `"transition":"stop"`) {
			t.Errorf("bodies = %q, want the same body sent twice", bodies)
		}
	})
	t.Run("HTTP date", func(t *testing.T) {
		now := time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC)
		var calls atomic.Int32
		c, w := retryClient(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				rw.Header().Set("Retry-After", now.Add(5*time.Second).Format(http.TimeFormat))
				rw.WriteHeader(429)
				return
			}
			_, _ = io.WriteString(rw, userBody)
		}))
		c.core.now = func() time.Time { return now }
		if _, err := c.Me(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := w.all(); len(got) != 1 || got[0] != 5*time.Second {
			t.Errorf("waits = %v, want [5s]", got)
		}
	})
	t.Run("longer than the policy allows", func(t *testing.T) {
		var calls atomic.Int32
		c, w := retryClient(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			rw.Header().Set("Retry-After", "3600")
			rw.WriteHeader(429)
			_, _ = io.WriteString(rw, `{"message":"You've been rate limited for sending more than 512 requests in 1m0s."}`)
		}))
		_, err := c.Me(context.Background())
		if !IsRateLimited(err) || calls.Load() != 1 || len(w.all()) != 0 {
			t.Fatalf("err = %v after %d calls and waits %v; want the 429 at once", err, calls.Load(), w.all())
		}
		if e, _ := AsError(err); e.RetryAfter != "3600" {
			t.Errorf("RetryAfter = %q", e.RetryAfter)
		}
	})
	t.Run("without Retry-After uses backoff", func(t *testing.T) {
		var calls atomic.Int32
		c, w := retryClient(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				rw.WriteHeader(429)
				return
			}
			_, _ = io.WriteString(rw, userBody)
		}))
		if _, err := c.Me(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := w.all(); len(got) != 1 || got[0] <= 0 || got[0] > 100*time.Millisecond {
			t.Errorf("waits = %v, want one backoff wait within BaseDelay", got)
		}
	})
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{now.Add(time.Minute).Format(http.TimeFormat), time.Minute, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"", 0, false},
		{"-1", 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBackoffIsCappedAndJittered(t *testing.T) {
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: 400 * time.Millisecond}
	for n := 1; n <= 10; n++ {
		for range 50 {
			d := p.backoff(n)
			ceiling := min(100*time.Millisecond<<(n-1), 400*time.Millisecond)
			if d < ceiling/2 || d > ceiling {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, d, ceiling/2, ceiling)
			}
		}
	}
}

func TestContextCancelledDuringBackoff(t *testing.T) {
	var calls atomic.Int32
	c, _ := retryClient(t, flaky(&calls, userBody, 503, 503, 503),
		WithRetryPolicy(RetryPolicy{MaxAttempts: 5, BaseDelay: time.Hour, MaxDelay: time.Hour}))
	// Really wait, so that only cancellation can end the wait; cancel once
	// the client is waiting (not merely once the server saw the call, which
	// may be before the 503 reached the client).
	waiting := make(chan struct{})
	var once sync.Once
	c.core.sleep = func(ctx context.Context, d time.Duration) error {
		once.Do(func() { close(waiting) })
		return sleepCtx(ctx, d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-waiting
		cancel()
	}()
	_, err := c.Me(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if !strings.Contains(err.Error(), "503") {
		t.Errorf("err = %v, want it to mention the answer it was waiting to retry", err)
	}
	if calls.Load() != 1 {
		t.Errorf("%d calls, want 1", calls.Load())
	}
}

func TestContextCancelledInFlight(t *testing.T) {
	arrived := make(chan struct{})
	release := make(chan struct{})
	c, w := retryClient(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		close(arrived)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	_, err := c.Workspaces(ctx, WorkspacesRequest{Q: "owner:me"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if len(w.all()) != 0 {
		t.Errorf("a cancelled call must not be retried; waits = %v", w.all())
	}
}

func TestLogsNeverContainTheToken(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var calls atomic.Int32
	c, _ := retryClient(t, flaky(&calls, userBody, 503, 429), WithLogger(logger))
	const tok = "ZyXwVuTsRq-secretsecretsecretsecret00"
	if _, err := c.WithToken(tok).Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "retrying") {
		t.Fatalf("expected retry records, got %q", buf.String())
	}
	if strings.Contains(buf.String(), tok) || strings.Contains(buf.String(), "0123456789abcdefghijkl") {
		t.Errorf("log contains a token: %s", buf.String())
	}
	for _, s := range []string{c.String(), c.WithToken(tok).GoString()} {
		if strings.Contains(s, tok) || strings.Contains(s, "0123456789abcdefghijkl") {
			t.Errorf("%q reveals a token", s)
		}
	}
}
