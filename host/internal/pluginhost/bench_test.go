package pluginhost

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/coderhost/coderhost/host/internal/pluginhost/internal/probe"
	"github.com/coderhost/coderhost/sdk"
)

// BenchmarkPluginHopRatio measures a request through the host → plugin hop
// (a real plugin process over go-plugin gRPC) against the same handler served
// in-process, and reports the added latency. It also times a bare RPC to the
// same process (Health, no payload) in the same loop: the hop minus that
// floor is what the HTTP bridge itself costs; the floor is the transport and
// the two processes' scheduling.
func BenchmarkPluginHopRatio(b *testing.B) {
	const warmup, n = 500, 5000
	p, err := Launch(context.Background(), probeSpec(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Stop()
	if err := p.Configure(context.Background(), configureWith(`{"word":"pong"}`)); err != nil {
		b.Fatal(err)
	}
	handler, err := probe.New().Configure(context.Background(), sdk.ConfigureRequest{Config: []byte(`{"word":"pong"}`)})
	if err != nil {
		b.Fatal(err)
	}

	viaPlugin := func() {
		w := httptest.NewRecorder()
		p.ServeHTTP(w, httptest.NewRequest("GET", "/api/probe/word", nil))
		if w.Code != http.StatusOK {
			b.Fatalf("plugin: %d", w.Code)
		}
	}
	inProcess := func() {
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, httptest.NewRequest("GET", "/word", nil))
		if w.Code != http.StatusOK {
			b.Fatalf("in-process: %d", w.Code)
		}
	}
	bareRPC := func() {
		if _, err := p.rpc.Health(context.Background()); err != nil {
			b.Fatalf("health: %v", err)
		}
	}
	for range warmup {
		viaPlugin()
		inProcess()
		bareRPC()
	}
	hop := make([]time.Duration, 0, n)
	base := make([]time.Duration, 0, n)
	floor := make([]time.Duration, 0, n)
	b.ResetTimer()
	for range n {
		t0 := time.Now()
		viaPlugin()
		t1 := time.Now()
		inProcess()
		t2 := time.Now()
		bareRPC()
		t3 := time.Now()
		hop = append(hop, t1.Sub(t0))
		base = append(base, t2.Sub(t1))
		floor = append(floor, t3.Sub(t2))
	}
	b.StopTimer()
	hp50, hp99 := percentiles(hop)
	bp50, bp99 := percentiles(base)
	fp50, fp99 := percentiles(floor)
	b.Logf("in-process handler: p50 %v  p99 %v", bp50, bp99)
	b.Logf("bare RPC (floor):   p50 %v  p99 %v", fp50, fp99)
	b.Logf("through the plugin: p50 %v  p99 %v", hp50, hp99)
	b.Logf("the HTTP bridge costs %v at p50 above the bare RPC", hp50-fp50)
	b.Logf("plugin hop adds %v at p50 (target ≤ 150µs); ratio %.1fx", hp50-bp50, float64(hp50)/float64(bp50))
	b.ReportMetric(float64(hp50-bp50)/1e3, "µs-added-p50")
	b.ReportMetric(float64(hp50)/float64(bp50), "x-in-process")
}

func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2], s[len(s)*99/100]
}
