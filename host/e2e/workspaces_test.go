package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// workspacesConfig is the default config.hcl's setup: the demo deployment,
// the demo catalog, the shipped workspace_params script and the plugin's
// block as config.hcl has it.
func workspacesConfig(t *testing.T) string {
	t.Helper()
	block := regexp.MustCompile(`(?s)\nplugin "workspaces" \{.*?\n\}\n`).FindString(readFile(t, "config.hcl"))
	if block == "" {
		t.Fatal(`config.hcl has no plugin "workspaces" block`)
	}
	// TestMain builds every plugin into pluginDir.
	block = strings.Replace(block, `"bin/plugins/coderhost-plugin-workspaces"`,
		fmt.Sprintf("%q", filepath.Join(pluginDir, "coderhost-plugin-workspaces")), 1)
	return fmt.Sprintf(`
plugin_dir = %q
%s
backstage { catalog_files = [%q] }
script "region-by-owner" {
  file = %q
  hook = "workspace_params"
}
%s`, pluginDir, coderBlock(), filepath.Join(repoRoot, "examples/catalog/*.yaml"),
		filepath.Join(repoRoot, "scripts/params/region-by-owner.js"), block)
}

func readFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestWorkspacesPluginThroughTheHost asks the plugin for the demo entities'
// workspaces through the daemon, as the demo user.
func TestWorkspacesPluginThroughTheHost(t *testing.T) {
	d := start(t, writeConfig(t, workspacesConfig(t)))
	if p := d.plugin("workspaces"); p.State != "running" {
		t.Fatalf("plugin status %+v", p)
	}
	token := http.Header{"Coder-Session-Token": {demoToken(t, d)}}
	type list struct {
		Workspaces []struct {
			ID            string `json:"id"`
			Name          string `json:"name"`
			OwnerName     string `json:"owner_name"`
			DisplayStatus string `json:"display_status"`
			TemplateIcon  string `json:"template_icon"`
		} `json:"workspaces"`
		RepoLabel string `json:"repoLabel"`
		Fresh     bool   `json:"fresh"`
	}
	for _, tc := range []struct {
		entity string
		want   map[string]string // name → display_status
		label  string
	}{
		{"payments-api", map[string]string{"payments-api": "Online", "payments-api-hotfix": "Offline"}, "repo: payments-api"},
		{"storefront-web", map[string]string{"storefront": "Online"}, "repo: storefront-web"},
		{"inventory-service", map[string]string{"inventory": "Failed"}, "repo: inventory-service"},
		{"docs-site", map[string]string{}, "repo: docs-site"},
	} {
		t.Run(tc.entity, func(t *testing.T) {
			var l list
			url := d.url("/api/workspaces/v1/entities/component/default/" + tc.entity + "/workspaces")
			if code := getJSON(t, url, token, &l); code != 200 {
				t.Fatalf("%d %+v", code, l)
			}
			got := map[string]string{}
			for _, w := range l.Workspaces {
				got[w.Name] = w.DisplayStatus
				if w.OwnerName != "demo" || !strings.HasPrefix(w.TemplateIcon, "http://localhost:7007/api/proxy/coder/") {
					t.Errorf("%s: owner %s, icon %s", w.Name, w.OwnerName, w.TemplateIcon)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) || l.RepoLabel != tc.label || !l.Fresh {
				t.Errorf("got %v %q fresh=%v, want %v %q", got, l.RepoLabel, l.Fresh, tc.want, tc.label)
			}
		})
	}
	t.Run("watch stream", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, d.url("/api/workspaces/v1/entities/component/default/storefront-web/workspaces/watch"), nil)
		req.Header = token.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		events := make(chan string, 10)
		go func() {
			defer close(events)
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
					events <- data
				}
			}
		}()
		next := func() list {
			t.Helper()
			select {
			case data := <-events:
				var l list
				if err := json.Unmarshal([]byte(data), &l); err != nil {
					t.Fatalf("event %s: %v", data, err)
				}
				return l
			case <-time.After(15 * time.Second):
				t.Fatal("no event through the host within 15s")
				return list{}
			}
		}
		first := next()
		if len(first.Workspaces) != 1 || first.Workspaces[0].DisplayStatus != "Online" {
			t.Fatalf("first event %+v", first)
		}
		var b map[string]any
		if code := workspacesPost(t, d.url("/api/workspaces/v1/workspaces/"+first.Workspaces[0].ID+"/stop"), token, &b); code != 201 {
			t.Fatalf("stop: %d %v", code, b)
		}
		// The stop reaches the stream without reconnecting.
		for {
			if l := next(); l.Workspaces[0].DisplayStatus != "Online" {
				break
			}
		}
	})

	var e map[string]any
	if code := getJSON(t, d.url("/api/workspaces/v1/entities/component/default/payments-api/workspaces"), nil, &e); code != 401 || e["message"] == "" {
		t.Errorf("without a token: %d %v", code, e)
	}
	if code := getJSON(t, d.url("/api/workspaces/v1/entities/component/default/payments-api/workspaces?q=colour:blue"), token, &e); code != 400 || e["message"] != "Invalid workspace search query." {
		t.Errorf("a bad filter: %d %v", code, e)
	}
}

// TestWorkspacesReadmeCurlLines runs the "Try it" block of
// plugins/workspaces/README.md, as it stands, against the daemon.
func TestWorkspacesReadmeCurlLines(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the README's lines need %s: %v", tool, err)
		}
	}
	m := regexp.MustCompile("(?s)<!-- try-it -->\\s*```sh\\n(.*?)```\\s*<!-- /try-it -->").FindStringSubmatch(readFile(t, "plugins/workspaces/README.md"))
	if m == nil {
		t.Fatal("plugins/workspaces/README.md has no try-it block")
	}
	d := start(t, writeConfig(t, workspacesConfig(t)))
	script := strings.ReplaceAll(m[1], "127.0.0.1:7008", d.addr)
	script = strings.ReplaceAll(script, "DemoUser01-DemoOnlyNotASecret0001", demoToken(t, d))
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	began := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("the README's lines ran in %s", time.Since(began).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("the README's lines failed: %v\n%s", err, out)
	}
	for _, want := range []string{
		`"count": 2`, `"display_status": "Online"`, `"repoLabel": "repo: payments-api"`, // the list
		"event: workspaces\ndata: {",                                  // the stream
		`"fresh": false`, `"source": "cached"`, "payments-api-hotfix", // cache, filter
		`"transition": "start"`, `"template_version_name": "v2"`, // restart, update
		`"name": "payments-review"`, `"template_name": "docker-go"`, // create
		`"transition": "stop"`, `"transition": "delete"`, "\n401\n", // long poll, delete, no token
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

// workspacesPost sends an empty POST and decodes the JSON answer.
func workspacesPost(t *testing.T, url string, header http.Header, v any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, nil)
	req.Header = header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("POST %s: %d: %v", url, resp.StatusCode, err)
	}
	return resp.StatusCode
}
