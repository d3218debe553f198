package e2e

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/coderhost/coderhost/sdk/codertest"
	"github.com/coderhost/coderhost/sdk/fakecoder"
)

// replicaConfig is the repository's config.hcl (every plugin it loads, the
// demo catalog, the shipped scripts) with its coder block pointed at one
// shared Coder deployment instead of each process's embedded demo, and
// external_url at the balancer: what every replica of a Deployment reads.
func replicaConfig(t *testing.T, coderURL, externalURL string) string {
	t.Helper()
	b, err := os.ReadFile(defaultConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	coderBlock := regexp.MustCompile(`(?s)\ncoder \{.*?\n\}\n`)
	if !coderBlock.MatchString(src) {
		t.Fatal("config.hcl has no coder block")
	}
	src = coderBlock.ReplaceAllLiteralString(src, fmt.Sprintf("\ncoder {\n  access_url = %q\n}\n", coderURL))
	ext := regexp.MustCompile(`(?m)^external_url\s*=.*$`)
	if !ext.MatchString(src) {
		t.Fatal("config.hcl sets no external_url")
	}
	src = ext.ReplaceAllLiteralString(src, fmt.Sprintf("external_url = %q", externalURL))
	return writeConfig(t, src)
}

// balancer is a round-robin HTTP load balancer, as a Service or an ingress
// puts in front of replicas. It retries a request on the next replica only
// when the method is GET or HEAD (idempotent, bodiless) and the attempt
// failed before a whole response arrived: a connection refused or reset. A
// POST or DELETE is never retried, since the replica may have acted on it;
// its failure reaches the client as a 502. Responses are read whole before
// they are written, so a replica dying mid-body is still retried.
type balancer struct {
	ln        net.Listener
	srv       *http.Server
	transport *http.Transport
	mu        sync.Mutex
	backends  []string
	next      atomic.Uint64
	retried   atomic.Int64 // attempts that failed and were retried
	served    sync.Map     // backend → *atomic.Int64 of answered requests
}

func newBalancer(t *testing.T) *balancer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &balancer{ln: ln, transport: &http.Transport{MaxIdleConnsPerHost: 64, ResponseHeaderTimeout: 20 * time.Second}}
	b.srv = &http.Server{Handler: b, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = b.srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = b.srv.Close()
		b.transport.CloseIdleConnections()
	})
	return b
}

func (b *balancer) URL() string { return "http://" + b.ln.Addr().String() }

func (b *balancer) setBackends(addrs []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.backends = slices.Clone(addrs)
}

func (b *balancer) servedBy(addr string) int64 {
	if n, ok := b.served.Load(addr); ok {
		return n.(*atomic.Int64).Load()
	}
	return 0
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	backends := b.backends
	b.mu.Unlock()
	idempotent := r.Method == http.MethodGet || r.Method == http.MethodHead
	attempts := 1
	if idempotent {
		attempts = len(backends)
	}
	var lastErr error
	first := b.next.Add(1)
	// X-Replica pins a request to one replica, so a test can say which
	// replica handles which step of a flow; a real balancer picks freely.
	if pin := r.Header.Get("X-Replica"); pin != "" {
		i, err := strconv.Atoi(pin)
		if err != nil || i < 0 || i >= len(backends) {
			http.Error(w, "bad X-Replica", http.StatusBadRequest)
			return
		}
		first = uint64(i)
		attempts = 1
	}
	for i := range uint64(attempts) {
		// A retry goes to the next replica in line, never the same one.
		addr := backends[(first+i)%uint64(len(backends))]
		out := r.Clone(r.Context())
		out.URL.Scheme, out.URL.Host, out.RequestURI = "http", addr, ""
		resp, err := b.transport.RoundTrip(out)
		var body []byte
		if err == nil {
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if err != nil {
			lastErr = err
			if idempotent {
				b.retried.Add(1)
				continue
			}
			break
		}
		n, _ := b.served.LoadOrStore(addr, new(atomic.Int64))
		n.(*atomic.Int64).Add(1)
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(body)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadGateway)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": "no replica answered", "detail": fmt.Sprint(lastErr)})
}

// startReplicas starts n coderhost processes on one config and one
// environment.
func startReplicas(t *testing.T, n int, configPath string, env []string) []*daemon {
	t.Helper()
	out := make([]*daemon, n)
	for i := range out {
		out[i] = startWithEnv(t, configPath, env)
	}
	return out
}

// signingKeyFile writes a P-256 key as PKCS#8 PEM: the identity token key
// every replica reads (in Kubernetes, a Secret mounted in each pod).
func signingKeyFile(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "signing-key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// comparable strips what legitimately differs between two answers to the
// same request: whether it came from a replica's in-memory cache.
func comparable(t *testing.T, body []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	if m, ok := v.(map[string]any); ok {
		for _, k := range []string{"fresh", "source", "fetchedAt"} {
			delete(m, k)
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// TestReplicasAreInterchangeable runs three coderhost processes on one
// config and one Coder deployment behind a round-robin balancer.
func TestReplicasAreInterchangeable(t *testing.T) {
	// Browsers reach the replicas through the balancer (auth's "directly"
	// set-up), so external_url is the balancer's and the Coder OAuth2 app
	// calls back to it.
	lb := newBalancer(t)
	seed := fakecoder.DemoSeed()
	for i, app := range seed.OAuth2Apps {
		if app.Name == "backstage" {
			seed.OAuth2Apps[i].CallbackURL = lb.URL() + "/api/auth/coder/handler/frame"
		}
	}
	fake := codertest.NewServer(t, fakecoder.WithSeed(seed)) // one deployment, shared by every replica
	cfg := replicaConfig(t, fake.URL(), lb.URL())
	// What replicas must share besides the config file: the identity token
	// signing key. OAuth state, nonces and refresh tokens travel in cookies.
	replicas := startReplicas(t, 3, cfg, []string{"CODERHOST_AUTH_SIGNING_KEY_FILE=" + signingKeyFile(t)})
	addrs := make([]string, len(replicas))
	for i, d := range replicas {
		addrs[i] = d.addr
	}
	lb.setBackends(addrs)

	demo := http.Header{"Coder-Session-Token": {fake.Token("demo")}}
	admin := http.Header{"Coder-Session-Token": {fake.Token("admin")}}

	t.Run("the demo deployment's tokens work on every replica", func(t *testing.T) {
		for _, user := range []string{"demo", "admin"} {
			for i, d := range replicas {
				var me struct{ Username string }
				h := http.Header{"Coder-Session-Token": {fake.Token(user)}}
				if code := getJSON(t, d.url("/api/v2/users/me"), h, &me); code != 200 || me.Username != user {
					t.Errorf("replica %d: users/me as %s: %d %+v", i, user, code, me)
				}
			}
		}
	})

	// The GETs the Backstage frontend and the plugins' routes answer; every
	// replica must give the same answer to each.
	type probe struct {
		name, path string
		header     http.Header
	}
	probes := []probe{
		{"pass-through workspaces search", "/api/v2/workspaces?q=owner:me", demo},
		{"pass-through templates", "/api/v2/organizations/default/templates", admin},
	}
	has := func(id string) bool {
		return slices.ContainsFunc(replicas[0].plugins(), func(p pluginStatus) bool { return p.ID == id })
	}
	if has("catalog") {
		probes = append(probes,
			probe{"catalog entity config", "/api/catalog/v1/entities/component/default/payments-api/coder", demo},
			probe{"catalog templates", "/api/catalog/v1/templates/entities", nil})
	}
	if has("workspaces") {
		probes = append(probes,
			probe{"workspaces of an entity", "/api/workspaces/v1/entities/component/default/payments-api/workspaces", demo},
			probe{"workspaces of an entity, another user", "/api/workspaces/v1/entities/component/default/payments-api/workspaces?q=owner:admin", admin})
	}

	t.Run("answers agree across replicas", func(t *testing.T) {
		if !has("catalog") || !has("workspaces") {
			t.Errorf("config.hcl loads neither the catalog nor the workspaces plugin: %+v", replicas[0].plugins())
		}
		for _, p := range probes {
			t.Run(p.name, func(t *testing.T) {
				var first string
				for i, d := range replicas {
					resp, body := fetch(t, d.url(p.path), p.header)
					if resp.StatusCode != 200 {
						t.Fatalf("replica %d: GET %s: %d %s", i, p.path, resp.StatusCode, body)
					}
					got := comparable(t, body)
					if i == 0 {
						first = got
					} else if got != first {
						t.Errorf("replica %d answers GET %s with\n%s\nreplica 0 with\n%s", i, p.path, got, first)
					}
				}
			})
		}
	})

	// The workspaces plugin caches each user's list in memory for cache_ttl;
	// replicas share nothing else, so a change made through one replica
	// reaches the others once their copy expires, and no client needs to
	// stick to a replica.
	t.Run("a change through one replica shows on the others", func(t *testing.T) {
		if !has("workspaces") {
			t.Fatal("config.hcl loads no workspaces plugin")
		}
		const list = "/api/workspaces/v1/entities/component/default/payments-api/workspaces"
		type view struct {
			Workspaces []struct {
				ID, Name      string
				DisplayStatus string `json:"display_status"`
			}
		}
		status := func(d *daemon, name string) (id, display string) {
			var v view
			if code := getJSON(t, d.url(list), demo, &v); code != 200 {
				t.Fatalf("GET %s: %d", list, code)
			}
			for _, w := range v.Workspaces {
				if w.Name == name {
					return w.ID, w.DisplayStatus
				}
			}
			t.Fatalf("no workspace %q in %+v", name, v)
			return "", ""
		}
		// Every replica has the running workspace in its cache.
		var id string
		for _, d := range replicas {
			var display string
			if id, display = status(d, "payments-api"); display != "Online" {
				t.Fatalf("payments-api is %s before the stop", display)
			}
		}
		req, _ := http.NewRequest(http.MethodPost, replicas[0].url("/api/workspaces/v1/workspaces/"+id+"/stop"), nil)
		req.Header = demo.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("stop through replica 0: %d %s", resp.StatusCode, b)
		}
		start := time.Now()
		for i, d := range replicas[1:] {
			eventually(t, fmt.Sprintf("replica %d to show the stop", i+1), func() bool {
				_, display := status(d, "payments-api")
				return display != "Online"
			})
		}
		t.Logf("the other replicas showed the stop after %s", time.Since(start).Round(10*time.Millisecond))
	})

	t.Run("sign-in moves between replicas", func(t *testing.T) {
		if !has("auth") {
			t.Fatal("config.hcl loads no auth plugin")
		}
		jar, _ := cookiejar.New(nil)
		b := &authBrowser{t: t, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		on := func(replica int) http.Header { return http.Header{"X-Replica": {strconv.Itoa(replica)}} }

		// start on replica 0 sets the nonce cookie and sends the browser to
		// Coder, which signs the demo user in, asks for consent and calls
		// back to the balancer.
		q := url.Values{"scope": {""}, "origin": {"http://localhost:3000"}, "flow": {"popup"}, "env": {"development"}}
		resp, _ := b.do("GET", lb.URL()+"/api/auth/coder/start?"+q.Encode(), nil, on(0))
		authorize := next(t, resp, http.StatusFound)
		resp, _ = b.do("GET", authorize, nil, nil)
		loginURL, _ := url.Parse(next(t, resp, http.StatusSeeOther))
		resp, _ = b.do("POST", loginURL.Scheme+"://"+loginURL.Host+"/login", url.Values{"username": {"demo"}, "redirect": {loginURL.Query().Get("redirect")}}, nil)
		consent := next(t, resp, http.StatusSeeOther)
		b.do("GET", consent, nil, nil)
		resp, _ = b.do("POST", consent, nil, nil)
		callback := next(t, resp, http.StatusFound)
		if !strings.HasPrefix(callback, lb.URL()+"/api/auth/coder/handler/frame?") {
			t.Fatalf("Coder called back to %s", callback)
		}

		// handler/frame on replica 1 matches replica 0's nonce and finishes.
		resp, page := b.do("GET", callback, nil, on(1))
		if resp.StatusCode != 200 {
			t.Fatalf("frame on replica 1: %d %s", resp.StatusCode, page)
		}
		m := regexp.MustCompile(`decodeURIComponent\('(.+?)'\)`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("frame page:\n%s", page)
		}
		raw, _ := url.PathUnescape(m[1])
		var msg struct {
			Error    map[string]string
			Response session
		}
		if err := json.Unmarshal([]byte(raw), &msg); err != nil || msg.Error != nil || msg.Response.BackstageIdentity.Token == "" {
			t.Fatalf("frame on replica 1 gave %s (%v)", raw, err)
		}
		framed := msg.Response

		// refresh on replica 2 with the cookie replica 1 set.
		xhr := on(2)
		xhr.Set("X-Requested-With", "XMLHttpRequest")
		xhr.Set("Origin", "http://localhost:3000")
		resp, body := b.do("GET", lb.URL()+"/api/auth/coder/refresh?optional&scope=&env=development", nil, xhr)
		var refreshed session
		if err := json.Unmarshal([]byte(body), &refreshed); err != nil || resp.StatusCode != 200 || refreshed.ProviderInfo.AccessToken == "" || refreshed.ProviderInfo.AccessToken == framed.ProviderInfo.AccessToken {
			t.Fatalf("refresh on replica 2: %d %s", resp.StatusCode, body)
		}

		// Tokens minted by one replica verify against every replica's JWKS
		// and are accepted by every replica's userinfo.
		minted := map[string]string{"replica 1 (frame)": framed.BackstageIdentity.Token, "replica 2 (refresh)": refreshed.BackstageIdentity.Token}
		for i, d := range replicas {
			var set jose.JSONWebKeySet
			if code := getJSON(t, d.url("/api/auth/.well-known/jwks.json"), nil, &set); code != 200 || len(set.Keys) == 0 {
				t.Fatalf("replica %d jwks: %d %+v", i, code, set)
			}
			for by, token := range minted {
				parsed, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
				if err != nil {
					t.Fatal(err)
				}
				keys := set.Key(parsed.Headers[0].KeyID)
				var claims jwt.Claims
				if len(keys) == 0 {
					t.Errorf("replica %d's JWKS lacks kid %q of the token minted by %s", i, parsed.Headers[0].KeyID, by)
				} else if err := parsed.Claims(keys[0].Key, &claims); err != nil || claims.Subject != "user:default/demo" {
					t.Errorf("token minted by %s against replica %d's JWKS: %v %+v", by, i, err, claims)
				}
				var info struct{ Claims struct{ Sub string } }
				if code := getJSON(t, d.url("/api/auth/v1/userinfo"), http.Header{"Authorization": {"Bearer " + token}}, &info); code != 200 || info.Claims.Sub != "user:default/demo" {
					t.Errorf("replica %d userinfo with the token minted by %s: %d %+v", i, by, code, info)
				}
			}
		}
		// The access token is a Coder session on every replica.
		for i, d := range replicas {
			var me struct{ Username string }
			if code := getJSON(t, d.url("/api/v2/users/me"), http.Header{"Coder-Session-Token": {refreshed.ProviderInfo.AccessToken}}, &me); code != 200 || me.Username != "demo" {
				t.Errorf("replica %d: users/me with the refreshed access token: %d %+v", i, code, me)
			}
		}
	})

	t.Run("killing a replica during traffic loses no retried request", func(t *testing.T) {
		const total, workers = 600, 6
		victim := replicas[1]
		var sent, failed atomic.Int64
		var failures sync.Map
		killed := make(chan struct{})
		var wg sync.WaitGroup
		client := &http.Client{Timeout: 30 * time.Second}
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					n := sent.Add(1)
					if n > total {
						return
					}
					if n == total/3 {
						// A third of the way in, with requests in flight.
						_ = syscall.Kill(victim.cmd.Process.Pid, syscall.SIGKILL)
						close(killed)
					}
					p := probes[(int(n)+w)%len(probes)]
					req, _ := http.NewRequest(http.MethodGet, lb.URL()+p.path, nil)
					req.Header = p.header.Clone()
					resp, err := client.Do(req)
					if err != nil {
						failed.Add(1)
						failures.Store(n, err.Error())
						continue
					}
					body, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil || resp.StatusCode != 200 || !json.Valid(body) {
						failed.Add(1)
						failures.Store(n, fmt.Sprintf("GET %s: %d %s %v", p.path, resp.StatusCode, bytes.TrimSpace(body), err))
					}
				}
			}()
		}
		wg.Wait()
		<-killed
		<-victim.exited
		failures.Range(func(k, v any) bool {
			t.Errorf("request %v: %v", k, v)
			return true
		})
		if failed.Load() > 0 {
			t.Fatalf("%d of %d requests failed", failed.Load(), total)
		}
		// The test only proves something if the killed replica took traffic
		// before it died and the balancer then had to retry.
		if lb.servedBy(victim.addr) == 0 || lb.retried.Load() == 0 {
			t.Fatalf("killed replica served %d requests, %d attempts retried: the kill did not meet traffic", lb.servedBy(victim.addr), lb.retried.Load())
		}
		t.Logf("%d requests, all answered; %d attempts on the killed replica retried elsewhere; served: %d / %d / %d",
			total, lb.retried.Load(), lb.servedBy(replicas[0].addr), lb.servedBy(victim.addr), lb.servedBy(replicas[2].addr))

		// Only idempotent requests are retried: a POST routed to the dead
		// replica fails instead of being sent to another.
		before := lb.retried.Load()
		posts := 0
		for range 6 {
			req, _ := http.NewRequest(http.MethodPost, lb.URL()+"/api/v2/users/me", strings.NewReader("{}"))
			req.Header = demo.Clone()
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusBadGateway {
				posts++
			}
		}
		if posts == 0 || lb.retried.Load() != before {
			t.Errorf("POSTs: %d answered 502 by the balancer (want some: one replica is dead), retries went from %d to %d (want no change)", posts, before, lb.retried.Load())
		}
	})
}

// session is the part of an auth session these tests read.
type session struct {
	ProviderInfo struct {
		AccessToken string
	}
	BackstageIdentity struct {
		Token string
	}
}

// plugins lists the daemon's plugins.
func (d *daemon) plugins() []pluginStatus {
	var list []pluginStatus
	getJSON(d.t, d.url("/api/plugins"), nil, &list)
	return list
}
