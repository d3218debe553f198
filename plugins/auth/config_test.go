package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/sdk"
	"github.com/coderhost/coderhost/sdk/plugintest"
)

func TestResolversKeepConfigOrder(t *testing.T) {
	var cfg config
	raw := `{"sign_in":{"resolver":{"usernameMatchingUserEntityName":{},"script":{"hook":"signin"},"emailLocalPartMatchingUserEntityName":{"allowed_domains":["a.example"]}}}}`
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range cfg.SignIn.Resolvers {
		names = append(names, r.name)
	}
	if got := strings.Join(names, ","); got != "usernameMatchingUserEntityName,script,emailLocalPartMatchingUserEntityName" {
		t.Errorf("order = %s", got)
	}
	if cfg.SignIn.Resolvers[1].Hook != "signin" || cfg.SignIn.Resolvers[2].AllowedDomains[0] != "a.example" {
		t.Errorf("options lost: %+v", cfg.SignIn.Resolvers)
	}
}

func TestConfigurationErrors(t *testing.T) {
	dir := t.TempDir()
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsaDER, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	rsaFile := filepath.Join(dir, "rsa.pem")
	_ = os.WriteFile(rsaFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: rsaDER}), 0o600)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(p384)
	p384File := filepath.Join(dir, "p384.pem")
	_ = os.WriteFile(p384File, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)

	demo := sdk.HostInfo{ExternalURL: "http://localhost:7007/api/proxy/coder", CoderURL: "http://127.0.0.1:4567",
		BackstageAppURL: "http://localhost:3000", MountPath: "/api/auth/"}
	real := demo
	real.CoderURL = "https://coder.example.com"
	signIn := &signInConfig{Resolvers: resolverList{{name: "usernameMatchingUserEntityName"}}}

	tests := []struct {
		name string
		cfg  config
		info sdk.HostInfo
		want string
	}{
		{"empty client id", config{ClientSecret: "s"}, real,
			`client_id is empty: set CODER_OAUTH_CLIENT_ID to the client ID of your Coder OAuth2 app (client_id = env("CODER_OAUTH_CLIENT_ID"))`},
		{"empty client secret", config{ClientID: "c"}, real,
			`client_secret is empty: set CODER_OAUTH_CLIENT_SECRET`},
		{"demo app against a real Coder", config{ClientID: demoClientID, ClientSecret: "s"}, real,
			"client_id is the embedded demo deployment's OAuth2 app, but Coder is at https://coder.example.com: create an OAuth2 app in Coder (Deployment settings, OAuth2 applications) and set CODER_OAUTH_CLIENT_ID and CODER_OAUTH_CLIENT_SECRET"},
		{"sign-in without a key", config{ClientID: "c", ClientSecret: "s", SignIn: signIn}, real,
			`signing_key_files is empty, but sign_in needs a key to sign Backstage identity tokens: set CODERHOST_AUTH_SIGNING_KEY_FILE`},
		{"empty env default leaves no key", config{ClientID: "c", ClientSecret: "s", SignIn: signIn, SigningKeyFiles: []string{""}}, real,
			`signing_key_files is empty`},
		{"RSA key", config{ClientID: "c", ClientSecret: "s", SigningKeyFiles: []string{rsaFile}}, real,
			`signing_key_files[0] ` + rsaFile + `: not a P-256 (prime256v1) EC key: it is an RSA 2048-bit key; make one with: openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out key.pem (set CODERHOST_AUTH_SIGNING_KEY_FILE to a P-256 PEM key file)`},
		{"P-384 key second", config{ClientID: "c", ClientSecret: "s", SigningKeyFiles: []string{writeKey(t), p384File}}, real,
			`signing_key_files[1] ` + p384File + `: not a P-256 (prime256v1) EC key: its curve is P-384`},
		{"missing key file", config{ClientID: "c", ClientSecret: "s", SigningKeyFiles: []string{filepath.Join(dir, "nope.pem")}}, real,
			`signing_key_files[0] ` + filepath.Join(dir, "nope.pem") + `: open`},
		{"unknown resolver", config{ClientID: "c", ClientSecret: "s", SigningKeyFiles: []string{writeKey(t)},
			SignIn: &signInConfig{Resolvers: resolverList{{name: "githubLogin"}}}}, real,
			`sign_in: resolver "githubLogin" is not available; use one of usernameMatchingUserEntityName, emailMatchingUserEntityProfileEmail, emailLocalPartMatchingUserEntityName, script`},
		{"no app URL", config{ClientID: "c", ClientSecret: "s"}, sdk.HostInfo{CoderURL: "https://c.example", ExternalURL: "http://h"},
			"backstage.app_url is not set"},
		{"bad callback", config{ClientID: "c", ClientSecret: "s", CallbackURL: "/relative"}, real,
			`callback_url: "/relative" is not an absolute http(s) URL`},
		{"bad duration", config{ClientID: "c", ClientSecret: "s", SessionDuration: "forever"}, real,
			`session_duration: "forever" is not a positive duration`},
		{"bad origin glob", config{ClientID: "c", ClientSecret: "s", AllowedOrigins: []string{"https://[a-"}}, real,
			`allowed_origins: origin pattern "https://[a-"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newHandler(tt.cfg, tt.info, &plugintest.Host{})
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error = %v\nwant prefix %s", err, tt.want)
			}
		})
	}

	// The demo deployment may sign in without key files: a key is made.
	h, err := newHandler(config{ClientID: demoClientID, ClientSecret: "s", SignIn: signIn}, demo, &plugintest.Host{})
	if err != nil || h == nil {
		t.Fatalf("demo without keys: %v", err)
	}
}
