//go:build soak

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestSoak is `make soak`: the host under plugin SIGKILLs, 1,000 concurrent
// pass-through connections, SIGHUP reloads and twenty concurrent 10 MB
// bodies, each phase bounded and run against a fresh daemon. It prints one
// table and fails if the host crashed, leaked goroutines or descriptors,
// left a plugin process behind, or lost a request it had accepted (the
// client got no HTTP answer at all).
func TestSoak(t *testing.T) {
	start := time.Now()
	phases := []func(*testing.T) soakRow{
		soakKills,
		soakConnections,
		soakReloads,
		func(t *testing.T) soakRow { return soakLargeBodies(t, false) },
		func(t *testing.T) soakRow { return soakLargeBodies(t, true) },
	}
	var rows []soakRow
	for _, phase := range phases {
		rows = append(rows, phase(t))
	}
	fmt.Print(soakTable(rows, time.Since(start)))
	for _, r := range rows {
		for _, p := range r.problems() {
			t.Errorf("%s: %s", r.phase, p)
		}
	}
}

// soakRow is one phase's line of the table.
type soakRow struct {
	phase              string
	requests, ok       int
	codes              map[int]int // non-2xx answers by status
	lost               int         // requests that got no answer
	lostSample         string
	crashed            bool
	orphans            int
	rssHost, rssPlugin int64 // peak resident memory, the plugins' largest
	goroutines, fds    [2]int
	// pooled is the pass-through's idle connections to the (in-process)
	// demo deployment after the phase: pooled by design for up to 90s,
	// each holding two descriptors and three goroutines of the host.
	pooled int
	notes  string
}

// soakClient keeps enough connections for the load's workers.
var soakClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// Leak slack: what a settled host may hold beyond its count before the
// load (a plugin restarted in the phase brings its own connection).
const goroutineSlack, fdSlack = 15, 6

func (r soakRow) problems() []string {
	var out []string
	if r.crashed {
		out = append(out, "the host crashed")
	}
	if r.lost > 0 {
		out = append(out, fmt.Sprintf("%d requests got no answer (%s)", r.lost, r.lostSample))
	}
	if r.orphans > 0 {
		out = append(out, fmt.Sprintf("%d plugin processes outlived the host", r.orphans))
	}
	if !r.settled() {
		out = append(out, fmt.Sprintf("goroutines went from %d to %d and open descriptors from %d to %d, beyond %d pooled connections",
			r.goroutines[0], r.goroutines[1], r.fds[0], r.fds[1], r.pooled))
	}
	return out
}

// settled reports whether the host is back to what it held before the
// load, apart from the pass-through's connection pool.
func (r soakRow) settled() bool {
	return r.goroutines[1] <= r.goroutines[0]+goroutineSlack+3*r.pooled && r.fds[1] <= r.fds[0]+fdSlack+2*r.pooled
}

func soakTable(rows []soakRow, took time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\ncoderhost soak (%s)\n", took.Round(time.Second))
	f := "%-34s %9s %9s  %-26s %5s %8s %8s %10s %13s %11s %9s\n"
	fmt.Fprintf(&b, f, "phase", "requests", "2xx", "non-2xx by code", "lost", "crashes", "orphans",
		"RSS host", "RSS plugins", "goroutines", "fds")
	for _, r := range rows {
		var codes []string
		keys := make([]int, 0, len(r.codes))
		for c := range r.codes {
			keys = append(keys, c)
		}
		sort.Ints(keys)
		for _, c := range keys {
			codes = append(codes, fmt.Sprintf("%d:%d", c, r.codes[c]))
		}
		if len(codes) == 0 {
			codes = []string{"-"}
		}
		crashes := 0
		if r.crashed {
			crashes = 1
		}
		fmt.Fprintf(&b, f, r.phase, strconv.Itoa(r.requests), strconv.Itoa(r.ok), strings.Join(codes, " "),
			strconv.Itoa(r.lost), strconv.Itoa(crashes), strconv.Itoa(r.orphans),
			fmt.Sprintf("%d MiB", r.rssHost>>20), fmt.Sprintf("%d MiB", r.rssPlugin>>20),
			fmt.Sprintf("%d→%d", r.goroutines[0], r.goroutines[1]), fmt.Sprintf("%d→%d", r.fds[0], r.fds[1]))
	}
	for _, r := range rows {
		if r.notes != "" {
			fmt.Fprintf(&b, "  %s: %s\n", r.phase, r.notes)
		}
	}
	verdict := "PASS: no crash, leak, orphan or lost request"
	for _, r := range rows {
		if len(r.problems()) > 0 {
			verdict = "FAIL: see the errors below"
		}
	}
	fmt.Fprintf(&b, "%s\n\n", verdict)
	return b.String()
}

// soakConfig is the phase's configuration: the hello and probe plugins over
// the demo deployment, quiet logs.
func soakConfig(greeting, probeExtra string) string {
	return "log_level = \"warn\"\n" + baseConfig(greeting) + fmt.Sprintf("plugin \"probe\" {\n  path = %q\n%s}\n",
		filepath.Join(pluginDir, "probe"), probeExtra)
}

// phase runs one soak phase against a fresh daemon: it records the host's
// goroutines and descriptors, samples resident memory while load runs,
// waits for the host to settle, stops it and looks for plugin processes
// left behind.
type phase struct {
	t    *testing.T
	d    *daemon
	row  soakRow
	mu   sync.Mutex
	stop chan struct{}
	done chan struct{}
}

func startPhase(t *testing.T, name, cfgPath string, env []string) *phase {
	d := startWithEnv(t, cfgPath, env)
	p := &phase{t: t, d: d, row: soakRow{phase: name, codes: map[int]int{}}, stop: make(chan struct{}), done: make(chan struct{})}
	p.row.goroutines[0], p.row.fds[0] = p.hostCounts()
	go p.sample()
	return p
}

// hostCounts reads the host's goroutines (from /metrics) and open
// descriptors (/proc).
func (p *phase) hostCounts() (goroutines, fds int) {
	resp, err := http.Get(p.d.url("/metrics"))
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if m := regexp.MustCompile(`(?m)^go_goroutines (\d+)`).FindSubmatch(b); m != nil {
			goroutines, _ = strconv.Atoi(string(m[1]))
		}
	}
	entries, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.d.cmd.Process.Pid))
	return goroutines, len(entries)
}

func rss(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(field + `:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10
}

// upstreamConns counts the established connections to the demo
// deployment's port, one end of each a pooled pass-through connection.
func (p *phase) upstreamConns() int {
	m := regexp.MustCompile(`(?m)^demo coder: http://[^:]+:(\d+)`).FindStringSubmatch(p.d.output())
	if m == nil {
		return 0
	}
	port, _ := strconv.Atoi(m[1])
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/tcp", p.d.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 4 || f[3] != "01" { // ESTABLISHED
			continue
		}
		_, remote, _ := strings.Cut(f[2], ":")
		if rp, err := strconv.ParseInt(remote, 16, 32); err == nil && int(rp) == port {
			n++
		}
	}
	return n
}

// pluginPIDs lists the running plugins' process ids.
func (p *phase) pluginPIDs() []int {
	resp, err := http.Get(p.d.url("/api/plugins"))
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var list []pluginStatus
	_ = json.NewDecoder(resp.Body).Decode(&list)
	var pids []int
	for _, s := range list {
		if s.PID > 0 {
			pids = append(pids, s.PID)
		}
	}
	return pids
}

// sample records the peak resident memory of the host and its plugins.
func (p *phase) sample() {
	defer close(p.done)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	pids := p.pluginPIDs()
	for n := 0; ; n++ {
		select {
		case <-p.stop:
			return
		case <-tick.C:
		}
		if n%10 == 0 {
			pids = p.pluginPIDs()
		}
		p.mu.Lock()
		p.row.rssHost = max(p.row.rssHost, rss(p.d.cmd.Process.Pid, "VmHWM"))
		for _, pid := range pids {
			p.row.rssPlugin = max(p.row.rssPlugin, rss(pid, "VmHWM"))
		}
		p.mu.Unlock()
	}
}

// record counts one answer, or a request that got none.
func (p *phase) record(code int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.row.requests++
	switch {
	case err != nil:
		p.row.lost++
		if p.row.lostSample == "" {
			p.row.lostSample = err.Error()
		}
	case code >= 200 && code < 300:
		p.row.ok++
	default:
		p.row.codes[code]++
	}
}

// finish lets the host settle, stops it and returns the phase's row.
func (p *phase) finish() soakRow {
	select {
	case <-p.d.exited:
		p.row.crashed = true
	default:
	}
	if !p.row.crashed {
		// Idle keep-alive connections are the client's; close them first.
		soakClient.CloseIdleConnections()
		deadline := time.Now().Add(15 * time.Second)
		for {
			p.row.goroutines[1], p.row.fds[1] = p.hostCounts()
			p.row.pooled = p.upstreamConns()
			if p.row.settled() || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if p.row.pooled > 0 {
			p.row.notes += fmt.Sprintf("; %d idle connections to Coder pooled after it", p.row.pooled)
		}
	}
	close(p.stop)
	<-p.done
	if !p.row.crashed {
		_ = p.d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.d.exited:
			if p.d.err != nil {
				p.row.crashed = true
				p.row.notes += fmt.Sprintf("exit after SIGTERM: %v. ", p.d.err)
			}
		case <-time.After(30 * time.Second):
			p.row.crashed = true
			p.row.notes += "did not stop within 30s of SIGTERM. "
			_ = p.d.cmd.Process.Kill()
			<-p.d.exited
		}
	}
	// Every plugin process of the phase, killed ones included, must be
	// gone with the host.
	deadline := time.Now().Add(5 * time.Second)
	exes, _ := filepath.Glob(filepath.Join(pluginDir, "*"))
	for {
		left := 0
		for _, exe := range exes {
			left += len(processesRunning(exe))
		}
		if left == 0 || time.Now().After(deadline) {
			p.row.orphans = left
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	return p.row
}

// load runs workers that each GET the paths in turn until ctx ends.
func (p *phase) load(ctx context.Context, workers int, header http.Header, paths ...string) *sync.WaitGroup {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ctx.Err() == nil; i++ {
				req, _ := http.NewRequest("GET", p.d.url(paths[i%len(paths)]), nil)
				req.Header = header.Clone()
				resp, err := soakClient.Do(req)
				if err != nil {
					p.record(0, err)
					continue
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				p.record(resp.StatusCode, err)
			}
		}()
	}
	return &wg
}

// soakKills SIGKILLs every plugin of the shipped config.hcl (auth, catalog,
// workspaces, hello) and the probe, round after round, while requests keep
// coming to each: the host answers 503 or 502 for a plugin that is down and
// restarts it.
func soakKills(t *testing.T) soakRow {
	shipped, err := os.ReadFile(defaultConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg := "log_level = \"warn\"\n" + string(shipped) + fmt.Sprintf("plugin \"probe\" {\n  path = %q\n}\n", filepath.Join(pluginDir, "probe"))
	p := startPhase(t, "SIGKILL every plugin under load", writeConfig(t, cfg), nil)
	token := http.Header{"Coder-Session-Token": {demoToken(t, p.d)}}
	ctx, cancel := context.WithCancel(context.Background())
	wg := p.load(ctx, 16, token,
		"/api/hello/greet?name=Ada",
		"/api/probe/word",
		"/api/auth/.well-known/jwks.json",
		"/api/catalog/v1/entities/component/default/payments-api/coder",
		"/api/workspaces/v1/entities/component/default/payments-api/workspaces",
	)
	kills := 0
	for range 4 {
		time.Sleep(2500 * time.Millisecond)
		for _, pid := range p.pluginPIDs() {
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				kills++
			}
		}
	}
	eventually(t, "every plugin to be back", func() bool {
		resp, err := http.Get(p.d.url("/readyz"))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	time.Sleep(time.Second) // some load on the restarted plugins
	cancel()
	wg.Wait()
	p.row.notes = fmt.Sprintf("%d plugin processes (auth, catalog, workspaces, hello, probe) killed over 10s, 16 clients", kills)
	return p.finish()
}

// soakConnections opens 1,000 connections at once and sends a pass-through
// request on every one of them, three times over.
func soakConnections(t *testing.T) soakRow {
	p := startPhase(t, "1,000 pass-through connections", writeConfig(t, soakConfig("Hello", "")), nil)
	token := demoToken(t, p.d)
	const n, rounds = 1000, 3
	conns := make([]net.Conn, n)
	readers := make([]*bufio.Reader, n)
	for i := range conns {
		c, err := net.Dial("tcp", p.d.addr)
		if err != nil {
			p.record(0, err)
			continue
		}
		conns[i], readers[i] = c, bufio.NewReader(c)
	}
	for range rounds {
		var wg sync.WaitGroup
		for i, c := range conns {
			if c == nil {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				if _, err := fmt.Fprintf(c, "GET /api/v2/users/me HTTP/1.1\r\nHost: x\r\nCoder-Session-Token: %s\r\n\r\n", token); err != nil {
					p.record(0, err)
					return
				}
				resp, err := http.ReadResponse(readers[i], nil)
				if err != nil {
					p.record(0, err)
					return
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				p.record(resp.StatusCode, err)
			}()
		}
		wg.Wait()
	}
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
	p.row.notes = fmt.Sprintf("%d connections held open at once, %d requests on each", n, rounds)
	return p.finish()
}

// soakReloads rewrites the configuration and sends SIGHUP twice a second
// while requests keep coming, to plugin routes and the pass-through.
func soakReloads(t *testing.T) soakRow {
	path := writeConfig(t, soakConfig("Hello", ""))
	p := startPhase(t, "SIGHUP reloads under load", path, nil)
	token := http.Header{"Coder-Session-Token": {demoToken(t, p.d)}}
	ctx, cancel := context.WithCancel(context.Background())
	wg := p.load(ctx, 16, token, "/api/hello/greet?name=Ada", "/api/v2/users/me", "/api/probe/word")
	reloads := 0
	greeting := ""
	for i := range 24 {
		greeting = fmt.Sprintf("Hello%d", i)
		word := fmt.Sprintf("  config {\n    word = \"w%d\"\n  }\n", i)
		if err := os.WriteFile(path, []byte(soakConfig(greeting, word)), 0o600); err != nil {
			t.Fatal(err)
		}
		if p.d.cmd.Process.Signal(syscall.SIGHUP) == nil {
			reloads++
		}
		time.Sleep(500 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	eventually(t, "the last configuration to serve", func() bool {
		_, msg := p.d.greet()
		return msg == greeting+", Ada!"
	})
	failed := strings.Count(p.d.logs(), "reload failed")
	p.row.notes = fmt.Sprintf("%d reloads over 12s (%d failed), 16 clients", reloads, failed)
	if failed > 0 {
		p.row.notes += "; first failure: " + firstLine(p.d.logs()[strings.Index(p.d.logs(), "reload failed"):])
	}
	return p.finish()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// soakLargeBodies sends twenty concurrent 10 MB POSTs to a GET-only route
// (which answers 405) and twenty to a route that hashes the body. With
// buffered set, the probe takes request bodies whole, as plugins built
// before the protocol streamed them do, and the host's max_in_flight
// budget bounds what it holds.
func soakLargeBodies(t *testing.T, buffered bool) soakRow {
	name, extra, env := "20 × 10 MB bodies", "", []string(nil)
	if buffered {
		name = "20 × 10 MB bodies, buffering plugin"
		extra = "  env = { PROBE_BUFFERED = \"1\" }\n"
	}
	p := startPhase(t, name, writeConfig(t, soakConfig("Hello", extra)), env)
	payload := bytes.Repeat([]byte("coderhost"), 10<<20/9)
	want := fmt.Sprintf("%d %x", len(payload), sha256.Sum256(payload))
	bad := 0
	for _, path := range []string{"/api/hello/greet", "/api/probe/sum"} {
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := soakClient.Post(p.d.url(path), "application/octet-stream", bytes.NewReader(payload))
				if err != nil {
					p.record(0, err)
					return
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				p.record(resp.StatusCode, err)
				if resp.StatusCode == 200 && string(b) != want {
					p.mu.Lock()
					bad++
					p.mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	p.row.notes = fmt.Sprintf("10 MB each to /api/hello/greet (GET only: 405) and /api/probe/sum (hashes the body); %d wrong hashes", bad)
	if bad > 0 {
		p.row.lost += bad
		p.row.lostSample = "a body arrived altered"
	}
	if buffered {
		p.row.notes += "; 503 = beyond the default max_in_flight of 64 MiB"
	}
	return p.finish()
}
