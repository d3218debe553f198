package e2e

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderhost/coderhost/internal/slowclient"
)

// hardenedConfig is baseConfig with the probe plugin and, when short is
// set, short timeouts: 300ms to send a request, 1s for the probe to answer.
func hardenedConfig(short bool) string {
	if !short {
		return baseConfig("Hello") + fmt.Sprintf("plugin \"probe\" {\n  path = %q\n}\n", filepath.Join(pluginDir, "probe"))
	}
	return `read_timeout = "300ms"` + "\n" + baseConfig("Hello") + fmt.Sprintf(`
plugin "probe" {
  path    = %q
  timeout = "1s"
}
`, filepath.Join(pluginDir, "probe"))
}

// slowRequest sends method path with a declared body of size bytes, then
// one body byte per interval until the host answers or the body is sent.
// It returns the answer and how many body bytes were sent before it.
func slowRequest(t *testing.T, addr, method, path string, size int, interval time.Duration) (*http.Response, []byte, int) {
	t.Helper()
	resp, body, sent, err := slowclient.Send(addr, method, path, []string{"Content-Type: text/plain"}, size, interval)
	if err != nil {
		// Errorf, not Fatalf: callers run this from several goroutines.
		t.Errorf("%s %s: %v", method, path, err)
	}
	return resp, body, sent
}

func TestSlowClientsAndPluginsAreCutOff(t *testing.T) {
	d := start(t, writeConfig(t, hardenedConfig(true)))
	cases := []struct {
		name, method, path string
		want               int
		early              bool // answered before the body is needed
	}{
		{"pass-through GET whose body trickles", "GET", "/api/v2/users/me", 408, false},
		{"plugin route whose body trickles", "POST", "/api/probe/sum", 408, false},
		{"plugin route that answers without the body", "GET", "/api/hello/greet?name=Ada", 200, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body, sent := slowRequest(t, d.addr, c.method, c.path, 100, 50*time.Millisecond)
			if resp == nil {
				return
			}
			if resp.StatusCode != c.want {
				t.Fatalf("got %d %s, want %d", resp.StatusCode, body, c.want)
			}
			if sent >= 100 {
				t.Fatal("the answer waited for the whole body")
			}
			if c.want == 408 && (!resp.Close || !strings.Contains(string(body), "read_timeout")) {
				t.Fatalf("408 without closing the connection or naming read_timeout: %v %s", resp.Close, body)
			}
		})
	}
	t.Run("fifty trickling connections are all answered", func(t *testing.T) {
		var wg sync.WaitGroup
		codes := make([]int, 50)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if resp, _, _ := slowRequest(t, d.addr, "POST", "/api/probe/sum", 100, 50*time.Millisecond); resp != nil {
					codes[i] = resp.StatusCode
				}
			}()
		}
		wg.Wait()
		for i, code := range codes {
			if code != 408 {
				t.Errorf("connection %d: %d, want 408", i, code)
			}
		}
	})
	t.Run("a plugin that does not answer", func(t *testing.T) {
		var e map[string]string
		if code := getJSON(t, d.url("/api/probe/sleep?ms=5000"), nil, &e); code != 504 || !strings.Contains(e["message"], `"probe"`) || !strings.Contains(e["detail"], "timeout") {
			t.Fatalf("got %d %v, want a 504 naming the plugin and the setting", code, e)
		}
	})
}

// logLine waits for the access log line of path.
func (d *daemon) logLine(path string) string {
	d.t.Helper()
	var line string
	eventually(d.t, "the access log line of "+path, func() bool {
		for _, l := range strings.Split(d.logs(), "\n") {
			if strings.Contains(l, "msg=request") && strings.Contains(l, "path="+path+" ") {
				line = l
				return true
			}
		}
		return false
	})
	return line
}

func TestAccessLogTellsTheTruth(t *testing.T) {
	d := start(t, writeConfig(t, hardenedConfig(true)))
	t.Run("client gone", func(t *testing.T) {
		c, err := net.Dial("tcp", d.addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "GET /api/probe/sleep?ms=250 HTTP/1.1\r\nHost: x\r\n\r\n")
		time.Sleep(100 * time.Millisecond) // inside the plugin now
		c.Close()
		line := d.logLine("/api/probe/sleep")
		if !strings.Contains(line, " status=0 ") || !strings.Contains(line, `incomplete="client gone"`) {
			t.Fatalf("a request that got no response is logged as:\n%s", line)
		}
	})
	t.Run("a token in X-Request-Id", func(t *testing.T) {
		jwt := "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyOmRlZmF1bHQvamRvZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
		req, _ := http.NewRequest("GET", d.url("/api/hello/greet?name=Id"), nil)
		req.Header.Set("X-Request-Id", jwt)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("X-Request-Id"); got == jwt || got == "" {
			t.Fatalf("X-Request-Id %q", got)
		}
		d.logLine("/api/hello/greet")
		if strings.Contains(d.logs(), "c2lnbmF0dXJl") {
			t.Fatal("the token reached the log")
		}
	})
}

// runFails runs coderhost with args and returns its output, which must end
// in a non-zero exit.
func runFails(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(coderhost, args...)
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("coderhost %v started and kept running:\n%s", args, out)
	}
	if err == nil {
		t.Fatalf("coderhost %v succeeded:\n%s", args, out)
	}
	return string(out)
}

func TestConfigProblemsStopEverythingAndPointAtTheirCause(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	base := hardenedConfig(true)
	cases := []struct {
		name string
		cfg  string
		want string // a FILE:LINE,COL-led pattern
	}{
		{"unset env() in a plugin's config block",
			strings.Replace(base, `config { greeting = "Hello" }`, `config { greeting = env("CODERHOST_TEST_UNSET") }`, 1),
			`config\.hcl:\d+,\d+: Environment variable not set; env\("CODERHOST_TEST_UNSET"\)`},
		{"missing plugin binary",
			strings.Replace(base, filepath.Join(pluginDir, "probe"), filepath.Join(pluginDir, "no-such-probe"), 1),
			`config\.hcl:\d+,\d+: Plugin binary not found; `},
		{"checksum mismatch",
			strings.Replace(base, `  timeout = "1s"`, `  timeout = "1s"`+"\n  sha256 = \""+strings.Repeat("ab", 32)+`"`, 1),
			`config\.hcl:\d+,\d+: Plugin checksum mismatch; `},
		{"listen address in use",
			fmt.Sprintf("listen = %q\n", taken.Addr().String()) + base,
			`config\.hcl:1,10: Listen address unavailable; listen = "` + regexp.QuoteMeta(taken.Addr().String()) + `"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := runFails(t, "run", "-config", writeConfig(t, c.cfg))
			if !regexp.MustCompile(c.want).MatchString(out) {
				t.Errorf("output does not match %s:\n%s", c.want, out)
			}
			if strings.Contains(out, "plugin started") {
				t.Errorf("a plugin started before the problem was reported:\n%s", out)
			}
		})
	}
	t.Run("validate -no-plugins sees an unset env() in a plugin block", func(t *testing.T) {
		out := runFails(t, "validate", "-no-plugins", writeConfig(t, cases[0].cfg))
		if !regexp.MustCompile(cases[0].want).MatchString(out) {
			t.Errorf("output:\n%s", out)
		}
	})
	t.Run("validate warns about a listen address in use", func(t *testing.T) {
		out, err := exec.Command(coderhost, "validate", writeConfig(t, cases[3].cfg)).CombinedOutput()
		if err != nil {
			t.Fatalf("validate: %v\n%s", err, out)
		}
		if !regexp.MustCompile(`config\.hcl:1,10: warning: Listen address unavailable; listen = "` + regexp.QuoteMeta(taken.Addr().String())).Match(out) {
			t.Errorf("no warning naming the address:\n%s", out)
		}
	})
}

func TestPluginRoutesAreCanonical(t *testing.T) {
	d := start(t, writeConfig(t, hardenedConfig(true)))
	for _, path := range []string{"/api/hello/../plugins", "/api/hello/%2e%2e/plugins", "/api/hello/greet/..%2f..%2fplugins", "/api/hello//greet"} {
		conn, err := net.Dial("tcp", d.addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&body)
		conn.Close()
		if resp.StatusCode != 400 || resp.Header.Get("Location") != "" || body["message"] == "" {
			t.Errorf("%s: %d Location %q %v, want a JSON 400", path, resp.StatusCode, resp.Header.Get("Location"), body)
		}
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for to, want := range map[string]string{"/plugins": "/api/probe/plugins", "../../x": "/api/probe/x", "y/z": "/api/probe/y/z"} {
		reqURL := d.url("/api/probe/redirect?to=" + url.QueryEscape(to))
		resp, err := client.Get(reqURL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		base, _ := url.Parse(reqURL)
		loc, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != 302 || err != nil {
			t.Fatalf("redirect to %q: %d %q", to, resp.StatusCode, resp.Header.Get("Location"))
		}
		if got := base.ResolveReference(loc).Path; got != want {
			t.Errorf("a plugin redirect to %q leads to %s, want %s", to, got, want)
		}
	}
}

// peakRSS is a process's peak resident set size in bytes (Linux).
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no VmHWM for pid %d", pid)
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10
}

// Twenty concurrent 10 MB POSTs: to a GET-only route, which answers 405 at
// once, and to a route that hashes the body as it streams. Neither the host
// nor the plugins hold the bodies.
func TestLargeBodiesDoNotPileUpInMemory(t *testing.T) {
	d := start(t, writeConfig(t, hardenedConfig(false)))
	hostPID := d.cmd.Process.Pid
	payload := bytes.Repeat([]byte("coderhost"), 10<<20/9)
	sum := fmt.Sprintf("%d %x", len(payload), sha256.Sum256(payload))
	for _, c := range []struct{ path, want string }{
		{"/api/hello/greet", "405"},
		{"/api/probe/sum", "200 " + sum},
	} {
		var wg sync.WaitGroup
		got := make([]string, 20)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := http.Post(d.url(c.path), "application/octet-stream", bytes.NewReader(payload))
				if err != nil {
					got[i] = err.Error()
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				got[i] = strconv.Itoa(resp.StatusCode)
				if resp.StatusCode == 200 {
					got[i] += " " + string(b)
				}
			}()
		}
		wg.Wait()
		t.Logf("peak RSS after 20 POSTs to %s: host %d MiB, hello %d MiB, probe %d MiB", c.path,
			peakRSS(t, hostPID)>>20, peakRSS(t, d.plugin("hello").PID)>>20, peakRSS(t, d.plugin("probe").PID)>>20)
		for i, g := range got {
			if g != c.want {
				t.Errorf("POST %s #%d: %s, want %s", c.path, i, g, c.want)
			}
		}
	}
	const bound = 200 << 20 // 20 bodies are 200 MiB; buffering them took over 500
	for name, pid := range map[string]int{"host": hostPID, "hello": d.plugin("hello").PID, "probe": d.plugin("probe").PID} {
		if rss := peakRSS(t, pid); rss > bound {
			t.Errorf("%s peaked at %d MiB of resident memory", name, rss>>20)
		}
	}
}
