package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/dop251/goja"

	"github.com/coderhost/coderhost/sdk/fakecoder"
)

// TestProfileCannotBreakOutOfThePage signs in a Coder user whose name,
// email and avatar are built to end the script's string literal or the
// script element, and runs the callback page's script: it must post the
// profile unchanged and nothing else may run.
func TestProfileCannotBreakOutOfThePage(t *testing.T) {
	evil := fakecoder.SeedUser{
		Username:  "mallory",
		Name:      `</script><script>window.pwned=1</script>'); window.pwned=2; ('` + "\u2028\u2029",
		Email:     `o'brien"</script>` + "\u2028" + `@example.com`,
		AvatarURL: `https://x.example/a.png?'-alert(1)-'"><img src=x onerror=alert(1)>`,
	}
	r := newRig(t, rigOptions{autoUser: "mallory", seed: func(s *fakecoder.Seed) { s.Users = append(s.Users, evil) }})
	cb := r.authorize(r.startQuery("popup"))
	page := r.browser.get(cb, nil)
	body := readBody(page)

	if strings.Count(body, "<script") != 1 || strings.Count(body, "</script>") != 1 {
		t.Fatalf("the page has more than one script element:\n%s", body)
	}
	script := body[strings.Index(body, "<script>")+len("<script>") : strings.Index(body, "</script>")]
	for _, c := range script {
		if c > 0x7e || c == '"' {
			t.Fatalf("script contains %q, which could end up outside a literal", c)
		}
	}
	sum := sha256.Sum256([]byte(script))
	if page.Header.Get("Content-Security-Policy") != "script-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'" {
		t.Error("the CSP hash does not pin the page's script")
	}

	vm := goja.New()
	var posted []map[string]any
	var targets []string
	opener := vm.NewObject()
	_ = opener.Set("postMessage", func(msg goja.Value, target string) {
		b, _ := json.Marshal(msg.Export())
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		posted, targets = append(posted, m), append(targets, target)
	})
	window := vm.NewObject()
	_ = window.Set("opener", opener)
	_ = window.Set("close", func() {})
	_ = vm.Set("window", window)
	_ = vm.Set("setTimeout", func(fn goja.Callable, _ int) { _, _ = fn(goja.Undefined()) })
	if _, err := vm.RunString(script); err != nil {
		t.Fatalf("script fails: %v", err)
	}
	if p := window.Get("pwned"); p != nil && !goja.IsUndefined(p) {
		t.Fatalf("profile data ran as code: pwned=%v", p)
	}
	if len(posted) != 2 || posted[0]["type"] != "config_info" || targets[0] != "*" || targets[1] != appOrigin {
		t.Fatalf("posted %v to %v", posted, targets)
	}
	profile := get(posted[1], "response", "profile").(map[string]any)
	if profile["displayName"] != evil.Name || profile["email"] != evil.Email || profile["picture"] != evil.AvatarURL {
		t.Errorf("profile arrived changed:\n%q\nwant\n%q", profile, []string{evil.Name, evil.Email, evil.AvatarURL})
	}
}
