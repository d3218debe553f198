package entityconfig

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/sdk"
)

// FuzzCompile feeds arbitrary entity JSON to Compile: it never panics, fails
// only with a *FieldError, and a creation link it builds is a URL of the
// access URL whose query holds the mode and the parameters.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`{"metadata":{"annotations":{"backstage.io/source-location":"url:https://github.com/o/r/tree/main/"}},"spec":{"coder":{"templateName":"t","mode":"auto","params":{"a":"b","1":"x"}}}}`,
		`{"metadata":{"annotations":{"coder.com/enabled":"false"}},"spec":{"coder":null}}`,
		`{"spec":{"coder":{"params":{"a":1}}}}`, `[]`, `{"spec":"x"}`, `{"spec":{"coder":{"templateName":"a b/ü","params":{"":"~*"}}}}`,
	} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, entity string, seed bool) {
		a := AppConfig{RepoURLParamKeys: []string{"repo_url"}, DefaultTemplate: "d"}
		if seed {
			a.RepoURLMatching = MatchingSeed
		}
		a, err := a.WithDefaults(sdk.HostInfo{CoderURL: "https://coder.example.com"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := Compile(a, json.RawMessage(entity))
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FieldError", err)
			}
			return
		}
		if c.CreationURL == "" {
			return
		}
		u, err := url.Parse(c.CreationURL)
		if err != nil || !strings.HasPrefix(c.CreationURL, "https://coder.example.com/templates/") {
			t.Fatalf("creationUrl %q: %v", c.CreationURL, err)
		}
		q := u.Query()
		if q.Get("mode") != c.Mode {
			t.Fatalf("creationUrl %q has mode %q, want %q", c.CreationURL, q.Get("mode"), c.Mode)
		}
		for k, v := range c.Params {
			if got := q.Get("param." + k); got != v {
				t.Fatalf("creationUrl %q: param.%s = %q, want %q", c.CreationURL, k, got, v)
			}
		}
	})
}
