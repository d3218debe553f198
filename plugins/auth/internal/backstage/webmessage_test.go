package backstage

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// hostileProfile has every field built to break out of the page's script.
var hostileProfile = Profile{
	DisplayName: `</script><script>alert("x")</script>`,
	Email:       `a'b"c\d@example.com` + "\u2028\u2029",
	Picture:     "javascript:alert(1)//'); alert('x",
}

// runPage executes the page's script with a stub opener and returns what it
// posted, with their target origins.
func runPage(t *testing.T, body string) (script string, posted []map[string]any, targets []string) {
	t.Helper()
	if strings.Count(body, "<script>") != 1 || strings.Count(body, "</script>") != 1 {
		t.Fatalf("page has more than one script element:\n%s", body)
	}
	script = body[strings.Index(body, "<script>")+len("<script>") : strings.Index(body, "</script>")]
	for _, r := range script {
		if r > 0x7e {
			t.Fatalf("script contains non-ASCII %U", r)
		}
	}
	vm := goja.New()
	closed := false
	opener := vm.NewObject()
	_ = opener.Set("postMessage", func(msg goja.Value, target string) {
		b, err := json.Marshal(msg.Export())
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		posted = append(posted, m)
		targets = append(targets, target)
	})
	window := vm.NewObject()
	_ = window.Set("opener", opener)
	_ = window.Set("close", func() { closed = true })
	_ = vm.Set("window", window)
	_ = vm.Set("setTimeout", func(fn goja.Callable, ms int) {
		if ms != 100 {
			t.Errorf("window closes after %d ms, want 100", ms)
		}
		_, _ = fn(goja.Undefined())
	})
	if _, err := vm.RunString(script); err != nil {
		t.Fatalf("script does not run: %v\n%s", err, script)
	}
	if !closed {
		t.Error("the page does not close its window")
	}
	return script, posted, targets
}

func TestWebMessagePageDeliversHostileProfileIntact(t *testing.T) {
	resp := &ClientAuthResponse{
		Profile:      hostileProfile,
		ProviderInfo: ProviderInfo{AccessToken: "tok'en</script>", Scope: "", ExpiresInSeconds: 3600},
	}
	rec := httptest.NewRecorder()
	WriteWebMessage(rec, "http://localhost:3000", SuccessMessage(resp))

	if got := rec.Header().Get("X-Frame-Options"); got != "sameorigin" {
		t.Errorf("X-Frame-Options = %q", got)
	}
	if got := rec.Header().Get("Content-Type"); got != "text/html" {
		t.Errorf("Content-Type = %q", got)
	}
	script, posted, targets := runPage(t, rec.Body.String())
	sum := sha256.Sum256([]byte(script))
	if want := "script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; rec.Header().Get("Content-Security-Policy") != want {
		t.Errorf("CSP = %q, want %q", rec.Header().Get("Content-Security-Policy"), want)
	}
	if len(posted) != 2 {
		t.Fatalf("posted %d messages, want 2", len(posted))
	}
	if posted[0]["type"] != "config_info" || posted[0]["targetOrigin"] != "http://localhost:3000" || targets[0] != "*" {
		t.Errorf("first message = %v to %q, want config_info to *", posted[0], targets[0])
	}
	if targets[1] != "http://localhost:3000" {
		t.Errorf("session posted to %q, want the app origin", targets[1])
	}
	profile := posted[1]["response"].(map[string]any)["profile"].(map[string]any)
	if profile["displayName"] != hostileProfile.DisplayName || profile["email"] != hostileProfile.Email || profile["picture"] != hostileProfile.Picture {
		t.Errorf("profile arrived changed: %v", profile)
	}
	if tok := posted[1]["response"].(map[string]any)["providerInfo"].(map[string]any)["accessToken"]; tok != "tok'en</script>" {
		t.Errorf("access token arrived as %v", tok)
	}
}

func TestWebMessagePageError(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteWebMessage(rec, "https://app.example.com", ErrorMessage(Errorf(NotAllowedError, "Invalid nonce")))
	_, posted, targets := runPage(t, rec.Body.String())
	errObj, _ := posted[1]["error"].(map[string]any)
	if posted[1]["type"] != "authorization_response" || errObj["name"] != "NotAllowedError" || errObj["message"] != "Invalid nonce" {
		t.Errorf("error message = %v", posted[1])
	}
	if _, has := posted[1]["response"]; has {
		t.Error("an error message carries a response")
	}
	if targets[1] != "https://app.example.com" {
		t.Errorf("target = %q", targets[1])
	}
}

func TestEncodeURIComponent(t *testing.T) {
	tests := map[string]string{
		"abcXYZ019-_.!~*'()": "abcXYZ019-_.!~*'()",
		" +/?#&=%\"<>":       "%20%2B%2F%3F%23%26%3D%25%22%3C%3E",
		"é€😀":                "%C3%A9%E2%82%AC%F0%9F%98%80",
		"\u2028":             "%E2%80%A8",
		"\xff":               "%EF%BF%BD",
	}
	for in, want := range tests {
		if got := EncodeURIComponent(in); got != want {
			t.Errorf("EncodeURIComponent(%q) = %q, want %q", in, got, want)
		}
	}
	if got := safelyEncodeURIComponent("it's"); got != "it%27s" {
		t.Errorf("safelyEncodeURIComponent = %q", got)
	}
}
