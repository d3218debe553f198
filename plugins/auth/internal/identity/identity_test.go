package identity

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func newP256(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pkcs8File(t *testing.T, dir, name string, k any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return writePEM(t, dir, name, "PRIVATE KEY", der)
}

// publishedKeys round-trips the issuer's JWKS through JSON, as a verifier
// fetching /.well-known/jwks.json sees it.
func publishedKeys(t *testing.T, ks *KeySet) *jose.JSONWebKeySet {
	t.Helper()
	b, err := json.Marshal(ks.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Keys []map[string]any `json:"keys"`
	}
	_ = json.Unmarshal(b, &raw)
	for _, k := range raw.Keys {
		if k["kty"] != "EC" || k["crv"] != "P-256" || k["alg"] != "ES256" || k["use"] != "sig" || k["d"] != nil {
			t.Errorf("published key %v", k)
		}
	}
	return &set
}

func TestIssuedTokenVerifiesAgainstPublishedJWKS(t *testing.T) {
	dir := t.TempDir()
	ks, err := LoadKeyFiles([]string{pkcs8File(t, dir, "k.pem", newP256(t))})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_760_000_000, 0)
	for _, includeEnt := range []bool{false, true} {
		t.Run(fmt.Sprintf("ent=%v", includeEnt), func(t *testing.T) {
			iss := NewIssuer(IssuerOptions{Keys: ks, Issuer: "http://localhost:7007/api/auth", IncludeOwnership: includeEnt, Now: func() time.Time { return now }})
			ent := []string{"user:default/jdoe", "group:default/team-a"}
			token, exp, err := iss.Issue("user:default/jdoe", ent)
			if err != nil {
				t.Fatal(err)
			}
			if !exp.Equal(now.Add(time.Hour)) {
				t.Errorf("exp = %v", exp)
			}
			parsed, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
			if err != nil {
				t.Fatal(err)
			}
			h := parsed.Headers[0]
			if h.Algorithm != "ES256" || h.KeyID != ks.Signer().ID || h.ExtraHeaders["typ"] != "vnd.backstage.user" {
				t.Errorf("header = %+v", h)
			}
			keys := publishedKeys(t, ks).Key(h.KeyID)
			if len(keys) != 1 {
				t.Fatalf("kid %q not in the JWKS", h.KeyID)
			}
			var claims map[string]any
			if err := parsed.Claims(keys[0].Key, &claims); err != nil {
				t.Fatalf("signature does not verify against the JWKS: %v", err)
			}
			want := map[string]any{
				"iss": "http://localhost:7007/api/auth", "sub": "user:default/jdoe", "aud": "backstage",
				"iat": float64(now.Unix()), "exp": float64(now.Unix() + 3600),
			}
			for k, v := range want {
				if claims[k] != v {
					t.Errorf("claim %s = %v, want %v", k, claims[k], v)
				}
			}
			if _, has := claims["uip"].(string); !has {
				t.Error("no uip claim")
			}
			if gotEnt, has := claims["ent"]; has != includeEnt {
				t.Errorf("ent present = %v (%v), want %v", has, gotEnt, includeEnt)
			}
			info, ok := iss.UserInfo("user:default/jdoe")
			if !ok || len(info.Ent) != 2 || info.Exp != now.Unix()+3600 {
				t.Errorf("userinfo = %+v, %v", info, ok)
			}
		})
	}
}

// TestUserIdentityProofIsByteExact rebuilds the limited user token the way
// the spec describes Backstage's backends doing it, written here
// independently of the issuer: base64url of the header
// {"typ":"vnd.backstage.limited-user","alg":"ES256","kid":...}, ".",
// base64url of the payload {"sub":...,"iat":...,"exp":...} (that key
// order, no whitespace, JSON.stringify escaping), ".", and the uip claim.
// The uip must be a valid ES256 signature of exactly those bytes.
func TestUserIdentityProofIsByteExact(t *testing.T) {
	ks, err := GenerateKeySet()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_760_000_000, 0)
	iss := NewIssuer(IssuerOptions{Keys: ks, Issuer: "https://backstage.example.com/api/auth", Now: func() time.Time { return now }})
	for _, sub := range []string{"user:default/jdoe", "user:default/jane@example.com", "user:ops/<é&€>", `user:default/o"brien\x`} {
		t.Run(sub, func(t *testing.T) {
			token, _, err := iss.Issue(sub, nil)
			if err != nil {
				t.Fatal(err)
			}
			parts := strings.Split(token, ".")
			payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
			var claims struct {
				Sub      string `json:"sub"`
				Iat, Exp int64
				Uip      string `json:"uip"`
			}
			if err := json.Unmarshal(payload, &claims); err != nil {
				t.Fatal(err)
			}
			kid := ks.Signer().ID

			jsonString := func(s string) string {
				var buf bytes.Buffer
				enc := json.NewEncoder(&buf)
				enc.SetEscapeHTML(false) // JSON.stringify does not escape < > &
				_ = enc.Encode(s)
				return strings.TrimSpace(buf.String())
			}
			header := fmt.Sprintf(`{"typ":"vnd.backstage.limited-user","alg":"ES256","kid":%s}`, jsonString(kid))
			body := fmt.Sprintf(`{"sub":%s,"iat":%d,"exp":%d}`, jsonString(sub), now.Unix(), now.Unix()+3600)
			signingInput := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(body))

			sig, err := base64.RawURLEncoding.DecodeString(claims.Uip)
			if err != nil || len(sig) != 64 {
				t.Fatalf("uip is not a 64-byte base64url ES256 signature: %q", claims.Uip)
			}
			jwk := publishedKeys(t, ks).Key(kid)[0]
			pub := jwk.Key.(*ecdsa.PublicKey)
			sum := sha256.Sum256([]byte(signingInput))
			if !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
				t.Fatalf("uip does not sign the limited user token\n%s\n%s", header, body)
			}

			// The rebuilt limited token is accepted where limited tokens are.
			v, err := iss.Verify(signingInput + "." + claims.Uip)
			if err != nil || v.Type != LimitedUserTokenType || v.Sub != sub {
				t.Errorf("limited token: %+v, %v", v, err)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	ks, _ := GenerateKeySet()
	other, _ := GenerateKeySet()
	now := time.Unix(1_760_000_000, 0)
	clock := now
	iss := NewIssuer(IssuerOptions{Keys: ks, Issuer: "x", Now: func() time.Time { return clock }})
	good, _, err := iss.Issue("user:default/jdoe", nil)
	if err != nil {
		t.Fatal(err)
	}
	foreign, _, _ := NewIssuer(IssuerOptions{Keys: other, Issuer: "x", Now: func() time.Time { return now }}).Issue("user:default/jdoe", nil)
	parts := strings.Split(good, ".")
	tamperedPayload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tamperedPayload = bytes.Replace(tamperedPayload, []byte("jdoe"), []byte("root"), 1)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(tamperedPayload) + "." + parts[2]

	// A token of another type signed by the right key.
	signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: ks.Signer().private, KeyID: ks.Signer().ID}},
		(&jose.SignerOptions{}).WithType("vnd.backstage.plugin"))
	plugin, _ := jwt.Signed(signer).Claims(map[string]any{"sub": "plugin:catalog", "iat": now.Unix(), "exp": now.Unix() + 60}).Serialize()

	for name, token := range map[string]string{
		"foreign key": foreign, "tampered": tampered, "plugin token": plugin, "garbage": "a.b.c", "empty": "",
	} {
		if _, err := iss.Verify(token); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: Verify error = %v", name, err)
		}
	}
	if _, err := iss.Verify(good); err != nil {
		t.Fatalf("good token: %v", err)
	}
	clock = now.Add(time.Hour)
	if _, err := iss.Verify(good); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("expired token accepted: %v", err)
	}
}

func TestIssueRejectsBadSubjectAndHugeTokens(t *testing.T) {
	ks, _ := GenerateKeySet()
	iss := NewIssuer(IssuerOptions{Keys: ks, Issuer: "x", IncludeOwnership: true})
	for _, sub := range []string{"", "jdoe", ":default/jdoe", "user:default/", "user:/jdoe"} {
		if _, _, err := iss.Issue(sub, nil); err == nil {
			t.Errorf("Issue(%q) succeeded", sub)
		}
	}
	var ent []string
	for i := range 1000 {
		ent = append(ent, fmt.Sprintf("group:default/some-rather-long-team-name-%04d", i))
	}
	if _, _, err := iss.Issue("user:default/jdoe", ent); err == nil || !strings.Contains(err.Error(), "over the limit of 32768") {
		t.Errorf("huge token: %v", err)
	}
}

func TestClampLifetime(t *testing.T) {
	tests := []struct {
		in, want time.Duration
		clamped  bool
	}{
		{0, time.Hour, false},
		{time.Minute, 10 * time.Minute, true},
		{30 * time.Minute, 30 * time.Minute, false},
		{48 * time.Hour, 24 * time.Hour, true},
	}
	for _, tt := range tests {
		got, clamped := ClampLifetime(tt.in)
		if got != tt.want || clamped != tt.clamped {
			t.Errorf("ClampLifetime(%v) = %v, %v; want %v, %v", tt.in, got, clamped, tt.want, tt.clamped)
		}
	}
}

func TestLoadKeyFiles(t *testing.T) {
	dir := t.TempDir()
	p256 := newP256(t)
	sec1, _ := x509.MarshalECPrivateKey(p256)
	sec1File := filepath.Join(dir, "sec1.pem")
	// openssl ecparam -genkey writes the curve parameters first.
	_ = os.WriteFile(sec1File, append(pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})...), 0o600)
	pubDER, _ := x509.MarshalPKIXPublicKey(&newP256(t).PublicKey)
	pubFile := writePEM(t, dir, "old.pub.pem", "PUBLIC KEY", pubDER)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384SEC1, _ := x509.MarshalECPrivateKey(p384)

	ks, err := LoadKeyFiles([]string{sec1File, pubFile})
	if err != nil {
		t.Fatal(err)
	}
	if len(ks.Keys()) != 2 || ks.Signer().private == nil || len(ks.JWKS().Keys) != 2 {
		t.Errorf("loaded %d keys", len(ks.Keys()))
	}

	tests := []struct {
		name  string
		files []string
		want  string
	}{
		{"rsa", []string{pkcs8File(t, dir, "rsa.pem", rsaKey)}, "not a P-256 (prime256v1) EC key: it is an RSA 2048-bit key"},
		{"p384 pkcs8", []string{pkcs8File(t, dir, "p384.pem", p384)}, "not a P-256 (prime256v1) EC key: its curve is P-384"},
		{"p384 sec1", []string{writePEM(t, dir, "p384.sec1.pem", "EC PRIVATE KEY", p384SEC1)}, "its curve is P-384"},
		{"public key first", []string{pubFile}, "the first key signs tokens and needs its private key"},
		{"encrypted", []string{writePEM(t, dir, "enc.pem", "ENCRYPTED PRIVATE KEY", []byte{1})}, "encrypted"},
		{"not pem", []string{writePEM(t, dir, "junk.pem", "CERTIFICATE", []byte{1})}, `PEM block "CERTIFICATE"`},
		{"empty file", []string{filepath.Join(dir, "sec1.pem") + ".missing"}, "no such file"},
		{"duplicate", []string{sec1File, sec1File}, "the same key as entry 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadKeyFiles(tt.files)
			var kfe *KeyFileError
			if !errors.As(err, &kfe) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want a KeyFileError containing %q", err, tt.want)
			}
		})
	}
}

func TestRotatedKeyStillVerifies(t *testing.T) {
	dir := t.TempDir()
	oldKey, newKey := newP256(t), newP256(t)
	oldFile, newFile := pkcs8File(t, dir, "old.pem", oldKey), pkcs8File(t, dir, "new.pem", newKey)
	before, _ := LoadKeyFiles([]string{oldFile})
	token, _, err := NewIssuer(IssuerOptions{Keys: before, Issuer: "x"}).Issue("user:default/jdoe", nil)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := LoadKeyFiles([]string{newFile, oldFile})
	iss := NewIssuer(IssuerOptions{Keys: after, Issuer: "x"})
	if _, err := iss.Verify(token); err != nil {
		t.Errorf("a token signed before the rotation no longer verifies: %v", err)
	}
	fresh, _, _ := iss.Issue("user:default/jdoe", nil)
	h, _ := jwt.ParseSigned(fresh, []jose.SignatureAlgorithm{jose.ES256})
	if h.Headers[0].KeyID != after.Signer().ID || after.Signer().ID == before.Signer().ID {
		t.Error("new tokens are not signed by the new first key")
	}
}
