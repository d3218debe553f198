package kubernetes

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coderhost/coderhost/deploy/internal/imagetest"
)

func TestMain(m *testing.M) { os.Exit(imagetest.Main(m)) }

// The demo deployment's public tokens and OAuth2 app
// (sdk/fakecoder/demo.yaml).
const (
	demoUserToken    = "DemoUser01-DemoOnlyNotASecret0001"
	demoAdminToken   = "DemoAdmin1-DemoOnlyNotASecret0002"
	demoClientID     = "bac57a9e-0000-4000-8000-00000000c0de"
	demoClientSecret = "coder_demoprefix_backstagedemoclientsecretnotsecret000001"
)

// fakeCoder starts the image's own demo Coder deployment
// (`coderhost demo-coder`) on a loopback port, standing for the Coder the
// pods reach at CODER_ACCESS_URL.
func fakeCoder(t *testing.T) string {
	t.Helper()
	addr := imagetest.FreeAddr(t)
	cmd := exec.Command(filepath.Join(imagetest.Layout(t), "bin", "coderhost"), "demo-coder", "-listen", addr)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	s := bufio.NewScanner(out)
	for s.Scan() {
		if strings.HasPrefix(s.Text(), "demo coder listening on ") {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return strings.TrimPrefix(s.Text(), "demo coder listening on ")
		}
	}
	t.Fatal("coderhost demo-coder printed no address")
	return ""
}

// operatorSecrets is what an operator puts in the Secrets the manifests
// reference (see deploy/kubernetes/README.md); keys the manifests reference
// and this lacks fail the test, so a new secret gets documented here too.
func operatorSecrets(t *testing.T) map[string]map[string]string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]map[string]string{
		"coderhost": {
			"backstage-catalog-token":   "a-static-token-backstage-accepts",
			"coder-templates-token":     demoAdminToken,
			"coder-oauth-client-secret": demoClientSecret,
		},
		"coderhost-auth-signing-key": {
			"signing-key.pem": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		},
	}
}

// The pod the rendered manifests describe starts and serves: its volumes
// and environment come from the rendered objects, its command from the
// image and the container spec, it runs as the pod's user on a read-only
// root, and the Coder deployment it reaches is the one CODER_ACCESS_URL
// names.
func TestPodRunsFromRenderedManifests(t *testing.T) {
	imagetest.RequireSandbox(t)
	img, err := imagetest.ReadDockerfile()
	if err != nil {
		t.Fatal(err)
	}
	coderURL := fakeCoder(t)
	for _, dir := range kustomizations {
		t.Run(dir, func(t *testing.T) {
			r := render(t, dir)
			c := r.container(t)
			pod := r.deploy.Spec.Template.Spec
			secrets := operatorSecrets(t)

			// The kubelet gives volume files the pod's fsGroup and adds it
			// to the container's groups.
			fsGroup := 0
			var groups []int
			if sc := pod.SecurityContext; sc != nil && sc.FSGroup != nil {
				fsGroup = int(*sc.FSGroup)
				groups = append(groups, fsGroup)
			}
			root := imagetest.NewRoot(t)
			for p, f := range r.podFiles(t, secrets) {
				root.WriteFileGroup(t, p, f.data, f.mode, fsGroup)
			}
			env := r.env(t, secrets)
			if _, ok := env["CODER_ACCESS_URL"]; !ok {
				t.Fatal("the container has no CODER_ACCESS_URL")
			}
			// The cluster's Coder and its OAuth2 app: here the demo
			// deployment on loopback.
			env["CODER_ACCESS_URL"] = coderURL
			env["CODER_OAUTH_CLIENT_ID"] = demoClientID
			containerEnv := slices.Clone(img.Env)
			for k, v := range env {
				containerEnv = append(containerEnv, k+"="+v)
			}

			// A container's command is its image's ENTRYPOINT unless
			// command is set, followed by args (or the image's CMD).
			argv := slices.Clone(img.Entrypoint)
			if len(c.Command) > 0 {
				argv = slices.Clone(c.Command)
			}
			if len(c.Args) > 0 {
				argv = append(argv, c.Args...)
			} else {
				argv = append(argv, img.Cmd...)
			}
			// The pod's port, on a free loopback port instead.
			addr := imagetest.FreeAddr(t)
			argv = append(argv, "-listen", addr)

			uid, gid := int64(imagetest.NonRoot), int64(imagetest.NonRoot)
			if sc := pod.SecurityContext; sc != nil {
				if sc.RunAsUser != nil {
					uid = *sc.RunAsUser
				}
				if sc.RunAsGroup != nil {
					gid = *sc.RunAsGroup
				}
			}
			if sc := c.SecurityContext; sc != nil && sc.RunAsUser != nil {
				uid = *sc.RunAsUser
			}
			readOnly := c.SecurityContext != nil && c.SecurityContext.ReadOnlyRootFilesystem != nil && *c.SecurityContext.ReadOnlyRootFilesystem
			ctr := root.Run(t, imagetest.RunOptions{Argv: argv, Env: containerEnv, UID: int(uid), GID: int(gid), Groups: groups, Writable: !readOnly})

			base := "http://" + addr
			ctr.WaitHTTP(base+c.ReadinessProbe.HTTPGet.Path, 200, 60*time.Second)
			ctr.WaitHTTP(base+c.LivenessProbe.HTTPGet.Path, 200, 5*time.Second)

			var plugins []struct{ ID, State string }
			getJSON(t, base+"/api/plugins", nil, &plugins)
			for _, id := range imagetest.FirstPartyPlugins(t) {
				if !slices.ContainsFunc(plugins, func(p struct{ ID, State string }) bool { return p.ID == id && p.State == "running" }) {
					t.Errorf("plugin %q is not running: %+v", id, plugins)
				}
			}
			// The auth plugin signs with the Secret's key: its JWKS
			// publishes that key, whichever replica answers.
			if slices.Contains(imagetest.FirstPartyPlugins(t), "auth") {
				var set struct{ Keys []struct{ X, Y string } }
				getJSON(t, base+"/api/auth/.well-known/jwks.json", nil, &set)
				want := publicXY(t, secrets["coderhost-auth-signing-key"]["signing-key.pem"])
				if len(set.Keys) != 1 || set.Keys[0].X+"."+set.Keys[0].Y != want {
					t.Errorf("JWKS %+v does not publish the Secret's key", set)
				}
			}
			// Pass-through to the Coder the settings name.
			var me struct{ Username string }
			if code := getJSON(t, base+"/api/v2/users/me", http.Header{"Coder-Session-Token": {demoUserToken}}, &me); code != 200 || me.Username != "demo" {
				t.Errorf("users/me through the pod: %d %+v", code, me)
			}
			// The Secret's templates token reaches the catalog plugin.
			if slices.Contains(imagetest.FirstPartyPlugins(t), "catalog") {
				var templates struct{ Items []json.RawMessage }
				if code := getJSON(t, base+"/api/catalog/v1/templates/entities", nil, &templates); code != 200 || len(templates.Items) == 0 {
					t.Errorf("templates listed with the Secret's token: %d, %d items", code, len(templates.Items))
				}
			}

			// SIGTERM (after preStop) drains and exits well within the grace
			// period.
			grace := time.Duration(*pod.TerminationGracePeriodSeconds) * time.Second
			if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
				grace -= time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
			}
			start := time.Now()
			if err := ctr.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if err := ctr.Wait(grace); err != nil {
				t.Fatalf("exit after SIGTERM: %v", err)
			}
			t.Logf("stopped %s after SIGTERM", time.Since(start).Round(time.Millisecond))
			assertJSONLogs(t, ctr.Stderr())
		})
	}
}

// publicXY is a PEM P-256 key's public point as JWK x.y.
func publicXY(t *testing.T, pemKey string) string {
	t.Helper()
	block, _ := pem.Decode([]byte(pemKey))
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pub := k.(*ecdsa.PrivateKey).PublicKey
	b, err := pub.Bytes() // 0x04 || X || Y
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString(b[1:33]) + "." + enc.EncodeToString(b[33:])
}

var tokenLike = regexp.MustCompile(`DemoUser01-DemoOnlyNotASecret0001|DemoAdmin1-DemoOnlyNotASecret0002|a-static-token-backstage-accepts|` + demoClientSecret + `|PRIVATE KEY`)

// The config asks for JSON logs (what a cluster's log pipeline parses), and
// no secret from the Secret shows up in them.
func assertJSONLogs(t *testing.T, stderr string) {
	t.Helper()
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if line == "" || strings.HasPrefix(line, "coderhost: ") { // the signal notice, printed before the logger
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		n++
	}
	if n == 0 {
		t.Error("no log lines")
	}
	if m := tokenLike.FindString(stderr); m != "" {
		t.Errorf("a secret value appears in the logs: %s", m)
	}
}

func getJSON(t *testing.T, url string, h http.Header, v any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %d %s: %v", url, resp.StatusCode, b, err)
	}
	return resp.StatusCode
}
