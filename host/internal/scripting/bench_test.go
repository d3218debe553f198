package scripting

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coderhost/coderhost/host/internal/catalog"
)

// nativeUsernameSignin is scripts/signin/username.js written in Go: the
// baseline BenchmarkSigninRatio compares the script path against.
func nativeUsernameSignin(ctx context.Context, cat catalog.Catalog, input []byte) ([]byte, error) {
	var profile struct {
		Username string `json:"username"`
	}
	if err := json.Unmarshal(input, &profile); err != nil {
		return nil, err
	}
	if profile.Username == "" {
		return nil, errors.New("Coder profile is missing username")
	}
	user, err := cat.GetEntity(ctx, catalog.Ref{Kind: "User", Namespace: "default", Name: profile.Username}.String())
	if errors.Is(err, catalog.ErrNotFound) {
		return []byte("null"), nil
	}
	if err != nil {
		return nil, err
	}
	ref, _ := user.Ref()
	out := struct {
		UserEntityRef       string   `json:"userEntityRef"`
		OwnershipEntityRefs []string `json:"ownershipEntityRefs"`
	}{UserEntityRef: ref.String(), OwnershipEntityRefs: []string{ref.String()}}
	rels, _ := user["relations"].([]any)
	for _, r := range rels {
		m, _ := r.(map[string]any)
		typ, _ := m["type"].(string)
		target, _ := m["targetRef"].(string)
		if typ == "memberOf" && strings.HasPrefix(target, "group:") && !slices.Contains(out.OwnershipEntityRefs, target) {
			out.OwnershipEntityRefs = append(out.OwnershipEntityRefs, target)
		}
	}
	return json.Marshal(out)
}

// BenchmarkSigninRatio measures scripts/signin/username.js on pooled
// runtimes against nativeUsernameSignin, with the same in-memory catalog and
// the same JSON in and out. Each round makes a fixed number of interleaved
// calls of both, so -benchtime=1x is enough; it reports p50/p99 of each, the
// script/native p50 ratio (x-native) and the script p50 in microseconds.
func BenchmarkSigninRatio(b *testing.B) {
	const samples = 2000
	cat, err := catalog.LoadFiles([]string{shippedPath("testdata/catalog/*.yaml")})
	if err != nil {
		b.Fatal(err)
	}
	e := NewEngine(Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Catalog: cat})
	if err := e.Load([]Script{{Name: "username", File: shippedPath("signin/username.js"), Hook: "signin"}}); err != nil {
		b.Fatal(err)
	}
	input, err := os.ReadFile(shippedPath("testdata/inputs/profile-jdoe.json"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	script := func() []byte {
		out, _, err := e.Run(ctx, "signin", "", input)
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	native := func() []byte {
		out, err := nativeUsernameSignin(ctx, cat, input)
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	if s, n := script(), native(); string(s) != string(n) {
		b.Fatalf("script and native disagree:\n%s\n%s", s, n)
	}
	for i := 0; i < 200; i++ { // warm up both paths
		script()
		native()
	}
	var scriptD, nativeD []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := 0; j < samples; j++ {
			t0 := time.Now()
			script()
			t1 := time.Now()
			native()
			t2 := time.Now()
			scriptD = append(scriptD, t1.Sub(t0))
			nativeD = append(nativeD, t2.Sub(t1))
		}
	}
	b.StopTimer()
	sp50, sp99 := percentiles(scriptD)
	np50, np99 := percentiles(nativeD)
	ratio := float64(sp50) / float64(np50)
	b.Logf("signin username: script p50 %v p99 %v; native p50 %v p99 %v; script/native p50 %.1fx (%d calls each)",
		sp50, sp99, np50, np99, ratio, len(scriptD))
	b.ReportMetric(ratio, "x-native")
	b.ReportMetric(float64(sp50)/float64(time.Microsecond), "script-p50-µs")
	b.ReportMetric(float64(sp99)/float64(time.Microsecond), "script-p99-µs")
	b.ReportMetric(float64(np50)/float64(time.Microsecond), "native-p50-µs")
}

func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2], s[len(s)*99/100]
}

// shippedPath is a path under the repository's scripts/ directory.
func shippedPath(rel string) string {
	p, err := filepath.Abs(filepath.Join("..", "..", "..", "scripts", rel))
	if err != nil {
		panic(err)
	}
	return p
}
