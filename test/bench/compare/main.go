package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type options struct {
	repo, coderhost, pluginDir, backstage string
	duration, warmup                      time.Duration
	rounds, concurrency, bodySize         int
	maxRequests                           int
	readyRuns                             int
	skipBackstage                         bool
}

func main() {
	// Re-executions of this binary serve one side of the measurement in a
	// process of its own.
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "serve-upstream":
			serveUpstream(os.Args[2], os.Args[3])
			return
		case "serve-reverseproxy":
			serveReverseProxy(os.Args[2], os.Args[3])
			return
		}
	}
	var o options
	flag.StringVar(&o.repo, "repo", ".", "repository root")
	flag.StringVar(&o.coderhost, "coderhost", "bin/coderhost", "coderhost binary (relative to -repo)")
	flag.StringVar(&o.pluginDir, "plugins", "bin/plugins", "plugin directory (relative to -repo)")
	flag.StringVar(&o.backstage, "backstage", "test/bench/compare/testdata/backstage", "directory of the Backstage proxy-backend with node_modules installed (relative to -repo)")
	flag.DurationVar(&o.duration, "duration", 3*time.Second, "measured time per target and round")
	flag.DurationVar(&o.warmup, "warmup", 500*time.Millisecond, "unmeasured time before each measurement")
	flag.IntVar(&o.rounds, "rounds", 3, "interleaved rounds; the round with the median throughput is reported")
	flag.IntVar(&o.concurrency, "c", 32, "concurrent connections")
	flag.IntVar(&o.bodySize, "body", 1024, "upstream response body size in bytes")
	flag.IntVar(&o.maxRequests, "max-requests", 1_000_000, "cap on requests per measurement")
	flag.IntVar(&o.readyRuns, "ready-runs", 5, "starts timed for /readyz")
	flag.BoolVar(&o.skipBackstage, "skip-backstage", false, "leave out Backstage's proxy-backend (no Node.js)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench-compare:", err)
		os.Exit(1)
	}
}

func (o options) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(o.repo, p)
}

func run(o options) error {
	repo, err := filepath.Abs(o.repo)
	if err != nil {
		return err
	}
	o.repo = repo
	for _, need := range []string{o.path(o.coderhost), o.path(o.pluginDir)} {
		if _, err := os.Stat(need); err != nil {
			return fmt.Errorf("%w (run make build first)", err)
		}
	}
	scratch, err := os.MkdirTemp("", "coderhost-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	var procs procGroup
	defer procs.stopAll()

	fmt.Printf("bench-compare: %s, %d CPUs; %d connections, %d-byte body, %s x %d rounds per target\n\n",
		machine(), runtime.NumCPU(), o.concurrency, o.bodySize, o.duration, o.rounds)

	self, err := os.Executable()
	if err != nil {
		return err
	}
	upstream, err := procs.spawn("upstream", self, []string{"serve-upstream", "127.0.0.1:0", strconv.Itoa(o.bodySize)}, nil, scratch, "")
	if err != nil {
		return err
	}
	bare, err := procs.spawn("reverseproxy", self, []string{"serve-reverseproxy", "127.0.0.1:0", "http://" + upstream.addr}, nil, scratch, "")
	if err != nil {
		return err
	}
	chQuiet, err := startCoderhost(&procs, o, scratch, "coderhost", "http://"+upstream.addr, "warn")
	if err != nil {
		return err
	}
	chLogged, err := startCoderhost(&procs, o, scratch, "coderhost-logged", "http://"+upstream.addr, "info")
	if err != nil {
		return err
	}
	const path = "/api/v2/bench"
	targets := []target{
		{name: "direct to upstream", url: "http://" + upstream.addr + path},
		{name: "bare httputil.ReverseProxy (MaxIdleConnsPerHost 256)", url: "http://" + bare.addr + path},
		{name: "coderhost pass-through", url: "http://" + chQuiet.addr + path, note: "log_level = warn"},
		{name: "coderhost pass-through, access log on", url: "http://" + chLogged.addr + path, note: "log_level = info, text to a pipe"},
	}
	if !o.skipBackstage {
		bs, version, err := startBackstage(&procs, o, scratch, "http://"+upstream.addr)
		if err != nil {
			return fmt.Errorf("Backstage proxy-backend: %w (install it with `cd test/bench/compare/testdata/backstage && npm ci`, or pass -skip-backstage)", err)
		}
		targets = append(targets, target{name: "Backstage proxy-backend " + version, url: "http://" + bs.addr + "/api/proxy/coder" + path, note: "LOG_LEVEL=warn"})
	}
	header := http.Header{"Coder-Session-Token": {"bench-token-not-a-secret"}}
	results, err := measureAll(o, targets, header)
	if err != nil {
		return err
	}
	printPassThrough(results)

	// The host with its three first-party plugins: time to ready, idle RSS.
	fmt.Println()
	if err := readyAndRSS(o, scratch); err != nil {
		return err
	}

	// The host's own benchmarks, printed as they report themselves.
	fmt.Println()
	for _, b := range []struct{ pkg, name, what string }{
		{"./host/internal/pluginhost", "BenchmarkPluginHopRatio", "plugin hop: a request through a plugin process vs the same handler in-process"},
		{"./host/internal/scripting", "BenchmarkSigninRatio", "script hook: scripts/signin/username.js on pooled goja runtimes vs the same logic in Go"},
	} {
		fmt.Printf("### %s\n\n```\n", b.what)
		cmd := exec.Command("go", "test", "-run", "^$", "-bench", "^"+b.name+"$", "-benchtime", "1x", "-count", "1", b.pkg)
		cmd.Dir = o.repo
		out, err := cmd.CombinedOutput()
		for _, line := range strings.Split(string(out), "\n") {
			if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "goos:") && !strings.HasPrefix(t, "goarch:") && !strings.HasPrefix(t, "pkg:") && !strings.HasPrefix(t, "cpu:") && t != "PASS" {
				fmt.Println(t)
			}
		}
		fmt.Print("```\n\n")
		if err != nil {
			return fmt.Errorf("%s: %w", b.name, err)
		}
	}
	return nil
}

// target is one way to reach the upstream.
type target struct{ name, url, note string }

// result is one target's measurement.
type result struct {
	target
	requests, errors int
	elapsed          time.Duration
	p50, p99         time.Duration
	firstErr         string
}

func (r result) rps() float64 { return float64(r.requests) / r.elapsed.Seconds() }

func measureAll(o options, targets []target, header http.Header) ([]result, error) {
	for _, t := range targets {
		if u, err := url.Parse(t.url); err != nil || !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("refusing to load %q: the load generator only targets loopback addresses", t.url)
		}
	}
	rounds := make([][]result, len(targets))
	for round := range o.rounds {
		for i, t := range targets {
			fmt.Fprintf(os.Stderr, "round %d/%d: %s\n", round+1, o.rounds, t.name)
			rounds[i] = append(rounds[i], measure(o, t, header))
		}
	}
	out := make([]result, len(targets))
	for i, rs := range rounds {
		slices.SortFunc(rs, func(a, b result) int { return int(a.rps() - b.rps()) })
		out[i] = rs[len(rs)/2]
	}
	return out, nil
}

// measure runs a closed loop: o.concurrency workers each send a GET, wait
// for the whole answer, and send the next, first for o.warmup unmeasured,
// then for o.duration or o.maxRequests requests, whichever ends first.
func measure(o options, t target, header http.Header) result {
	tr := &http.Transport{MaxIdleConns: o.concurrency, MaxIdleConnsPerHost: o.concurrency, MaxConnsPerHost: o.concurrency, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	do := func() (time.Duration, error) {
		req, _ := http.NewRequest(http.MethodGet, t.url, nil)
		req.Header = header.Clone()
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		if err != nil {
			return 0, err
		}
		if resp.StatusCode != 200 || n != int64(o.bodySize) {
			return 0, fmt.Errorf("status %d, %d bytes", resp.StatusCode, n)
		}
		return d, nil
	}
	phase := func(d time.Duration, limit int, record bool) result {
		r := result{target: t}
		var mu sync.Mutex
		var lat []time.Duration
		var wg sync.WaitGroup
		deadline := time.Now().Add(d)
		start := time.Now()
		var count int64
		var cmu sync.Mutex
		for range o.concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				local := make([]time.Duration, 0, 4096)
				errs, first := 0, ""
				for time.Now().Before(deadline) {
					cmu.Lock()
					count++
					over := count > int64(limit)
					cmu.Unlock()
					if over {
						break
					}
					lt, err := do()
					if err != nil {
						errs++
						if first == "" {
							first = err.Error()
						}
						continue
					}
					if record {
						local = append(local, lt)
					}
				}
				mu.Lock()
				lat = append(lat, local...)
				r.errors += errs
				if r.firstErr == "" {
					r.firstErr = first
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		r.elapsed = time.Since(start)
		r.requests = len(lat)
		if len(lat) > 0 {
			slices.Sort(lat)
			r.p50, r.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
		}
		return r
	}
	phase(o.warmup, o.maxRequests, false)
	return phase(o.duration, o.maxRequests, true)
}

func printPassThrough(results []result) {
	var direct result
	for _, r := range results {
		if strings.HasPrefix(r.name, "direct") {
			direct = r
		}
	}
	fmt.Println("### Pass-through: GET /api/v2/bench, same upstream")
	fmt.Println()
	fmt.Println("| path | req/s | p50 | p99 | req/s vs direct | p50 added | errors |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		name := r.name
		if r.note != "" {
			name += " (" + r.note + ")"
		}
		fmt.Printf("| %s | %.0f | %s | %s | %.2f | %s | %d |\n", name, r.rps(), us(r.p50), us(r.p99), r.rps()/direct.rps(), us(r.p50-direct.p50), r.errors)
		if r.firstErr != "" {
			fmt.Fprintf(os.Stderr, "%s: first error: %s\n", r.name, r.firstErr)
		}
	}
	byName := func(prefix string) (result, bool) {
		for _, r := range results {
			if strings.HasPrefix(r.name, prefix) {
				return r, true
			}
		}
		return result{}, false
	}
	ch, _ := byName("coderhost pass-through")
	fmt.Println()
	if bare, ok := byName("bare"); ok {
		fmt.Printf("coderhost / bare ReverseProxy: throughput %.2fx, p50 %.2fx\n", ch.rps()/bare.rps(), float64(ch.p50)/float64(bare.p50))
	}
	if bs, ok := byName("Backstage"); ok {
		fmt.Printf("coderhost / Backstage proxy-backend: throughput %.2fx, p50 %.2fx\n", ch.rps()/bs.rps(), float64(ch.p50)/float64(bs.p50))
	}
}

func us(d time.Duration) string {
	return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
}

// readyAndRSS starts the host with the repository's config.hcl (embedded
// demo deployment, the three first-party plugins, without the example
// plugin) o.readyRuns times, timing exec → first 200 from /readyz, and
// reads the idle RSS of the host and its plugins after the last start.
func readyAndRSS(o options, scratch string) error {
	cfg, err := fullConfig(o, scratch)
	if err != nil {
		return err
	}
	var times []time.Duration
	var last *proc
	for i := range o.readyRuns {
		var procs procGroup
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		start := time.Now()
		p, err := procs.spawn(fmt.Sprintf("coderhost-ready-%d", i), o.path(o.coderhost), []string{"run", "-config", cfg, "-listen", addr}, nil, scratch, addr)
		if err != nil {
			return err
		}
		if err := waitStatus("http://"+addr+"/readyz", 200, 60*time.Second, p); err != nil {
			procs.stopAll()
			return err
		}
		times = append(times, time.Since(start))
		if i == o.readyRuns-1 {
			last = p
			defer procs.stopAll()
		} else {
			procs.stopAll()
		}
	}
	slices.Sort(times)
	fmt.Println("### The host with the three first-party plugins (config.hcl, embedded demo deployment)")
	fmt.Println()
	fmt.Printf("time from exec to /readyz 200: median %s, min %s, max %s (%d starts)\n\n",
		times[len(times)/2].Round(time.Millisecond), times[0].Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond), len(times))

	time.Sleep(3 * time.Second) // idle: past start-up work and the first health checks
	plugins, err := pluginPIDs("http://" + last.addr + "/api/plugins")
	if err != nil {
		return err
	}
	host, err := rssKiB(last.cmd.Process.Pid)
	if err != nil {
		return err
	}
	fmt.Println("| process | idle RSS |")
	fmt.Println("|---|---:|")
	fmt.Printf("| coderhost (host, embedded demo Coder included) | %.1f MiB |\n", float64(host)/1024)
	total := host
	ids := make([]string, 0, len(plugins))
	for id := range plugins {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		kib, err := rssKiB(plugins[id])
		if err != nil {
			return err
		}
		total += kib
		fmt.Printf("| plugin %s | %.1f MiB |\n", id, float64(kib)/1024)
	}
	fmt.Printf("| **total** | **%.1f MiB** |\n", float64(total)/1024)
	return nil
}

// fullConfig is config.hcl with absolute paths and without the example
// plugin's block.
func fullConfig(o options, scratch string) (string, error) {
	b, err := os.ReadFile(filepath.Join(o.repo, "config.hcl"))
	if err != nil {
		return "", err
	}
	src := regexp.MustCompile(`(?s)\nplugin "hello" \{.*?\n\}\n`).ReplaceAllString(string(b), "\n")
	plugins := o.path(o.pluginDir)
	src = strings.NewReplacer(
		`"bin/plugins/`, `"`+plugins+`/`,
		`"bin/plugins"`, `"`+plugins+`"`,
		`"examples/`, `"`+o.repo+`/examples/`,
		`"scripts/`, `"`+o.repo+`/scripts/`,
	).Replace(src)
	src = regexp.MustCompile(`(?m)^log_level\s*=.*$`).ReplaceAllString(src, "")
	src = "log_level = \"warn\"\n" + src
	path := filepath.Join(scratch, "full.hcl")
	return path, os.WriteFile(path, []byte(src), 0o600)
}

func startCoderhost(procs *procGroup, o options, scratch, name, upstream, level string) (*proc, error) {
	cfg := fmt.Sprintf(`log_level = %q
coder {
  access_url = %q
}
proxy {
  allowed_headers = ["Coder-Session-Token"]
}
`, level, upstream)
	path := filepath.Join(scratch, name+".hcl")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	p, err := procs.spawn(name, o.path(o.coderhost), []string{"run", "-config", path, "-listen", addr}, nil, scratch, addr)
	if err != nil {
		return nil, err
	}
	return p, waitStatus("http://"+addr+"/readyz", 200, 30*time.Second, p)
}

func startBackstage(procs *procGroup, o options, scratch, upstream string) (*proc, string, error) {
	dir := o.path(o.backstage)
	pkg, err := os.ReadFile(filepath.Join(dir, "node_modules", "@backstage", "plugin-proxy-backend", "package.json"))
	if err != nil {
		return nil, "", err
	}
	version := regexp.MustCompile(`"version":\s*"([^"]+)"`).FindStringSubmatch(string(pkg))
	if version == nil {
		return nil, "", errors.New("no version in @backstage/plugin-proxy-backend's package.json")
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	_, port, _ := net.SplitHostPort(addr)
	cfg := fmt.Sprintf(`backend:
  baseUrl: http://%[1]s
  listen:
    host: 127.0.0.1
    port: %[2]s
  database:
    client: better-sqlite3
    connection: ':memory:'
proxy:
  endpoints:
    '/coder':
      target: '%[3]s/'
      changeOrigin: true
      credentials: dangerously-allow-unauthenticated
      allowedMethods: ['GET', 'HEAD']
      allowedHeaders: ['Coder-Session-Token']
`, addr, port, upstream)
	path := filepath.Join(scratch, "app-config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return nil, "", err
	}
	p, err := procs.spawn("backstage", "node", []string{filepath.Join(dir, "backend.js"), "--config", path},
		[]string{"LOG_LEVEL=warn", "NODE_ENV=production"}, dir, addr)
	if err != nil {
		return nil, "", err
	}
	// Ready when the proxy answers through to the upstream.
	return p, version[1], waitStatus("http://"+addr+"/api/proxy/coder/api/v2/bench", 200, 120*time.Second, p)
}

// serveUpstream answers every request with the same JSON body of size
// bytes: the upstream every path reaches.
func serveUpstream(addr, size string) {
	n, _ := strconv.Atoi(size)
	body := []byte(`{"message":"` + strings.Repeat("x", max(0, n-15)) + `"}`)
	body = body[:n]
	body[n-1] = '}'
	ln := listen(addr)
	_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}))
}

// serveReverseProxy is the baseline a Go programmer would write: a
// httputil.ReverseProxy with a transport that keeps enough idle
// connections for the load (the default of 2 per host would measure
// connection set-up instead).
func serveReverseProxy(addr, upstream string) {
	u, err := url.Parse(upstream)
	if err != nil {
		panic(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
	}
	ln := listen(addr)
	_ = http.Serve(ln, rp)
}

func listen(addr string) net.Listener {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening on %s\n", ln.Addr())
	return ln
}

// proc is a server process the run started.
type proc struct {
	name, addr string
	cmd        *exec.Cmd
	exited     chan struct{}
	stderr     *tail
}

type procGroup struct{ procs []*proc }

// spawn starts a process; with addr "" it waits for a "listening on" line
// on stdout to learn the address.
func (g *procGroup) spawn(name, bin string, args, env []string, dir, addr string) (*proc, error) {
	p := &proc{name: name, addr: addr, cmd: exec.Command(bin, args...), exited: make(chan struct{}), stderr: &tail{max: 8 << 10}}
	p.cmd.Dir = dir
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = p.stderr
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	g.procs = append(g.procs, p)
	lines := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		sent := false
		for s.Scan() {
			if a, ok := strings.CutPrefix(s.Text(), "listening on "); ok && !sent {
				lines <- a
				sent = true
			}
		}
	}()
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	if addr != "" {
		return p, nil
	}
	select {
	case a := <-lines:
		p.addr = a
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("%s exited: %s", name, p.stderr)
	case <-time.After(30 * time.Second):
		return nil, fmt.Errorf("%s printed no address", name)
	}
}

func (g *procGroup) stopAll() {
	for _, p := range g.procs {
		select {
		case <-p.exited:
			continue
		default:
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(20 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	}
	g.procs = nil
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

func waitStatus(u string, want int, timeout time.Duration, p *proc) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	last := ""
	for ctx.Err() == nil {
		select {
		case <-p.exited:
			return fmt.Errorf("%s exited before %s answered %d:\n%s", p.name, u, want, p.stderr)
		default:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == want {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(5 * time.Millisecond)
	}
	return fmt.Errorf("%s: %s did not answer %d within %s (last: %s)\n%s", p.name, u, want, timeout, last, p.stderr)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func pluginPIDs(u string) (map[string]int, error) {
	resp, err := http.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var list []struct {
		ID  string `json:"id"`
		PID int    `json:"pid"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, p := range list {
		out[p.ID] = p.PID
	}
	return out, nil
}

// rssKiB is a process's resident set size from /proc.
func rssKiB(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				return strconv.Atoi(f[0])
			}
		}
	}
	return 0, fmt.Errorf("pid %d: no VmRSS", pid)
}

func machine() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return "unknown CPU"
}
