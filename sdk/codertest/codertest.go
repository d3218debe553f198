// Package codertest starts an in-memory Coder deployment (package
// sdk/fakecoder) for a test, the way net/http/httptest starts a server:
//
//	fake := codertest.NewServer(t, fakecoder.WithBuildDelays(0, 0))
//	c, _ := coder.New(fake.URL(), coder.WithSessionToken(fake.Token("demo")))
//
// The deployment holds the demo seed unless fakecoder.WithSeed says
// otherwise; sdk/fakecoder documents what it reproduces of Coder. The
// contract tests in codertest/contract run the same cases against it and,
// when CODER_URL and CODER_SESSION_TOKEN are set, against a real Coder.
package codertest

import (
	"testing"

	"github.com/coderhost/coderhost/sdk/fakecoder"
)

// NewServer starts a deployment on a loopback port and closes it when the
// test ends. It fails the test when the options are invalid (for example a
// bad seed).
func NewServer(t testing.TB, opts ...fakecoder.Option) *fakecoder.Server {
	t.Helper()
	s, err := fakecoder.Start("127.0.0.1:0", opts...)
	if err != nil {
		t.Fatalf("codertest: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
