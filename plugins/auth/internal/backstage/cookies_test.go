package backstage

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func setCookies(rec *httptest.ResponseRecorder) []*http.Cookie {
	return (&http.Response{Header: rec.Header()}).Cookies()
}

func find(cs []*http.Cookie, name, domain string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name && c.Domain == domain {
			return c
		}
	}
	return nil
}

func TestCookieNamesPathsAndFlags(t *testing.T) {
	tests := []struct {
		name                string
		callback, appOrigin string
		wantPath            string
		wantSecure          bool
		wantSameSite        http.SameSite
		wantClearDomain     string
	}{
		{"local http", "http://localhost:7007/api/auth/coder/handler/frame", "http://localhost:3000",
			"/api/auth/coder", false, http.SameSiteLaxMode, "localhost"},
		{"https same host", "https://backstage.example.com/api/auth/coder/handler/frame", "https://backstage.example.com",
			"/api/auth/coder", true, http.SameSiteLaxMode, "backstage.example.com"},
		{"https cross host", "https://coderhost.example.com/api/auth/coder/handler/frame", "https://backstage.example.com",
			"/api/auth/coder", true, http.SameSiteNoneMode, "coderhost.example.com"},
		{"http cross host stays lax", "http://coderhost.internal/api/auth/coder/handler/frame", "http://backstage.internal",
			"/api/auth/coder", false, http.SameSiteLaxMode, "coderhost.internal"},
		{"behind a proxy prefix", "http://localhost:7007/api/proxy/coder/api/auth/coder/handler/frame", "http://localhost:3000",
			"/api/proxy/coder/api/auth/coder", false, http.SameSiteLaxMode, "localhost"},
		{"callback not ending in the provider's frame path", "http://localhost:7007/oauth/callback", "http://localhost:3000",
			"/oauth/callback/coder", false, http.SameSiteLaxMode, "localhost"},
		{"ipv6 host gets no domain clearing", "http://[::1]:7007/api/auth/coder/handler/frame", "http://[::1]:3000",
			"/api/auth/coder", false, http.SameSiteLaxMode, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCookies("coder", mustURL(t, tt.callback), tt.appOrigin, 0)
			now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			c.now = func() time.Time { return now }
			rec := httptest.NewRecorder()
			c.SetNonce(rec, httptest.NewRequest("GET", "/coder/start", nil), "n+/=", "")
			c.SetRefreshToken(rec, httptest.NewRequest("GET", "/coder/handler/frame", nil), "rt", "")
			cs := setCookies(rec)

			nonce := find(cs, "coder-nonce", "")
			if nonce == nil {
				t.Fatalf("no coder-nonce cookie in %v", rec.Header()["Set-Cookie"])
			}
			if nonce.Value != "n%2B%2F%3D" || nonce.Path != tt.wantPath+"/handler" || nonce.MaxAge != 600 ||
				!nonce.HttpOnly || nonce.Secure != tt.wantSecure || nonce.SameSite != tt.wantSameSite ||
				!nonce.Expires.Equal(now.Add(10*time.Minute)) {
				t.Errorf("nonce cookie = %s", nonce)
			}
			refresh := find(cs, "coder-refresh-token", "")
			if refresh == nil || refresh.Path != tt.wantPath || refresh.MaxAge != 1000*24*3600 ||
				!refresh.HttpOnly || refresh.Secure != tt.wantSecure || refresh.SameSite != tt.wantSameSite {
				t.Errorf("refresh cookie = %s", refresh)
			}
			if tt.wantClearDomain != "" {
				clear := find(cs, "coder-nonce", tt.wantClearDomain)
				if clear == nil || clear.MaxAge != -1 || clear.Value != "" || clear.Path != tt.wantPath {
					t.Errorf("domain-clearing cookie = %v in %v", clear, rec.Header()["Set-Cookie"])
				}
			} else if len(cs) != 2 {
				t.Errorf("cookies = %v, want only the two", rec.Header()["Set-Cookie"])
			}
		})
	}
}

func TestSessionDurationSetsRefreshLifetime(t *testing.T) {
	c := NewCookies("coder", mustURL(t, "http://localhost:7007/api/auth/coder/handler/frame"), "http://localhost:3000", 72*time.Hour)
	rec := httptest.NewRecorder()
	c.SetRefreshToken(rec, httptest.NewRequest("GET", "/", nil), "rt", "")
	if ck := find(setCookies(rec), "coder-refresh-token", ""); ck == nil || ck.MaxAge != 72*3600 {
		t.Errorf("refresh cookie = %v", ck)
	}
}

func TestRefreshCookieChunking(t *testing.T) {
	c := NewCookies("coder", mustURL(t, "http://localhost:7007/api/auth/coder/handler/frame"), "http://localhost:3000", 0)
	long := strings.Repeat("a", 4000) + strings.Repeat("b", 4000) + strings.Repeat("c", 1001)

	// A long token replaces a plain cookie with three chunks.
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(&http.Cookie{Name: "coder-refresh-token", Value: "old"})
	rec := httptest.NewRecorder()
	c.SetRefreshToken(rec, req, long, "")
	cs := setCookies(rec)
	if old := find(cs, "coder-refresh-token", ""); old == nil || old.MaxAge != -1 {
		t.Errorf("the plain cookie is not cleared: %v", old)
	}
	var chunks []*http.Cookie
	for i, want := range []string{strings.Repeat("a", 4000), strings.Repeat("b", 4000), strings.Repeat("c", 1001)} {
		ck := find(cs, "coder-refresh-token-"+string(rune('0'+i)), "")
		if ck == nil || ck.Value != want || ck.Path != "/api/auth/coder" || ck.MaxAge <= 0 {
			t.Fatalf("chunk %d = %v", i, ck)
		}
		chunks = append(chunks, ck)
	}
	if find(cs, "coder-refresh-token-3", "") != nil {
		t.Error("a fourth chunk was written")
	}

	// Reading joins the chunks.
	next := httptest.NewRequest("GET", "/", nil)
	for _, ck := range chunks {
		next.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	if got := c.RefreshToken(next); got != long {
		t.Fatalf("read back %d characters, want %d", len(got), len(long))
	}

	// A short token again clears every chunk.
	rec = httptest.NewRecorder()
	c.SetRefreshToken(rec, next, "short", "")
	cs = setCookies(rec)
	for i := range 3 {
		if ck := find(cs, "coder-refresh-token-"+string(rune('0'+i)), ""); ck == nil || ck.MaxAge != -1 {
			t.Errorf("chunk %d not cleared: %v", i, ck)
		}
	}
	if ck := find(cs, "coder-refresh-token", ""); ck == nil || ck.Value != "short" {
		t.Errorf("plain cookie = %v", ck)
	}

	// Logout removes the chunks.
	rec = httptest.NewRecorder()
	c.RemoveRefreshToken(rec, next, "")
	cs = setCookies(rec)
	if len(cs) != 3 {
		t.Errorf("removal wrote %v", rec.Header()["Set-Cookie"])
	}
	for _, ck := range cs {
		if ck.MaxAge != -1 || ck.Value != "" {
			t.Errorf("removal cookie %s", ck)
		}
	}
}

func TestCookieValuesDecodeLikeCookieParser(t *testing.T) {
	c := NewCookies("coder", mustURL(t, "http://localhost:7007/api/auth/coder/handler/frame"), "http://localhost:3000", 0)
	for raw, want := range map[string]string{
		"k2Xo%2B%2Fab%3D%3D": "k2Xo+/ab==",
		"plain+value":        "plain+value",
		"bad%zzescape":       "bad%zzescape",
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", "coder-nonce="+raw)
		if got := c.Nonce(req); got != want {
			t.Errorf("cookie %q read as %q, want %q", raw, got, want)
		}
	}
}
