package proxy

import (
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkPassThroughRatio compares Proxy with a bare httputil.ReverseProxy
// in front of the same loopback upstream: a fixed workload of small GETs like
// the frontend plugin's token check, sent by concurrent clients over real TCP,
// in rounds that alternate between the two proxies to spread noise evenly.
// The workload is fixed, so run it once: go test -run '^$' -bench
// PassThroughRatio -benchtime=1x ./host/internal/proxy/
func BenchmarkPassThroughRatio(b *testing.B) {
	const (
		requests = 20000 // per proxy
		clients  = 32
		rounds   = 10
	)
	body := []byte(`{"id":"0a1b2c3d-0000-4000-8000-000000000000","username":"alice","email":"alice@example.com"}`)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(body)
	}))
	defer up.Close()
	upURL, _ := url.Parse(up.URL)

	// The bare proxy gets the same tuned transport, so the ratio measures
	// the pass-through's own work, not connection pooling.
	bareTransport := NewTransport()
	bare := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(upURL) },
		Transport: bareTransport,
		ErrorLog:  log.New(io.Discard, "", 0),
	})
	defer bare.Close()
	defer bareTransport.CloseIdleConnections()

	p, err := New(Options{
		Upstream: upURL,
		Headers:  map[string]string{"X-Custom-Source": "backstage"},
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	ours := httptest.NewServer(p)
	defer ours.Close()
	defer p.CloseIdleConnections()

	type target struct {
		name    string
		url     string
		client  *http.Client
		lat     []time.Duration
		elapsed time.Duration
	}
	newTarget := func(name, base string) *target {
		tr := &http.Transport{Proxy: nil, MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2, DisableCompression: true}
		return &target{name: name, url: base + "/api/v2/users/me", client: &http.Client{Transport: tr}, lat: make([]time.Duration, 0, requests)}
	}
	targets := []*target{newTarget("httputil.ReverseProxy", bare.URL), newTarget("proxy.Proxy", ours.URL)}
	defer func() {
		for _, t := range targets {
			t.client.CloseIdleConnections()
		}
	}()

	var failures atomic.Int64
	run := func(t *target, n int, record bool) time.Duration {
		var next atomic.Int64
		lat := make([][]time.Duration, clients)
		var wg sync.WaitGroup
		start := time.Now()
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(http.MethodGet, t.url, nil)
				req.Header.Set("Coder-Session-Token", token)
				req.Header.Set("Accept", "application/json, text/plain, */*")
				req.Header.Set("Authorization", "Bearer backstage-identity-jwt")
				for next.Add(1) <= int64(n) {
					s := time.Now()
					res, err := t.client.Do(req)
					if err != nil {
						failures.Add(1)
						continue
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != http.StatusOK {
						failures.Add(1)
					}
					if record {
						lat[c] = append(lat[c], time.Since(s))
					}
				}
			}()
		}
		wg.Wait()
		d := time.Since(start)
		if record {
			for _, l := range lat {
				t.lat = append(t.lat, l...)
			}
			t.elapsed += d
		}
		return d
	}

	for _, t := range targets { // warm up connections on every hop
		run(t, clients*20, false)
	}
	b.ResetTimer()
	for r := range rounds {
		for i := range targets {
			t := targets[(i+r)%len(targets)] // alternate which goes first
			run(t, requests/rounds, true)
		}
	}
	b.StopTimer()
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d requests failed", n)
	}

	rps := make([]float64, len(targets))
	for i, t := range targets {
		slices.Sort(t.lat)
		rps[i] = float64(len(t.lat)) / t.elapsed.Seconds()
		b.Logf("%-22s %8.0f req/s  p50 %-10s p99 %s", t.name, rps[i], pct(t.lat, 50), pct(t.lat, 99))
	}
	ratio := rps[1] / rps[0]
	b.Logf("throughput ratio (proxy.Proxy / httputil.ReverseProxy): %.3f over %d requests each, %d clients", ratio, requests, clients)
	b.ReportMetric(ratio, "throughput-ratio")
	b.ReportMetric(rps[1], "req/s")
	b.ReportMetric(float64(pct(targets[1].lat, 99).Microseconds()), "p99-µs")
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)].Round(time.Microsecond)
}
