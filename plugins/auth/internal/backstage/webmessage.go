package backstage

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
)

// WebMessage is what the callback page posts to the window that opened it:
// {type: "authorization_response", response} on success, or
// {type: "authorization_response", error: {name, message}}.
type WebMessage struct {
	Type     string              `json:"type"`
	Response *ClientAuthResponse `json:"response,omitempty"`
	Error    *MessageError       `json:"error,omitempty"`
}

// MessageError is an error as the frontend rebuilds it.
type MessageError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// SuccessMessage wraps a session for the opener.
func SuccessMessage(resp *ClientAuthResponse) WebMessage {
	return WebMessage{Type: "authorization_response", Response: resp}
}

// ErrorMessage wraps err for the opener as {name, message}.
func ErrorMessage(err error) WebMessage {
	name, message := NameAndMessage(err)
	return WebMessage{Type: "authorization_response", Error: &MessageError{Name: name, Message: message}}
}

// WebMessagePage renders the callback page of Backstage's
// sendWebMessageResponse and the Content-Security-Policy that pins its one
// inline script. The script first posts {type: "config_info", targetOrigin}
// to the opener (or parent) with target "*", so an opener on a wrong origin
// can tell what went wrong, then posts msg with appOrigin as the target
// origin, and closes the window after 100 ms (the frontend polls the popup
// at that interval).
//
// The message and the origin reach the script only as
// encodeURIComponent-encoded text (with "'" also encoded) inside
// single-quoted string literals: no character of a profile field (quotes,
// "</script>", U+2028) can end the literal or the script element.
func WebMessagePage(appOrigin string, msg WebMessage) (body, csp string, err error) {
	data, err := json.Marshal(msg)
	if err != nil {
		return "", "", err
	}
	script := `
    var authResponse = decodeURIComponent('` + safelyEncodeURIComponent(string(data)) + `');
    var origin = decodeURIComponent('` + safelyEncodeURIComponent(appOrigin) + `');
    var originInfo = {'type': 'config_info', 'targetOrigin': origin};
    (window.opener || window.parent).postMessage(originInfo, '*');
    (window.opener || window.parent).postMessage(JSON.parse(authResponse), origin);
    setTimeout(() => {
      window.close();
    }, 100);
  `
	sum := sha256.Sum256([]byte(script))
	csp = "script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	return "<html><body><script>" + script + "</script></body></html>", csp, nil
}

// WriteWebMessage answers with the callback page for msg (see
// WebMessagePage), with X-Frame-Options: sameorigin.
func WriteWebMessage(w http.ResponseWriter, appOrigin string, msg WebMessage) {
	body, csp, err := WebMessagePage(appOrigin, msg)
	if err != nil {
		// Only unencodable values get here; say so without them.
		body, csp, _ = WebMessagePage(appOrigin, WebMessage{Type: "authorization_response",
			Error: &MessageError{Name: GenericError, Message: "Encountered invalid error"}})
	}
	h := w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("X-Frame-Options", "sameorigin")
	h.Set("Content-Security-Policy", csp)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(body))
}

// EncodeURIComponent is JavaScript's encodeURIComponent: UTF-8
// percent-encoding of everything except A-Z a-z 0-9 - _ . ! ~ * ' ( ).
// Invalid UTF-8 is encoded as U+FFFD.
func EncodeURIComponent(s string) string {
	return uriEncode(s, false)
}

// safelyEncodeURIComponent is EncodeURIComponent with "'" encoded too, so the
// result is safe inside a single-quoted JavaScript string.
func safelyEncodeURIComponent(s string) string {
	return uriEncode(s, true)
}

func uriEncode(s string, quote bool) string {
	const upperhex = "0123456789ABCDEF"
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '!', c == '~', c == '*', c == '(', c == ')',
			c == '\'' && !quote:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(upperhex[c>>4])
			b.WriteByte(upperhex[c&0xf])
		}
	}
	return b.String()
}
