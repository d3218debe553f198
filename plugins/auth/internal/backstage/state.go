package backstage

import (
	"strings"
	"unicode/utf8"
)

// State is what travels through Coder in the OAuth state parameter. Empty
// fields are left out of the encoding, as Backstage leaves out undefined
// ones.
type State struct {
	Nonce       string
	Env         string
	Origin      string
	RedirectURL string
	Flow        string
	Scope       string
}

// Encode serialises the state as Backstage's encodeOAuthState does: an
// application/x-www-form-urlencoded string in the order nonce, env, origin,
// redirectUrl, flow, scope, hex-encoded (lower case) as UTF-8.
func (s State) Encode() string {
	var b strings.Builder
	for _, kv := range [][2]string{
		{"nonce", s.Nonce}, {"env", s.Env}, {"origin", s.Origin},
		{"redirectUrl", s.RedirectURL}, {"flow", s.Flow}, {"scope", s.Scope},
	} {
		if kv[1] == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(formEncode(kv[0]))
		b.WriteByte('=')
		b.WriteString(formEncode(kv[1]))
	}
	const hexdigits = "0123456789abcdef"
	q := b.String()
	out := make([]byte, 0, 2*len(q))
	for i := 0; i < len(q); i++ {
		out = append(out, hexdigits[q[i]>>4], hexdigits[q[i]&0xf])
	}
	return string(out)
}

// DecodeState reverses Encode the way Backstage's decodeOAuthState does:
// Node's lenient hex decoding (it stops at the first character that is not a
// hex pair), then URLSearchParams parsing, where the last of repeated keys
// wins. A state without env or nonce is a NotAllowedError, which is also what
// a tampered state usually turns into.
func DecodeState(encoded string) (State, error) {
	raw := make([]byte, 0, len(encoded)/2)
	for i := 0; i+1 < len(encoded); i += 2 {
		hi, ok1 := unhex(encoded[i])
		lo, ok2 := unhex(encoded[i+1])
		if !ok1 || !ok2 {
			break
		}
		raw = append(raw, hi<<4|lo)
	}
	var s State
	for _, kv := range parseForm(toValidUTF8(raw)) {
		switch kv[0] {
		case "nonce":
			s.Nonce = kv[1]
		case "env":
			s.Env = kv[1]
		case "origin":
			s.Origin = kv[1]
		case "redirectUrl":
			s.RedirectURL = kv[1]
		case "flow":
			s.Flow = kv[1]
		case "scope":
			s.Scope = kv[1]
		}
	}
	if s.Env == "" {
		return State{}, Errorf(NotAllowedError, "OAuth state is invalid, missing env")
	}
	if s.Nonce == "" {
		return State{}, Errorf(NotAllowedError, "OAuth state is invalid, missing nonce")
	}
	return s, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// toValidUTF8 decodes bytes as TextDecoder/Buffer do: invalid sequences
// become U+FFFD.
func toValidUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// formEncode is the WHATWG application/x-www-form-urlencoded byte
// serializer that URLSearchParams uses: it differs from url.QueryEscape in
// keeping '*' and escaping '~'.
func formEncode(s string) string {
	const upperhex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			b.WriteByte('+')
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '*', c == '-', c == '.', c == '_':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(upperhex[c>>4])
			b.WriteByte(upperhex[c&0xf])
		}
	}
	return b.String()
}

// parseForm is the WHATWG application/x-www-form-urlencoded parser: no
// errors, '+' is a space, and a '%' without two hex digits stays as it is.
func parseForm(s string) [][2]string {
	var out [][2]string
	for _, part := range strings.Split(s, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		out = append(out, [2]string{percentDecode(name), percentDecode(value)})
	}
	return out
}

func percentDecode(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s):
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				b = append(b, hi<<4|lo)
				i += 2
			} else {
				b = append(b, c)
			}
		default:
			b = append(b, c)
		}
	}
	return toValidUTF8(b)
}
