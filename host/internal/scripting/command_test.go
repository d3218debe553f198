package scripting

import (
	"bytes"
	"strings"
	"testing"
)

func TestTestCommand(t *testing.T) {
	dir := t.TempDir()
	throws := writeScript(t, dir, "throws.js", "function signin(profile) {\n  console.log('checking', profile.username);\n  throw new Error('nope');\n}\n")
	broken := writeScript(t, dir, "broken.js", "function signin( {\n")
	loops := writeScript(t, dir, "loops.js", "function signin() {\n  for (;;) {}\n}\n")
	profile := writeScript(t, dir, "profile.json", jdoeProfile)
	notJSON := writeScript(t, dir, "bad.json", "{")
	params := writeScript(t, dir, "params.json", webInput)
	username := shippedPath("signin/username.js")
	catalogDir := shippedPath("testdata/catalog")

	tests := []struct {
		name               string
		args               []string
		code               int
		stdout, stderr     []string
		stdoutIs, stderrIs string
	}{
		{name: "success",
			args:     []string{"--hook", "signin", "--file", username, "--input", profile, "--catalog", catalogDir},
			code:     0,
			stdoutIs: "{\n  \"userEntityRef\": \"user:default/jdoe\",\n  \"ownershipEntityRefs\": [\n    \"user:default/jdoe\",\n    \"group:default/platform\",\n    \"group:default/team-eu\"\n  ]\n}\n",
			stderrIs: ""},
		{name: "single dash flags and null result",
			args: []string{"-hook=signin", "-file", username, "-input", writeScript(t, dir, "ghost.json", `{"username":"ghost"}`), "-catalog", catalogDir},
			code: 0, stdoutIs: "null\n"},
		{name: "script throws",
			args:   []string{"--hook", "signin", "--file", throws, "--input", profile},
			code:   1,
			stderr: []string{throws + ":3:9: script \"throws\": Error: nope", "at signin (" + throws + ":3:9)", `msg="checking jdoe" script=throws line=2`}},
		{name: "no catalog",
			args:   []string{"--hook", "signin", "--file", username, "--input", profile},
			code:   1,
			stderr: []string{"username.js:22:", "no catalog is configured", "pass --catalog DIR"}},
		{name: "syntax error",
			args:   []string{"--hook", "signin", "--file", broken, "--input", profile},
			code:   1,
			stderr: []string{broken + ":2:1: script \"broken\": SyntaxError"}},
		{name: "deadline",
			args:   []string{"--hook", "signin", "--file", loops, "--input", profile, "--timeout", "20ms", "--script", "spin"},
			code:   1,
			stderr: []string{"script \"spin\": did not finish within its 20ms deadline"}},
		{name: "workspace params",
			args:   []string{"--hook", "workspace_params", "--file", shippedPath("params/region-by-owner.js"), "--input", params, "--catalog", catalogDir},
			code:   0,
			stdout: []string{`"region": "eu-west"`, `"cpu": "4"`}},
		{name: "missing flags", args: []string{"--hook", "signin"}, code: 2, stderr: []string{"--hook, --file and --input are required", "usage: coderhost script test"}},
		{name: "unknown flag", args: []string{"--hook", "signin", "--verbose"}, code: 2, stderr: []string{"flag provided but not defined: -verbose", "usage:"}},
		{name: "extra argument", args: []string{"--hook", "signin", "--file", username, "--input", profile, "extra"}, code: 2, stderr: []string{`unexpected argument "extra"`}},
		{name: "unknown hook", args: []string{"--hook", "login", "--file", username, "--input", profile}, code: 2, stderr: []string{`unknown hook "login"`}},
		{name: "bad timeout", args: []string{"--hook", "signin", "--file", username, "--input", profile, "--timeout", "soon"}, code: 2, stderr: []string{"invalid value"}},
		{name: "input not JSON", args: []string{"--hook", "signin", "--file", username, "--input", notJSON}, code: 2, stderr: []string{"must hold a JSON object"}},
		{name: "input missing", args: []string{"--hook", "signin", "--file", username, "--input", dir + "/none.json"}, code: 2, stderr: []string{"reading the input"}},
		{name: "wrong input for hook", args: []string{"--hook", "workspace_params", "--file", username, "--input", profile}, code: 2, stderr: []string{"input.entity must be an object"}},
		{name: "catalog dir without files", args: []string{"--hook", "signin", "--file", username, "--input", profile, "--catalog", dir + "/nothing"}, code: 2, stderr: []string{"--catalog"}},
		{name: "help", args: []string{"--help"}, code: 0, stdout: []string{"usage: coderhost script test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := TestCommand(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit code = %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout.String(), stderr.String())
			}
			for _, w := range tt.stdout {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout %q does not contain %q", stdout.String(), w)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr %q does not contain %q", stderr.String(), w)
				}
			}
			if tt.stdoutIs != "" && stdout.String() != tt.stdoutIs {
				t.Errorf("stdout = %q, want %q", stdout.String(), tt.stdoutIs)
			}
			if tt.code == 0 && tt.stderrIs == "" && tt.name == "success" && stderr.Len() != 0 {
				t.Errorf("stderr = %q, want nothing", stderr.String())
			}
		})
	}
}
