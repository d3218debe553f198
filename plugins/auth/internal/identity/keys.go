package identity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/go-jose/go-jose/v4"
)

// Algorithm is the only signing algorithm: ES256 is Backstage's default and
// what its token verifiers expect without extra configuration.
const Algorithm = jose.ES256

// Key is one P-256 key: it signs when it has a private part, and verifies
// (and is published) either way.
type Key struct {
	// ID is the key's kid: the RFC 7638 thumbprint of its public JWK, so
	// every replica loading the same file names it the same way.
	ID string
	// Source says where the key came from (a file name, or "generated").
	Source  string
	public  *ecdsa.PublicKey
	private *ecdsa.PrivateKey
}

// KeySet is an ordered set of keys; the first one signs.
type KeySet struct {
	keys []*Key
}

// ErrNotP256 is wrapped by errors for keys of another type or curve.
var ErrNotP256 = errors.New("not a P-256 (prime256v1) EC key")

// KeyFileError is a problem with one key file.
type KeyFileError struct {
	Index int
	Path  string
	Err   error
}

func (e *KeyFileError) Error() string { return fmt.Sprintf("%s: %v", e.Path, e.Err) }
func (e *KeyFileError) Unwrap() error { return e.Err }

// LoadKeyFiles reads one PEM key per file. A file may hold a PKCS#8
// ("PRIVATE KEY") or SEC 1 ("EC PRIVATE KEY") private key, or, for a
// retired key that only verifies, a PKIX public key ("PUBLIC KEY"). The
// first file must hold a private key: it signs new tokens.
func LoadKeyFiles(paths []string) (*KeySet, error) {
	ks := &KeySet{}
	seen := map[string]int{}
	for i, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, &KeyFileError{Index: i, Path: p, Err: err}
		}
		k, err := parseKey(data)
		if err != nil {
			return nil, &KeyFileError{Index: i, Path: p, Err: err}
		}
		if i == 0 && k.private == nil {
			return nil, &KeyFileError{Index: i, Path: p, Err: errors.New("holds only a public key, but the first key signs tokens and needs its private key")}
		}
		if j, dup := seen[k.ID]; dup {
			return nil, &KeyFileError{Index: i, Path: p, Err: fmt.Errorf("is the same key as entry %d", j)}
		}
		seen[k.ID] = i
		k.Source = p
		ks.keys = append(ks.keys, k)
	}
	if len(ks.keys) == 0 {
		return nil, errors.New("no key files given")
	}
	return ks, nil
}

// GenerateKeySet makes a fresh signing key that lives as long as the
// process: tokens it signed stop verifying after a restart, and replicas do
// not share it.
func GenerateKeySet() (*KeySet, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate a signing key: %w", err)
	}
	k, err := newKey(&priv.PublicKey, priv)
	if err != nil {
		return nil, err
	}
	k.Source = "generated"
	return &KeySet{keys: []*Key{k}}, nil
}

func parseKey(data []byte) (*Key, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("no PEM key found (want -----BEGIN PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----)")
		}
		switch block.Type {
		case "EC PARAMETERS":
			continue // openssl ecparam -genkey writes these before the key
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("PKCS#8 private key: %w", err)
			}
			priv, ok := k.(*ecdsa.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("%w: it is %s", ErrNotP256, describeKey(k))
			}
			return newKey(&priv.PublicKey, priv)
		case "EC PRIVATE KEY":
			priv, err := x509.ParseECPrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrNotP256, err)
			}
			return newKey(&priv.PublicKey, priv)
		case "PUBLIC KEY":
			k, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("public key: %w", err)
			}
			pub, ok := k.(*ecdsa.PublicKey)
			if !ok {
				return nil, fmt.Errorf("%w: it is %s", ErrNotP256, describeKey(k))
			}
			return newKey(pub, nil)
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("the private key is encrypted; store it unencrypted (openssl pkcs8 -topk8 -nocrypt) and protect the file instead")
		default:
			return nil, fmt.Errorf("PEM block %q is not a key this plugin reads (want PRIVATE KEY, EC PRIVATE KEY or PUBLIC KEY)", block.Type)
		}
	}
}

func describeKey(k any) string {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return fmt.Sprintf("an RSA %d-bit key", k.N.BitLen())
	case *rsa.PublicKey:
		return fmt.Sprintf("an RSA %d-bit key", k.N.BitLen())
	case ed25519.PrivateKey, ed25519.PublicKey:
		return "an Ed25519 key"
	default:
		return fmt.Sprintf("a %T", k)
	}
}

func newKey(pub *ecdsa.PublicKey, priv *ecdsa.PrivateKey) (*Key, error) {
	if pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%w: its curve is %s", ErrNotP256, pub.Curve.Params().Name)
	}
	jwk := jose.JSONWebKey{Key: pub}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("key thumbprint: %w", err)
	}
	return &Key{ID: base64.RawURLEncoding.EncodeToString(tp), public: pub, private: priv}, nil
}

// Signer is the key that signs new tokens.
func (ks *KeySet) Signer() *Key { return ks.keys[0] }

// Keys lists every key, the signer first.
func (ks *KeySet) Keys() []*Key { return append([]*Key(nil), ks.keys...) }

// Lookup finds a key by kid.
func (ks *KeySet) Lookup(kid string) (*Key, bool) {
	for _, k := range ks.keys {
		if k.ID == kid {
			return k, true
		}
	}
	return nil, false
}

// JWKS is the public half of every key, as served at
// /.well-known/jwks.json.
func (ks *KeySet) JWKS() jose.JSONWebKeySet {
	var set jose.JSONWebKeySet
	for _, k := range ks.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.public, KeyID: k.ID, Algorithm: string(Algorithm), Use: "sig"})
	}
	return set
}
