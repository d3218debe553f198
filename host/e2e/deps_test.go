package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDaemonShipsNoTestCode lists what the daemon binary links: no package
// of this module may import testing or net/http/httptest. (go-plugin's own
// package imports testing for its test helpers; that is outside our reach.)
func TestDaemonShipsNoTestCode(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "../../host").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	ours := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, " ")
		if !strings.HasPrefix(pkg, "github.com/coderhost/coderhost") {
			continue
		}
		ours++
		for _, imp := range strings.Fields(imports) {
			if imp == "testing" || imp == "net/http/httptest" {
				t.Errorf("%s imports %s, so the daemon ships test code", pkg, imp)
			}
		}
	}
	if ours < 10 {
		t.Fatalf("found only %d of our packages in the daemon's dependencies; go list output:\n%s", ours, out)
	}
}
