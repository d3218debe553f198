package e2e

import (
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The end-to-end tests talk to the embedded demo Coder deployment unless
// these variables name a real one (`make test-real` sets them from the
// deployment test/real/realcoder starts, seeded like the demo). A test that
// is about the demo deployment itself skips against a real one.
const (
	envE2ECoderURL   = "CODERHOST_E2E_CODER_URL"
	envE2ECoderToken = "CODERHOST_E2E_CODER_TOKEN" // the seeded member "demo"
)

// realCoder is the Coder deployment named by the environment, if any.
var realCoder = struct{ url, token string }{
	url:   os.Getenv(envE2ECoderURL),
	token: os.Getenv(envE2ECoderToken),
}

func usingRealCoder() bool { return realCoder.url != "" }

// coderBlock is the configuration's coder block: the demo deployment, or
// the real one.
func coderBlock() string {
	if usingRealCoder() {
		return fmt.Sprintf("coder { access_url = %q }", realCoder.url)
	}
	return "coder { demo = true }"
}

func requireDemoCoder(t *testing.T, why string) {
	t.Helper()
	if usingRealCoder() {
		t.Skipf("about the embedded demo deployment (%s), and %s names a real one", why, envE2ECoderURL)
	}
}

func checkRealCoderEnv() error {
	if realCoder.url != "" && realCoder.token == "" {
		return fmt.Errorf("%s is set but %s is not: the tests act as the seeded member \"demo\" with that session token", envE2ECoderURL, envE2ECoderToken)
	}
	return nil
}

func netListen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

// envE2ECoderAdminToken is the session token of the real deployment's owner
// "admin", for the tests that act as the demo's admin.
const envE2ECoderAdminToken = "CODERHOST_E2E_CODER_ADMIN_TOKEN"

// adminToken is the session token of the seeded owner "admin".
func adminToken(t *testing.T) string {
	t.Helper()
	if !usingRealCoder() {
		return "DemoAdmin1-DemoOnlyNotASecret0002" // public demo credential (examples/catalog/README.md)
	}
	tok := os.Getenv(envE2ECoderAdminToken)
	if tok == "" {
		t.Skipf("acts as the owner \"admin\": set %s for the real deployment", envE2ECoderAdminToken)
	}
	return tok
}

// onRealCoder points a configuration written for the demo deployment (the
// repository's config.hcl) at the real deployment, with the owner's token
// wherever the demo admin's public token stands.
func onRealCoder(t *testing.T, config string) string {
	t.Helper()
	if !usingRealCoder() {
		return config
	}
	out := regexp.MustCompile(`(?m)^(\s*)demo\s*=\s*true\s*$`).ReplaceAllString(config, fmt.Sprintf("${1}access_url = %q", realCoder.url))
	out = strings.ReplaceAll(out, `"DemoAdmin1-DemoOnlyNotASecret0002"`, fmt.Sprintf("%q", adminToken(t)))
	if out == config {
		t.Fatal("the configuration has no demo coder block to point at the real deployment")
	}
	return out
}
