package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/coderhost/coderhost/sdk"
	"github.com/coderhost/coderhost/sdk/coder"
	"github.com/coderhost/coderhost/sdk/codertest"
	"github.com/coderhost/coderhost/sdk/fakecoder"
	"github.com/coderhost/coderhost/sdk/plugintest"
)

const (
	benchUsers        = 100
	benchPerUser      = 100 // 10,000 workspaces
	benchTabs         = 20
	benchTabRounds    = 5
	benchRounds       = 15
	benchRepo         = "https://github.com/acme/payments-api"
	benchEntityPath   = "/api/workspaces/v1/entities/component/default/payments-api/workspaces"
	benchSourceLocURL = benchRepo + "/tree/main/"
)

var benchKeys = []string{"repo_url", "custom_repo", "git_repo"}

// benchSeed is a deployment of benchUsers × benchPerUser workspaces on three
// templates, one per repository parameter key. Every user has six
// workspaces of the payments-api repository: under each key, once in the
// form the Backstage frontend searches for and once in another form (".git",
// a trailing slash, scp-style) that only a robust search finds.
func benchSeed() *fakecoder.Seed {
	empty := ""
	param := func(name string) fakecoder.SeedParameter { return fakecoder.SeedParameter{Name: name, Default: &empty} }
	s := &fakecoder.Seed{Users: []fakecoder.SeedUser{{Username: "admin", Email: "admin@example.com", Roles: []string{"owner"}}}}
	for i, k := range benchKeys {
		s.Templates = append(s.Templates, fakecoder.SeedTemplate{
			Name: fmt.Sprintf("t%d", i), Icon: "/icon/go.svg",
			Versions: []fakecoder.SeedTemplateVersion{{Name: "v1", Parameters: []fakecoder.SeedParameter{param(k), param("size")}}},
		})
	}
	other := []string{benchRepo + ".git", benchRepo + "/", "git@github.com:acme/payments-api.git"}
	for u := range benchUsers {
		user := fmt.Sprintf("u%03d", u)
		s.Users = append(s.Users, fakecoder.SeedUser{Username: user, Email: user + "@example.com"})
		for n := range benchPerUser {
			k := n % len(benchKeys)
			repo := fmt.Sprintf("https://github.com/acme/service-%d", n)
			switch {
			case n < 3:
				repo = benchRepo
			case n < 6:
				repo = other[k]
			}
			status := "running"
			if n%4 == 0 {
				status = "stopped"
			}
			s.Workspaces = append(s.Workspaces, fakecoder.SeedWorkspace{
				Name: fmt.Sprintf("ws-%03d", n), Owner: user, Template: fmt.Sprintf("t%d", k), Status: status,
				Parameters: map[string]string{benchKeys[k]: repo},
			})
		}
	}
	return s
}

// meter counts what crosses it on the way to Coder.
type meter struct {
	searches atomic.Int64
	bytes    atomic.Int64
}

func (m *meter) reset() { m.searches.Store(0); m.bytes.Store(0) }

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// meteredCoder puts a counting reverse proxy in front of Coder.
func meteredCoder(b *testing.B, target string) (*meter, string) {
	u, _ := url.Parse(target)
	m := &meter{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(r *http.Response) error {
		if r.Request.URL.Path == "/api/v2/workspaces" {
			m.searches.Add(1)
			r.Body = countingBody{r.Body, &m.bytes}
		}
		return nil
	}
	srv := httptest.NewServer(rp)
	b.Cleanup(srv.Close)
	return m, srv.URL
}

// seedCard loads the workspaces card the way the Backstage frontend does:
// one search per repo key for the cleaned source location, in parallel,
// merged by id in the browser.
func seedCard(ctx context.Context, c *coder.Client) (int, int64, error) {
	cleaned := strings.TrimSuffix(strings.TrimSuffix(benchSourceLocURL, "/"), "/tree/main")
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		seen  = map[string]bool{}
		bytes int64
		first error
	)
	for _, k := range benchKeys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.Workspaces(ctx, coder.WorkspacesRequest{Q: coder.Query().Owner("me").Param(k, cleaned).String()})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				first = err
				return
			}
			raw, _ := json.Marshal(res)
			bytes += int64(len(raw))
			for _, w := range res.Workspaces {
				seen[w.ID] = true
			}
		}()
	}
	wg.Wait()
	return len(seen), bytes, first
}

// pluginCard loads the card from the plugin: one request.
func pluginCard(client *http.Client, base, token string) (int, int64, error) {
	req, _ := http.NewRequest(http.MethodGet, base+benchEntityPath, nil)
	req.Header.Set(coder.SessionTokenHeader, token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		return 0, 0, fmt.Errorf("%d %s %v", resp.StatusCode, body, err)
	}
	var l struct{ Count int }
	if err := json.Unmarshal(body, &l); err != nil {
		return 0, 0, err
	}
	return l.Count, int64(len(body)), nil
}

type row struct {
	name                      string
	searches, upBytes, client int64
	latency                   time.Duration
	found                     int
}

func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func startBenchPlugin(b *testing.B, coderURL, cacheTTL, matching string) string {
	entity := fmt.Sprintf(`{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"payments-api","annotations":{"backstage.io/source-location":"url:%s"}},"spec":{"type":"service","owner":"group:platform"}}`, benchSourceLocURL)
	cfg, _ := json.Marshal(map[string]any{"repo_url_param_keys": benchKeys, "cache_ttl": cacheTTL, "repo_url_matching": matching})
	h := plugintest.Start(b, plugin{}, plugintest.WithConfig(string(cfg)),
		plugintest.WithHostInfo(sdk.HostInfo{CoderURL: coderURL, ExternalURL: proxyURL}),
		plugintest.WithHost(&plugintest.Host{GetEntityFunc: func(_ context.Context, ref string) (json.RawMessage, error) {
			if ref != "component:default/payments-api" {
				return nil, sdk.ErrNotFound
			}
			return json.RawMessage(entity), nil
		}}))
	return h.URL
}

// BenchmarkRatioEntityWorkspaces compares, in one run, the Backstage
// frontend's way of listing an entity's workspaces (one Coder search per
// repo key, merged in the browser) with this plugin's (one search for every
// key and URL variant), cold and with 20 tabs open at once.
func BenchmarkRatioEntityWorkspaces(b *testing.B) {
	fake := codertest.NewServer(b, fakecoder.WithSeed(benchSeed()), fakecoder.WithBuildDelays(0, 0))
	m, coderURL := meteredCoder(b, fake.URL())
	token := fake.Token("u000")
	seedClient, _ := coder.New(coderURL, coder.WithSessionToken(token))
	// Every card load asks Coder (no cache), with the frontend's own URL
	// matching and with the robust one; then the default: a short cache.
	coldSeed := startBenchPlugin(b, coderURL, "0s", "seed")
	cold := startBenchPlugin(b, coderURL, "0s", "robust")
	warm := startBenchPlugin(b, coderURL, "30s", "robust")
	httpc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	ctx := context.Background()

	measure := func(name string, rounds int, load func() (int, int64, error)) row {
		m.reset()
		var (
			lat    []time.Duration
			client int64
			found  int
		)
		for range rounds {
			start := time.Now()
			n, bytes, err := load()
			if err != nil {
				b.Fatalf("%s: %v", name, err)
			}
			lat = append(lat, time.Since(start))
			client += bytes
			found = n
		}
		r := int64(rounds)
		return row{name, m.searches.Load() / r, m.bytes.Load() / r, client / r, median(lat), found}
	}
	// tabs opens benchTabs tabs at once, benchTabRounds times, each round as
	// another user so that no round finds the previous one's cache.
	tabs := func(name string, load func(token string) (int, int64, error)) row {
		m.reset()
		var (
			lat    []time.Duration
			client atomic.Int64
			found  atomic.Int64
			failed atomic.Value
		)
		for round := range benchTabRounds {
			token := fake.Token(fmt.Sprintf("u%03d", round+1))
			var wg sync.WaitGroup
			start := time.Now()
			for range benchTabs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, bytes, err := load(token)
					if err != nil {
						failed.Store(err)
					}
					client.Add(bytes)
					found.Store(int64(n))
				}()
			}
			wg.Wait()
			lat = append(lat, time.Since(start))
		}
		if err := failed.Load(); err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		r := int64(benchTabRounds)
		return row{name, m.searches.Load() / r, m.bytes.Load() / r, client.Load() / r, median(lat), int(found.Load())}
	}

	b.ResetTimer()
	for range b.N {
		// Warm both paths (connections, plugin start) before measuring.
		_, _, _ = seedCard(ctx, seedClient)
		_, _, _ = pluginCard(httpc, cold, token)
		_, _, _ = pluginCard(httpc, coldSeed, token)

		seed := measure("seed: 3 searches, merged in the browser", benchRounds, func() (int, int64, error) { return seedCard(ctx, seedClient) })
		same := measure("plugin, seed matching: 1 search, 3 keys", benchRounds, func() (int, int64, error) { return pluginCard(httpc, coldSeed, token) })
		plug := measure("plugin, robust: 1 search, 3 keys × 6 URL forms", benchRounds, func() (int, int64, error) { return pluginCard(httpc, cold, token) })
		seedTabs := tabs(fmt.Sprintf("seed: %d tabs", benchTabs), func(token string) (int, int64, error) {
			return seedCard(ctx, seedClient.WithToken(token))
		})
		plugTabs := tabs(fmt.Sprintf("plugin: %d tabs, coalesced", benchTabs), func(token string) (int, int64, error) {
			return pluginCard(httpc, warm, token)
		})

		b.StopTimer()
		w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(os.Stdout, "\nAn entity's workspaces, repo searched by %d keys, in a deployment of %d workspaces (user u000 owns %d):\n",
			len(benchKeys), benchUsers*benchPerUser, benchPerUser)
		fmt.Fprintln(w, "case\tCoder searches\tbytes from Coder\tbytes to browser\tlatency\tworkspaces found\t")
		for _, r := range []row{seed, same, plug} {
			fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%s (p50)\t%d\t\n", r.name, r.searches, r.upBytes, r.client, r.latency.Round(10*time.Microsecond), r.found)
		}
		fmt.Fprintf(w, "seed ÷ plugin, same matching\t%.1fx\t%.2fx\t%.2fx\t%.2fx\t\t\n", ratio(seed.searches, same.searches), ratio(seed.upBytes, same.upBytes),
			ratio(seed.client, same.client), float64(seed.latency)/float64(same.latency))
		for _, r := range []row{seedTabs, plugTabs} {
			fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%s (all tabs, p50)\t%d\t\n", r.name, r.searches, r.upBytes, r.client, r.latency.Round(10*time.Microsecond), r.found)
		}
		fmt.Fprintf(w, "seed ÷ plugin, %d tabs\t%.1fx\t%.2fx\t%.2fx\t%.2fx\t\t\n", benchTabs, ratio(seedTabs.searches, plugTabs.searches),
			ratio(seedTabs.upBytes, plugTabs.upBytes), ratio(seedTabs.client, plugTabs.client), float64(seedTabs.latency)/float64(plugTabs.latency))
		w.Flush()
		b.ReportMetric(ratio(seed.searches, plug.searches), "searches-ratio")
		b.ReportMetric(ratio(seedTabs.searches, plugTabs.searches), "tabs-searches-ratio")
		b.ReportMetric(float64(seed.latency)/float64(same.latency), "latency-ratio")
		b.StartTimer()
	}
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
