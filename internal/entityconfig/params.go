package entityconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// params is a JavaScript object of strings: setting an existing key keeps
// its position, a new key is appended, and iteration puts array-index keys
// ("0", "1", "42") first in ascending order, as JavaScript does for the
// frontend's compiled params object.
type params struct {
	keys []string
	vals map[string]string
}

func (p *params) set(k, v string) {
	if p.vals == nil {
		p.vals = map[string]string{}
	}
	if _, ok := p.vals[k]; !ok {
		p.keys = append(p.keys, k)
	}
	p.vals[k] = v
}

// ordered returns the keys in JavaScript's own-property order.
func (p params) ordered() []string {
	var index, named []string
	for _, k := range p.keys {
		if isArrayIndex(k) {
			index = append(index, k)
		} else {
			named = append(named, k)
		}
	}
	sort.Slice(index, func(i, j int) bool {
		a, _ := strconv.ParseUint(index[i], 10, 32)
		b, _ := strconv.ParseUint(index[j], 10, 32)
		return a < b
	})
	return append(index, named...)
}

func (p params) toMap() map[string]string {
	m := make(map[string]string, len(p.keys))
	for k, v := range p.vals {
		m[k] = v
	}
	return m
}

// isArrayIndex reports whether k is a canonical array index (0 … 2³²−2),
// which JavaScript objects order before other keys.
func isArrayIndex(k string) bool {
	if k == "" || (len(k) > 1 && k[0] == '0') {
		return false
	}
	n, err := strconv.ParseUint(k, 10, 32)
	return err == nil && n < 1<<32-1
}

// orderedObject decodes a JSON object keeping its key order. A repeated key
// keeps its first position and takes its last value, as JSON.parse does.
func orderedObject(raw json.RawMessage) (keys []string, vals map[string]json.RawMessage, err error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, fmt.Errorf("not an object")
	}
	vals = map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		k, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		if _, seen := vals[k]; !seen {
			keys = append(keys, k)
		}
		vals[k] = v
	}
	return keys, vals, nil
}

// jsonType names a JSON value's type for error messages.
func jsonType(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// encodeURIComponent is JavaScript's: everything but A–Z a–z 0–9 - _ . ! ~ * ' ( )
// is percent-encoded as UTF-8.
func encodeURIComponent(s string) string {
	return percentEncode(s, func(c byte) bool {
		return isAlnum(c) || strings.IndexByte("-_.!~*'()", c) >= 0
	}, false)
}

// formEncode is the application/x-www-form-urlencoded serializer of
// URLSearchParams: A–Z a–z 0–9 * - . _ stay, space becomes "+", everything
// else is percent-encoded as UTF-8. Unlike url.QueryEscape it encodes "~".
func formEncode(s string) string {
	return percentEncode(s, func(c byte) bool {
		return isAlnum(c) || strings.IndexByte("*-._", c) >= 0
	}, true)
}

func percentEncode(s string, keep func(byte) bool, spacePlus bool) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case keep(c):
			b.WriteByte(c)
		case c == ' ' && spacePlus:
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
