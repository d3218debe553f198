package main

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/coderhost/coderhost/sdk/coder"
	"github.com/coderhost/coderhost/sdk/fakecoder"
)

// BenchmarkRefreshRatio measures a frontend refresh through the plugin (the
// host protocol hop, Coder's refresh grant, users/me, the sign-in resolver
// over the host's catalog, and minting a Backstage token) against the least
// any implementation must do: the refresh grant and users/me straight at the
// same in-memory Coder, with a second OAuth2 app (Coder keeps one token pair
// per user and app). Calls of both are interleaved; it reports the p50
// ratio (x-coder) and both p50s in microseconds.
func BenchmarkRefreshRatio(b *testing.B) {
	const samples = 300
	r := newRig(b, rigOptions{
		config: map[string]any{
			"signing_key_files": []string{writeKey(b)},
			"sign_in":           map[string]any{"resolver": map[string]any{"usernameMatchingUserEntityName": map[string]any{}}},
		},
		seed: func(s *fakecoder.Seed) {
			s.OAuth2Apps = append(s.OAuth2Apps, fakecoder.SeedOAuth2App{Name: "baseline", CallbackURL: "http://127.0.0.1/cb"})
		},
	})
	if _, msg, _ := r.signIn(); msg["error"] != nil {
		b.Fatalf("sign-in: %v", msg["error"])
	}
	viaPlugin := func() {
		resp := r.xhr(http.MethodGet, "/api/auth/coder/refresh?env=development", appOrigin)
		if resp.StatusCode != 200 {
			b.Fatalf("refresh through the plugin: %d", resp.StatusCode)
		}
		_ = resp.Body.Close()
	}

	id, secret, _ := r.fake.OAuth2App("baseline")
	c, _ := coder.New(r.coder.URL)
	ctx := c.OAuth2Context(context.Background())
	conf := c.OAuth2Config(id, secret, "http://127.0.0.1/cb")
	resp := r.browser.get(conf.AuthCodeURL("s"), nil)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		b.Fatalf("baseline authorize: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	tok, err := conf.Exchange(ctx, loc.Query().Get("code"))
	if err != nil {
		b.Fatal(err)
	}
	direct := func() {
		t, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		if err != nil {
			b.Fatal(err)
		}
		tok = t
		if _, err := c.WithToken(t.AccessToken).Me(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	for range 30 { // warm up both paths
		viaPlugin()
		direct()
	}
	var pluginD, directD []time.Duration
	b.ResetTimer()
	for range b.N {
		for range samples {
			t0 := time.Now()
			viaPlugin()
			t1 := time.Now()
			direct()
			t2 := time.Now()
			pluginD = append(pluginD, t1.Sub(t0))
			directD = append(directD, t2.Sub(t1))
		}
	}
	b.StopTimer()
	pp, dp := p50(pluginD), p50(directD)
	ratio := float64(pp) / float64(dp)
	b.Logf("refresh: through the plugin p50 %v, Coder alone p50 %v, ratio %.1fx (%d calls each)", pp, dp, ratio, len(pluginD))
	b.ReportMetric(ratio, "x-coder")
	b.ReportMetric(float64(pp)/float64(time.Microsecond), "plugin-p50-µs")
	b.ReportMetric(float64(dp)/float64(time.Microsecond), "coder-p50-µs")
}

func p50(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
