package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	repoRoot  string
	binDir    string
	pluginDir string
	coderhost string
)

func TestMain(m *testing.M) {
	if err := checkRealCoderEnv(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_, file, _, _ := runtime.Caller(0)
	repoRoot = filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
	dir, err := os.MkdirTemp("", "coderhost-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	pluginDir = filepath.Join(dir, "plugins")
	coderhost = filepath.Join(dir, "coderhost")
	builds := [][]string{
		{"-o", coderhost, "./host"},
		{"-o", filepath.Join(pluginDir, "probe"), "./host/internal/pluginhost/testdata/probe"},
	}
	// Every first-party and example plugin, as `make build` names them.
	mains, _ := filepath.Glob(filepath.Join(repoRoot, "plugins", "*", "main.go"))
	examples, _ := filepath.Glob(filepath.Join(repoRoot, "examples", "plugins", "*", "main.go"))
	for _, m := range append(mains, examples...) {
		dir := filepath.Dir(m)
		rel, _ := filepath.Rel(repoRoot, dir)
		builds = append(builds, []string{"-o", filepath.Join(pluginDir, "coderhost-plugin-"+filepath.Base(dir)), "./" + rel})
	}
	for _, b := range builds {
		cmd := exec.Command("go", append([]string{"build"}, b...)...)
		cmd.Dir = repoRoot
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "build:", b, err)
			os.Exit(1)
		}
	}
	code := m.Run()
	stopSharedBackstage()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// daemon is a running coderhost process.
type daemon struct {
	t      *testing.T
	cmd    *exec.Cmd
	addr   string
	mu     sync.Mutex
	stdout strings.Builder
	stderr strings.Builder
	lines  chan string
	exited chan struct{}
	err    error
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.hcl")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func baseConfig(greeting string) string {
	return fmt.Sprintf(`
plugin_dir = %q
%s
backstage { catalog_files = [%q] }
script "username" {
  file = %q
  hook = "signin"
}
plugin "hello" {
  path = %q
  config { greeting = %q }
}
`, pluginDir, coderBlock(), filepath.Join(repoRoot, "examples/catalog/*.yaml"),
		filepath.Join(repoRoot, "scripts/signin/username.js"),
		filepath.Join(pluginDir, "coderhost-plugin-hello"), greeting)
}

func start(t *testing.T, configPath string) *daemon {
	t.Helper()
	return startWithEnv(t, configPath, nil)
}

// startWithEnv starts coderhost with extra environment variables.
func startWithEnv(t *testing.T, configPath string, env []string) *daemon {
	t.Helper()
	return startAt(t, freePort(t), configPath, env)
}

// startAt starts coderhost listening on addr, for configurations that must
// name their own address (external_url).
func startAt(t *testing.T, addr, configPath string, env []string) *daemon {
	t.Helper()
	d := &daemon{t: t, addr: addr, lines: make(chan string, 100), exited: make(chan struct{})}
	d.cmd = exec.Command(coderhost, "run", "-config", configPath, "-listen", d.addr)
	d.cmd.Env = append(os.Environ(), env...)
	stdout, _ := d.cmd.StdoutPipe()
	stderr, _ := d.cmd.StderrPipe()
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var readers sync.WaitGroup
	readers.Add(2)
	go func() {
		defer readers.Done()
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			d.mu.Lock()
			d.stdout.WriteString(s.Text() + "\n")
			d.mu.Unlock()
			select {
			case d.lines <- s.Text():
			default:
			}
		}
	}()
	go func() {
		defer readers.Done()
		b := make([]byte, 4096)
		for {
			n, err := stderr.Read(b)
			d.mu.Lock()
			d.stderr.Write(b[:n])
			d.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	go func() {
		readers.Wait()
		d.err = d.cmd.Wait()
		close(d.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-d.exited:
		default:
			_ = d.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-d.exited:
			case <-time.After(15 * time.Second):
				_ = d.cmd.Process.Kill()
				<-d.exited
			}
		}
		if t.Failed() {
			t.Logf("coderhost stdout:\n%s\ncoderhost stderr:\n%s", d.output(), d.logs())
		}
	})
	d.waitReady()
	return d
}

func (d *daemon) output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stdout.String()
}

func (d *daemon) logs() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stderr.String()
}

func (d *daemon) url(path string) string { return "http://" + d.addr + path }

func (d *daemon) waitReady() {
	d.t.Helper()
	eventually(d.t, "coderhost to become ready", func() bool {
		select {
		case <-d.exited:
			d.t.Fatalf("coderhost exited early: %v\n%s", d.err, d.logs())
		default:
		}
		resp, err := http.Get(d.url("/readyz"))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func getJSON(t *testing.T, url string, header http.Header, v any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: %d %q: %v", url, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

type pluginStatus struct {
	ID           string   `json:"id"`
	Version      string   `json:"version"`
	State        string   `json:"state"`
	Restarts     int      `json:"restarts"`
	PID          int      `json:"pid"`
	Capabilities []string `json:"capabilities"`
}

func (d *daemon) plugin(id string) pluginStatus {
	var list []pluginStatus
	getJSON(d.t, d.url("/api/plugins"), nil, &list)
	for _, p := range list {
		if p.ID == id {
			return p
		}
	}
	d.t.Fatalf("plugin %q not listed", id)
	return pluginStatus{}
}

func (d *daemon) greet() (int, string) {
	var body map[string]string
	code := getJSON(d.t, d.url("/api/hello/greet?name=Ada"), nil, &body)
	return code, body["message"]
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func TestPluginRouteHostServiceAndPluginList(t *testing.T) {
	d := start(t, writeConfig(t, baseConfig("Hello")))

	if code, msg := d.greet(); code != 200 || msg != "Hello, Ada!" {
		t.Fatalf("greet: %d %q", code, msg)
	}
	p := d.plugin("hello")
	if p.State != "running" || p.PID == 0 || p.Restarts != 0 || len(p.Capabilities) == 0 {
		t.Fatalf("plugin status %+v", p)
	}
	// The hello plugin reaches the host's catalog through the broker.
	var ent map[string]string
	if code := getJSON(t, d.url("/api/hello/entities/user/default/demo"), nil, &ent); code != 200 || ent["ref"] != "user:default/demo" {
		t.Fatalf("entity through host catalog: %d %v", code, ent)
	}
	var missing map[string]string
	if code := getJSON(t, d.url("/api/hello/entities/component/default/no-such-thing"), nil, &missing); code != 404 {
		t.Fatalf("missing entity: %d %v", code, missing)
	}
	var notMounted map[string]string
	if code := getJSON(t, d.url("/api/nope/x"), nil, &notMounted); code != 404 || !strings.Contains(notMounted["message"], "/api/nope/") {
		t.Fatalf("unknown plugin: %d %v", code, notMounted)
	}
	resp, err := http.Get(d.url("/metrics"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`coderhost_http_requests_total{code="200",method="GET",route="plugin:hello"}`, `coderhost_plugin_restarts_total{plugin="hello"} 0`, `coderhost_http_request_duration_seconds_bucket`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestDemoCoderThroughPassThrough(t *testing.T) {
	d := start(t, writeConfig(t, baseConfig("Hello")))
	token := demoToken(t, d)
	// The banner may still be on its way through the pipe when /readyz
	// already answers; the snippet is its last part.
	eventually(t, "the whole startup banner", func() bool { return strings.Contains(d.output(), "allowedHeaders:") })
	lines := []string{"target: 'http://" + d.addr + "/'"}
	if !usingRealCoder() {
		lines = append(lines, "demo oauth client id: ", "demo oauth client secret: ")
	}
	for _, line := range lines {
		if !strings.Contains(d.output(), line) {
			t.Errorf("startup output lacks %q", line)
		}
	}
	var me map[string]any
	code := getJSON(t, d.url("/api/v2/users/me"), http.Header{"Coder-Session-Token": {token}}, &me)
	if code != 200 || me["username"] != "demo" {
		t.Fatalf("users/me through the host: %d %v", code, me)
	}
	var unauth map[string]any
	if code := getJSON(t, d.url("/api/v2/users/me"), nil, &unauth); code != 401 || unauth["message"] == "" {
		t.Fatalf("no token: %d %v", code, unauth)
	}
}

func TestKilledPluginIs503ThenRestarted(t *testing.T) {
	d := start(t, writeConfig(t, baseConfig("Hello")))
	before := d.plugin("hello")
	if err := syscall.Kill(before.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	saw503 := false
	eventually(t, "the plugin to come back", func() bool {
		var body map[string]string
		code := getJSON(t, d.url("/api/hello/greet"), nil, &body)
		if code == 503 {
			saw503 = true
			if !strings.Contains(body["message"], "hello") {
				t.Fatalf("503 body does not name the plugin: %v", body)
			}
		}
		return code == 200
	})
	if !saw503 {
		t.Fatal("never saw a 503 while the plugin was down")
	}
	after := d.plugin("hello")
	if after.Restarts != before.Restarts+1 || after.PID == before.PID || after.State != "running" {
		t.Fatalf("after restart: %+v (before %+v)", after, before)
	}
}

func TestGracefulShutdownLeavesNoPluginProcess(t *testing.T) {
	d := start(t, writeConfig(t, baseConfig("Hello")))
	pid := d.plugin("hello").PID
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-d.exited:
	case <-time.After(20 * time.Second):
		t.Fatal("coderhost did not exit after SIGTERM")
	}
	if d.err != nil {
		t.Fatalf("exit after SIGTERM: %v", d.err)
	}
	if alive(pid) {
		t.Fatalf("plugin pid %d outlived the host", pid)
	}
}

func TestKilledHostTakesItsPluginsWithIt(t *testing.T) {
	d := start(t, writeConfig(t, baseConfig("Hello")))
	pid := d.plugin("hello").PID
	_ = d.cmd.Process.Kill()
	<-d.exited
	eventually(t, "the orphaned plugin to exit", func() bool { return !alive(pid) })
}

func TestSIGHUPReloadSwapsValidConfigAndKeepsOldOnError(t *testing.T) {
	path := writeConfig(t, baseConfig("Hello"))
	d := start(t, path)
	pid := d.plugin("hello").PID

	if err := os.WriteFile(path, []byte(baseConfig("Howdy")), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = d.cmd.Process.Signal(syscall.SIGHUP)
	eventually(t, "the new greeting", func() bool { _, msg := d.greet(); return msg == "Howdy, Ada!" })
	if d.plugin("hello").PID != pid {
		t.Fatal("an unchanged plugin block restarted the plugin process")
	}

	broken := baseConfig("Hi") + "\nplugin \"hello\" {\n"
	if err := os.WriteFile(path, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = d.cmd.Process.Signal(syscall.SIGHUP)
	eventually(t, "the reload error in the log", func() bool { return strings.Contains(d.logs(), "reload failed") })
	if _, msg := d.greet(); msg != "Howdy, Ada!" {
		t.Fatalf("a broken file replaced the running config: %q", msg)
	}
	if !strings.Contains(d.logs(), "config.hcl:") {
		t.Errorf("reload error does not name the file and position:\n%s", d.logs())
	}
}

func TestInvalidConfigStartsNothing(t *testing.T) {
	path := writeConfig(t, baseConfig("Hello")+"\nunknown_knob = 1\n")
	cmd := exec.Command(coderhost, "run", "-config", path, "-listen", freePort(t))
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("want exit 1, got %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "config.hcl:") || !strings.Contains(string(out), "unknown_knob") {
		t.Fatalf("diagnostic does not name the file and the attribute:\n%s", out)
	}
}

func TestBadPluginConfigIsADiagnosticAndNoPluginIsLeft(t *testing.T) {
	cfg := strings.Replace(baseConfig("Hello"), `config { greeting = "Hello" }`, `config { greting = "Hello" }`, 1)
	path := writeConfig(t, cfg)
	cmd := exec.Command(coderhost, "run", "-config", path, "-listen", freePort(t))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("started with a misspelt plugin attribute:\n%s", out)
	}
	if !strings.Contains(string(out), "greting") {
		t.Fatalf("diagnostic does not name the attribute:\n%s", out)
	}
	// The plugin was launched to read its schema; it must be gone.
	eventually(t, "no plugin process left", func() bool {
		return len(processesRunning(filepath.Join(pluginDir, "coderhost-plugin-hello"))) == 0
	})
}

func TestValidateExitCodes(t *testing.T) {
	good := writeConfig(t, baseConfig("Hello"))
	if out, err := exec.Command(coderhost, "validate", good).CombinedOutput(); err != nil {
		t.Fatalf("valid file: %v\n%s", err, out)
	}
	bad := writeConfig(t, baseConfig("Hello")+"\ncoder { demo = true }\n")
	out, err := exec.Command(coderhost, "validate", bad).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("invalid file: want exit 2, got %v\n%s", err, out)
	}
	if !regexp.MustCompile(`config\.hcl:\d+,\d+: `).Match(out) {
		t.Fatalf("no FILE:LINE,COL diagnostic:\n%s", out)
	}
}

func TestVersion(t *testing.T) {
	out, err := exec.Command(coderhost, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "coderhost ") {
		t.Fatalf("%v %q", err, out)
	}
}

// processesRunning lists the pids whose executable is exe (Linux /proc).
func processesRunning(exe string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if strings.SplitN(string(cmdline), "\x00", 2)[0] == exe {
			pids = append(pids, pid)
		}
	}
	return pids
}

func demoToken(t *testing.T, d *daemon) string {
	t.Helper()
	if usingRealCoder() {
		return realCoder.token
	}
	re := regexp.MustCompile(`(?m)^demo session token: (\S+)$`)
	var m []string
	// The banner may still be on its way through the pipe when /readyz
	// already answers.
	eventually(t, "the demo session token in the startup output", func() bool {
		m = re.FindStringSubmatch(d.output())
		return m != nil
	})
	return m[1]
}

// The exact requests the Backstage frontend plugin sends through
// /api/proxy/coder (the endpoints in
// https://github.com/coder/backstage-plugins/blob/main/plugins/backstage-plugin-coder/src/api/CoderClient.ts).
func TestFrontendPluginRequestsThroughTheHost(t *testing.T) {
	d := start(t, writeConfig(t, baseConfig("Hello")))
	token := http.Header{"Coder-Session-Token": {demoToken(t, d)}}

	type list struct {
		Workspaces []struct {
			Name         string `json:"name"`
			TemplateIcon string `json:"template_icon"`
		} `json:"workspaces"`
		Count int `json:"count"`
	}
	cases := []struct {
		rawQuery string
		want     []string
	}{
		{"q=owner%3Ame+param%3A%22repo_url%3Dhttps%3A%2F%2Fgithub.com%2Facme%2Fpayments-api%22&limit=0", []string{"payments-api", "payments-api-hotfix"}},
		{"q=owner%3Ame+param%3A%22custom_repo%3Dhttps%3A%2F%2Fgithub.com%2Facme%2Fstorefront-web%22&limit=0", []string{"storefront"}},
		{"q=owner%3Ame+param%3A%22custom_repo%3Dhttps%3A%2F%2Fgithub.com%2Facme%2Fpayments-api%22&limit=0", nil},
	}
	for _, c := range cases {
		var l list
		if code := getJSON(t, d.url("/api/v2/workspaces?"+c.rawQuery), token, &l); code != 200 {
			t.Fatalf("%s: %d", c.rawQuery, code)
		}
		var got []string
		for _, w := range l.Workspaces {
			got = append(got, w.Name)
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") && !sameSet(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.rawQuery, got, c.want)
		}
		if l.Count != len(c.want) {
			t.Errorf("%s: count %d, want %d", c.rawQuery, l.Count, len(c.want))
		}
	}

	var bad map[string]any
	if code := getJSON(t, d.url("/api/v2/workspaces?q=param%3A%22a%3Db%3Dc%22"), token, &bad); code != 400 || bad["message"] != "Invalid workspace search query." {
		t.Errorf("bad search passes Coder's 400 through: %d %v", code, bad)
	}

	req, _ := http.NewRequest("GET", d.url("/emojis/1f4bb.png"), nil)
	req.Header = token.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || len(b) == 0 {
		t.Fatalf("icon: %d %q %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(b))
	}

	// Cookies and Backstage's Authorization header never reach Coder: with
	// only those, Coder sees no credentials.
	var unauth map[string]any
	code := getJSON(t, d.url("/api/v2/users/me"), http.Header{
		"Cookie":        {"coder_session_token=" + demoToken(t, d)},
		"Authorization": {"Bearer " + demoToken(t, d)},
	}, &unauth)
	if code != 401 {
		t.Fatalf("credentials in cookie/Authorization were forwarded: %d %v", code, unauth)
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestPluginRunsAdminSigninScriptThroughTheHost(t *testing.T) {
	d := start(t, writeConfig(t, baseConfig("Hello")))
	var body struct {
		Script   string `json:"script"`
		Identity struct {
			UserEntityRef string `json:"userEntityRef"`
		} `json:"identity"`
	}
	if code := getJSON(t, d.url("/api/hello/whois/demo"), nil, &body); code != 200 ||
		body.Script != "username" || body.Identity.UserEntityRef != "user:default/demo" {
		t.Fatalf("whois demo: %d %+v", code, body)
	}
	var missing map[string]string
	if code := getJSON(t, d.url("/api/hello/whois/nobody"), nil, &missing); code != 404 {
		t.Fatalf("whois of an unknown user: %d %v", code, missing)
	}
}

func TestBrokenScriptStopsStartupAndKeepsOldVersionOnReload(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "signin.js")
	good := "function signin(profile, ctx) {\n  return { userEntityRef: 'user:default/' + profile.username };\n}\n"
	broken := "function signin(profile, ctx) {\n  return { userEntityRef: \n}\n"
	cfg := strings.Replace(baseConfig("Hello"), filepath.Join(repoRoot, "scripts/signin/username.js"), script, 1)
	path := writeConfig(t, cfg)

	if err := os.WriteFile(script, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(coderhost, "run", "-config", path, "-listen", freePort(t)).CombinedOutput()
	if err == nil || !regexp.MustCompile(`signin\.js:\d+:\d+`).Match(out) {
		t.Fatalf("a syntax error must stop startup with file:line:col; got %v\n%s", err, out)
	}

	if err := os.WriteFile(script, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	d := start(t, path)
	whois := func() string {
		var body struct {
			Identity struct{ UserEntityRef string } `json:"identity"`
		}
		getJSON(t, d.url("/api/hello/whois/zed"), nil, &body)
		return body.Identity.UserEntityRef
	}
	if got := whois(); got != "user:default/zed" {
		t.Fatalf("whois: %q", got)
	}
	if err := os.WriteFile(script, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = d.cmd.Process.Signal(syscall.SIGHUP)
	eventually(t, "the reload error", func() bool { return strings.Contains(d.logs(), "signin.js:") })
	if got := whois(); got != "user:default/zed" {
		t.Fatalf("a broken script replaced the working one: %q", got)
	}
}

func TestShutdownDrainsInFlightRequests(t *testing.T) {
	cfg := baseConfig("Hello") + fmt.Sprintf("\nplugin \"probe\" {\n  path = %q\n}\n", filepath.Join(pluginDir, "probe"))
	d := start(t, writeConfig(t, cfg))
	probePID := d.plugin("probe").PID

	type result struct {
		code int
		body string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.Get(d.url("/api/probe/sleep?ms=1500"))
		if err != nil {
			done <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- result{code: resp.StatusCode, body: string(b)}
	}()
	time.Sleep(300 * time.Millisecond) // the request is now inside the plugin
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the listener to close", func() bool {
		c, err := net.DialTimeout("tcp", d.addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	r := <-done
	if r.err != nil || r.code != 200 || r.body != "slept" {
		t.Fatalf("in-flight request during shutdown: %+v", r)
	}
	select {
	case <-d.exited:
	case <-time.After(20 * time.Second):
		t.Fatal("coderhost did not exit")
	}
	if d.err != nil {
		t.Fatalf("exit: %v", d.err)
	}
	if alive(probePID) {
		t.Fatalf("probe plugin %d outlived the host", probePID)
	}
}

func TestReloadRejectedByOnePluginLeavesEveryPluginOnItsOldConfig(t *testing.T) {
	withProbe := func(greeting string, reject bool) string {
		return baseConfig(greeting) + fmt.Sprintf("\nplugin \"probe\" {\n  path = %q\n  config {\n    word = \"w\"\n    reject = %t\n  }\n}\n",
			filepath.Join(pluginDir, "probe"), reject)
	}
	path := writeConfig(t, withProbe("Hello", false))
	d := start(t, path)

	if err := os.WriteFile(path, []byte(withProbe("Howdy", true)), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = d.cmd.Process.Signal(syscall.SIGHUP)
	eventually(t, "the rejected reload in the log", func() bool { return strings.Contains(d.logs(), "rejected on purpose") })
	if _, msg := d.greet(); msg != "Hello, Ada!" {
		t.Fatalf("hello kept the configuration of a reload that failed: %q", msg)
	}
	if p := d.plugin("probe"); p.State != "running" {
		t.Fatalf("probe after a rejected reload: %+v", p)
	}
}

func TestHostilePassThroughRequestsThroughTheHost(t *testing.T) {
	d := start(t, writeConfig(t, baseConfig("Hello")))
	token := demoToken(t, d)
	cases := []struct {
		method, path string
		want         int
	}{
		{"GET", "/api/v2/%2e%2e/%2e%2e/api/plugins", 400},
		{"GET", "/api/v2/users/..%2fme", 400},
		{"GET", "/icon/..%5c..%5cconfig.hcl", 400},
		{"DELETE", "/api/v2/workspaces/x", 405},
		{"POST", "/api/v2/users/me", 405},
	}
	for _, c := range cases {
		conn, err := net.Dial("tcp", d.addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: x\r\nCoder-Session-Token: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", c.method, c.path, token)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		conn.Close()
		if resp.StatusCode != c.want || err != nil || body["message"] == nil {
			t.Errorf("%s %s: %d %v (%v), want %d with a JSON message", c.method, c.path, resp.StatusCode, body, err, c.want)
		}
	}
}

func TestChangedScriptFileIsPickedUpWithoutASignal(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "signin.js")
	version := func(ns string) []byte {
		return []byte("function signin(profile, ctx) {\n  return { userEntityRef: 'user:" + ns + "/' + profile.username };\n}\n")
	}
	if err := os.WriteFile(script, version("default"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(baseConfig("Hello"), filepath.Join(repoRoot, "scripts/signin/username.js"), script, 1)
	d := start(t, writeConfig(t, cfg))
	whois := func() string {
		var body struct {
			Identity struct{ UserEntityRef string } `json:"identity"`
		}
		getJSON(t, d.url("/api/hello/whois/zed"), nil, &body)
		return body.Identity.UserEntityRef
	}
	if got := whois(); got != "user:default/zed" {
		t.Fatalf("whois: %q", got)
	}
	if err := os.WriteFile(script, version("staff"), 0o600); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the edited script to take effect", func() bool { return whois() == "user:staff/zed" })
}
