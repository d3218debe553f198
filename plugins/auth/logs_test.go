package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogsCarryNoCredentials runs a sign-in, a refresh, a failed refresh
// and a sign-out, and checks that no token, secret or cookie value reached
// the log.
func TestLogsCarryNoCredentials(t *testing.T) {
	var buf syncBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })

	r := newRig(t, rigOptions{config: map[string]any{
		"signing_key_files": []string{writeKey(t)},
		"sign_in":           map[string]any{"resolver": map[string]any{"usernameMatchingUserEntityName": map[string]any{}}},
	}})
	_, msg, _ := r.signIn()
	secrets := []string{
		get(msg, "response", "providerInfo", "accessToken").(string),
		get(msg, "response", "backstageIdentity", "token").(string),
	}
	_, clientSecret, _ := r.fake.OAuth2App("backstage")
	secrets = append(secrets, clientSecret, r.browser.cookie(r.url("/api/auth/coder/refresh"), "coder-refresh-token"))
	r.xhr(http.MethodGet, "/api/auth/coder/refresh?env=development", appOrigin)
	secrets = append(secrets, r.browser.cookie(r.url("/api/auth/coder/refresh"), "coder-refresh-token"))
	dead := "coder_aaaaaaaaaa_" + strings.Repeat("c", 40)
	newBrowser(t).do(http.MethodGet, r.url("/api/auth/coder/refresh?env=development"),
		http.Header{"X-Requested-With": {"XMLHttpRequest"}, "Cookie": {"coder-refresh-token=" + dead}})
	secrets = append(secrets, dead)
	r.xhr(http.MethodPost, "/api/auth/coder/logout?env=development", appOrigin)

	logs := buf.String()
	if !strings.Contains(logs, "signed in") || !strings.Contains(logs, "refresh failed") {
		t.Fatalf("the plugin's log was not captured:\n%s", logs)
	}
	for _, s := range secrets {
		if dec, _ := url.PathUnescape(s); s == "" || strings.Contains(logs, s) || strings.Contains(logs, dec) {
			t.Errorf("a credential (%d characters) appears in the log:\n%s", len(s), logs)
		}
	}
}
