package identity

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/hashicorp/golang-lru/v2/expirable"
)

// Token types (the JWS header typ) Backstage tells apart.
const (
	UserTokenType        = "vnd.backstage.user"
	LimitedUserTokenType = "vnd.backstage.limited-user"
	// Audience is the aud claim of every user token.
	Audience = "backstage"
)

// Lifetime limits of Backstage's auth.backstageTokenExpiration.
const (
	DefaultLifetime = time.Hour
	MinLifetime     = 10 * time.Minute
	MaxLifetime     = 24 * time.Hour
	// MaxTokenLength is the longest token Backstage issues.
	MaxTokenLength = 32768
)

// ClampLifetime returns d limited to [MinLifetime, MaxLifetime], and
// whether it had to change; 0 means the default.
func ClampLifetime(d time.Duration) (time.Duration, bool) {
	switch {
	case d == 0:
		return DefaultLifetime, false
	case d < MinLifetime:
		return MinLifetime, true
	case d > MaxLifetime:
		return MaxLifetime, true
	}
	return d.Round(time.Second), false
}

// IssuerOptions configure an Issuer.
type IssuerOptions struct {
	Keys *KeySet
	// Issuer is the iss claim: the auth plugin's external base URL.
	Issuer string
	// Lifetime is clamped with ClampLifetime.
	Lifetime time.Duration
	// IncludeOwnership puts ent in the token. Backstage leaves it out by
	// default (auth.omitIdentityTokenOwnershipClaim); consumers read it from
	// /v1/userinfo instead.
	IncludeOwnership bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Issuer issues Backstage user tokens and remembers their claims for
// userinfo.
type Issuer struct {
	keys       *KeySet
	iss        string
	lifetime   time.Duration
	includeEnt bool
	now        func() time.Time
	claims     *expirable.LRU[string, Claims]
}

// NewIssuer returns an Issuer.
func NewIssuer(o IssuerOptions) *Issuer {
	lifetime, _ := ClampLifetime(o.Lifetime)
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &Issuer{
		keys: o.Keys, iss: o.Issuer, lifetime: lifetime, includeEnt: o.IncludeOwnership, now: now,
		// Userinfo serves the claims of the last token issued for a user
		// while such a token can still be valid.
		claims: expirable.NewLRU[string, Claims](10000, nil, lifetime),
	}
}

// Keys is the issuer's key set.
func (i *Issuer) Keys() *KeySet { return i.keys }

// Claims are what userinfo returns for a user: sub, ent and exp of the last
// token issued.
type Claims struct {
	Sub string   `json:"sub"`
	Ent []string `json:"ent"`
	Exp int64    `json:"exp"`
}

// Issue signs a user token for sub (a full entity ref such as
// user:default/jdoe) owning through ent (nil means just sub). It returns the
// token and its expiry.
func (i *Issuer) Issue(sub string, ent []string) (string, time.Time, error) {
	if err := checkEntityRef(sub); err != nil {
		return "", time.Time{}, err
	}
	if ent == nil {
		ent = []string{sub}
	}
	key := i.keys.Signer()
	now := i.now()
	iat := now.Unix()
	exp := iat + int64(i.lifetime/time.Second)
	uip, err := UserIdentityProof(key, sub, iat, exp)
	if err != nil {
		return "", time.Time{}, err
	}
	claims := map[string]any{
		"iss": i.iss, "sub": sub, "aud": Audience, "iat": iat, "exp": exp, "uip": uip,
	}
	if i.includeEnt {
		claims["ent"] = ent
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: Algorithm, Key: jose.JSONWebKey{Key: key.private, KeyID: key.ID, Algorithm: string(Algorithm)}},
		(&jose.SignerOptions{}).WithType(UserTokenType),
	)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("token signer: %w", err)
	}
	token, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign the user token: %w", err)
	}
	if len(token) > MaxTokenLength {
		return "", time.Time{}, fmt.Errorf("failed to issue a new user token: it would be %d characters long, over the limit of %d; "+
			"%s owns through %d entities, check the sign-in resolver and the catalog", len(token), MaxTokenLength, sub, len(ent))
	}
	i.claims.Add(sub, Claims{Sub: sub, Ent: ent, Exp: exp})
	return token, time.Unix(exp, 0), nil
}

// UserInfo returns the claims of the last token issued for sub, if this
// process issued one that may still be valid.
func (i *Issuer) UserInfo(sub string) (Claims, bool) { return i.claims.Get(sub) }

// UserIdentityProof computes the uip claim: the signature part of a JWS
// whose protected header is exactly
// {"typ":"vnd.backstage.limited-user","alg":"ES256","kid":"<kid>"} and whose
// payload is exactly {"sub":<sub>,"iat":<iat>,"exp":<exp>}, both serialised
// as JSON.stringify does (that key order, no whitespace). Backstage
// backends rebuild the limited user token from those two parts and this
// signature, so the bytes must match.
func UserIdentityProof(key *Key, sub string, iat, exp int64) (string, error) {
	if key.private == nil {
		return "", errors.New("the signing key has no private part")
	}
	header := `{"typ":` + jsString(LimitedUserTokenType) + `,"alg":` + jsString(string(Algorithm)) + `,"kid":` + jsString(key.ID) + `}`
	payload := `{"sub":` + jsString(sub) + `,"iat":` + strconv.FormatInt(iat, 10) + `,"exp":` + strconv.FormatInt(exp, 10) + `}`
	input := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key.private, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign the identity proof: %w", err)
	}
	// JWS ES256 signatures are R and S as 32-byte big-endian integers.
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return base64.RawURLEncoding.EncodeToString(sig), nil
}

// jsString is JSON.stringify for a string: only '"', '\\' and control
// characters are escaped (\b \f \n \r \t, otherwise \u00xx in lower case).
func jsString(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// checkEntityRef accepts what Backstage's parseEntityRef accepts without
// defaults: kind:namespace/name or kind:name, every part non-empty.
func checkEntityRef(ref string) error {
	kind, rest, ok := strings.Cut(ref, ":")
	name := rest
	if ns, n, hasNS := strings.Cut(rest, "/"); hasNS {
		if ns == "" {
			ok = false
		}
		name = n
	}
	if !ok || kind == "" || name == "" || !utf8.ValidString(ref) {
		return fmt.Errorf("%q is not a valid entity ref (want kind:namespace/name, e.g. user:default/jdoe)", ref)
	}
	return nil
}

// Verified is what a checked user or limited user token says.
type Verified struct {
	Type string // UserTokenType or LimitedUserTokenType
	Sub  string
	Iat  int64
	Exp  int64
	Ent  []string // only when the token carries it
}

// ErrInvalidToken is wrapped by every Verify failure.
var ErrInvalidToken = errors.New("invalid token")

// Verify checks a user or limited user token signed by one of the issuer's
// keys, as Backstage's UserTokenHandler does: signature by kid, header typ,
// and iat, exp and sub present, exp in the future.
func (i *Issuer) Verify(token string) (Verified, error) {
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{Algorithm})
	if err != nil || len(jws.Signatures) != 1 {
		return Verified{}, fmt.Errorf("%w: not a compact JWS", ErrInvalidToken)
	}
	h := jws.Signatures[0].Protected
	typ, _ := h.ExtraHeaders[jose.HeaderType].(string)
	if typ != UserTokenType && typ != LimitedUserTokenType {
		return Verified{}, fmt.Errorf("%w: typ %q is not a Backstage user token type", ErrInvalidToken, typ)
	}
	key, ok := i.keys.Lookup(h.KeyID)
	if !ok {
		return Verified{}, fmt.Errorf("%w: unknown kid %q", ErrInvalidToken, h.KeyID)
	}
	payload, err := jws.Verify(key.public)
	if err != nil {
		return Verified{}, fmt.Errorf("%w: bad signature", ErrInvalidToken)
	}
	var c struct {
		Sub *string  `json:"sub"`
		Iat *int64   `json:"iat"`
		Exp *int64   `json:"exp"`
		Ent []string `json:"ent"`
	}
	if err := json.Unmarshal(payload, &c); err != nil || c.Sub == nil || c.Iat == nil || c.Exp == nil || *c.Sub == "" {
		return Verified{}, fmt.Errorf("%w: sub, iat and exp are required", ErrInvalidToken)
	}
	if i.now().Unix() >= *c.Exp {
		return Verified{}, fmt.Errorf("%w: expired", ErrInvalidToken)
	}
	return Verified{Type: typ, Sub: *c.Sub, Iat: *c.Iat, Exp: *c.Exp, Ent: c.Ent}, nil
}
