package e2e

import (
	"fmt"
	"net"
	"os"
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
