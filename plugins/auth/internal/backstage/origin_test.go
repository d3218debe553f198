package backstage

import "testing"

func TestOriginFilter(t *testing.T) {
	f, err := NewOriginFilter("http://localhost:3000/some/path", []string{
		"https://*.example.com", "https://{a,b}.corp.test", "http://127.0.0.1:30[0-9][0-9]",
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]bool{
		"http://localhost:3000":         true,
		"http://localhost:3001":         false,
		"https://localhost:3000":        false,
		"https://app.example.com":       true,
		"https://APP.Example.COM":       true, // nocase
		"https://example.com":           false,
		"https://a.b.example.com":       true, // * crosses dots, not slashes
		"https://evil.com/.example.com": false,
		"https://a.corp.test":           true,
		"https://c.corp.test":           false,
		"http://127.0.0.1:3042":         true,
		"http://127.0.0.1:4042":         false,
		"":                              false,
		"null":                          false,
	}
	for origin, want := range tests {
		if got := f.Allowed(origin); got != want {
			t.Errorf("Allowed(%q) = %v, want %v", origin, got, want)
		}
	}
	if f.AppOrigin() != "http://localhost:3000" {
		t.Errorf("AppOrigin = %q", f.AppOrigin())
	}
}

func TestOriginFilterRejectsBadInput(t *testing.T) {
	if _, err := NewOriginFilter("not a url", nil); err == nil {
		t.Error("a relative app URL was accepted")
	}
	if _, err := NewOriginFilter("", []string{"https://[a-"}); err == nil {
		t.Error("a malformed pattern was accepted")
	}
}

func TestOrigin(t *testing.T) {
	tests := map[string]string{
		"http://localhost:3000/x?y#z":   "http://localhost:3000",
		"HTTPS://Backstage.Example.com": "https://backstage.example.com",
		"https://b.example.com:443/":    "https://b.example.com",
		"http://[::1]:3000/":            "http://[::1]:3000",
	}
	for in, want := range tests {
		if got, err := Origin(in); err != nil || got != want {
			t.Errorf("Origin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "/relative", "localhost:3000x", "%"} {
		if _, err := Origin(bad); err == nil {
			t.Errorf("Origin(%q) succeeded", bad)
		}
	}
}
