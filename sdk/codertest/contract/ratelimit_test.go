package contract_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coderhost/coderhost/sdk/fakecoder"
)

// TestRateLimitIsWaitedOut: a 429 carries Coder's body and a Retry-After
// that the typed client honours.
func TestRateLimitIsWaitedOut(t *testing.T) {
	tg := newTarget(t, fakecoder.WithRateLimit(1, time.Second))
	tg.requireFake(t, "a real deployment's limit (512 requests a minute) is too high to reach in a test")

	_ = tg.raw(t, http.MethodGet, "/api/v2/users/me", tokenHeader(tg.token), nil)
	r := tg.raw(t, http.MethodGet, "/api/v2/users/me", tokenHeader(tg.token), nil)
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("second request in the window: status %d, want 429", r.Status)
	}
	var body struct{ Message string }
	r.decode(t, &body)
	if !strings.HasPrefix(body.Message, "You've been rate limited for sending more than 1 requests in") {
		t.Errorf("message = %q", body.Message)
	}
	if secs, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || secs < 0 || secs > 1 {
		t.Errorf("Retry-After = %q, want whole seconds within the window", r.Header.Get("Retry-After"))
	}

	if _, err := tg.client.Me(ctx(t)); err != nil {
		t.Fatalf("the client should wait out the limit: %v", err)
	}
}
