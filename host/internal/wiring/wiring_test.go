package wiring

import (
	"strings"
	"testing"

	"github.com/coderhost/coderhost/host/internal/config"
)

func load(t *testing.T, src string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("mem.hcl", []byte(src), config.WithEnv(func(name string) (string, bool) {
		if name == "AUTH_BASE" {
			return "https://coderhost.example.com/api/auth", true
		}
		return "", false
	}))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestBackstageSnippets(t *testing.T) {
	const head = `external_url = "http://localhost:7007/api/proxy/coder"
coder { demo = true }
backstage { backend_url = "https://backstage.example.com" }
`
	tests := []struct {
		name   string
		plugin string
		want   []string
		absent []string
	}{
		{name: "no auth plugin", want: []string{"'/coder':", "target: 'http://127.0.0.1:7008/'", `No plugin "auth" is configured`},
			absent: []string{"discovery:"}},
		{name: "defaults behind the /coder endpoint", plugin: `plugin "auth" { path = "bin/plugins/a" }`,
			want: []string{
				"#   http://localhost:7007/api/proxy/coder/api/auth/coder/handler/frame",
				`callback_url = "https://backstage.example.com/api/proxy/coderhost-auth/coder/handler/frame"`,
				"'/coderhost-auth/coder':", "target: 'http://127.0.0.1:7008/api/auth/coder'", "credentials: dangerously-allow-unauthenticated",
				"pluginId === 'auth' ? 'https://backstage.example.com/api/proxy/coderhost-auth'",
				"internal: http://127.0.0.1:7008/api/{{pluginId}}", "external: https://backstage.example.com/api/proxy/coderhost-auth",
			}},
		{name: "callback through the dedicated endpoint", plugin: `plugin "auth" {
  path = "bin/plugins/a"
  config {
    callback_url = "https://backstage.example.com/api/proxy/coderhost-auth/coder/handler/frame"
    sign_in {
      resolver "script" {}
    }
  }
}`,
			want:   []string{"#   https://backstage.example.com/api/proxy/coderhost-auth/coder/handler/frame", "limited to them", "'/coderhost-auth/coder':"},
			absent: []string{"Give them an endpoint of their own"}},
		{name: "browsers reach coderhost directly", plugin: `plugin "auth" {
  path = "bin/plugins/a"
  config { base_url = env("AUTH_BASE") }
}`,
			want: []string{"#   https://coderhost.example.com/api/auth/coder/handler/frame", "directly at https://coderhost.example.com/api/auth",
				"pluginId === 'auth' ? 'https://coderhost.example.com/api/auth'", "external: https://coderhost.example.com/api/auth"},
			absent: []string{"'/coderhost-auth/coder':"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Backstage("127.0.0.1:7008", load(t, head+tt.plugin))
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %q in\n%s", w, out)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(out, a) {
					t.Errorf("unexpected %q in\n%s", a, out)
				}
			}
		})
	}
}
