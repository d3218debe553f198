package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	backend  Backend
}

func newMetrics(reg *prometheus.Registry, b Backend) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coderhost_http_requests_total",
			Help: "HTTP requests served, by route and the status code the client got (0: none, it went away or the response was aborted).",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "coderhost_http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		backend: b,
	}
	reg.MustRegister(m.requests, m.latency, &pluginCollector{b: b},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// route names the matched route with bounded cardinality: plugin routes are
// labelled with the plugin id only when such a plugin is configured.
func (m *metrics) route(r *http.Request) string {
	cur := mux.CurrentRoute(r)
	if cur == nil {
		return "unmatched"
	}
	name := cur.GetName()
	if name == "plugin" {
		id := mux.Vars(r)["plugin"]
		if _, ok := m.backend.Plugin(id); ok {
			return "plugin:" + id
		}
		return "plugin:unknown"
	}
	return name
}

var knownMethods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true}

// middleware runs inside the router, where the matched route is known, and
// hands its label to observe.
func (m *metrics) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := r.Context().Value(routeKey{}).(*string); ok {
			*p = m.route(r)
		}
		next.ServeHTTP(w, r)
	})
}

// observe counts one request. Status 0 means the client got no response.
func (m *metrics) observe(route, method string, status int, elapsed time.Duration) {
	if !knownMethods[method] {
		method = "other"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(elapsed.Seconds())
}

// pluginCollector reports plugin restarts and liveness from their status.
type pluginCollector struct{ b Backend }

var (
	restartsDesc = prometheus.NewDesc("coderhost_plugin_restarts_total",
		"Times a plugin process was restarted after it died or failed health checks.", []string{"plugin"}, nil)
	upDesc = prometheus.NewDesc("coderhost_plugin_up",
		"1 when the plugin is running and healthy.", []string{"plugin"}, nil)
)

func (c *pluginCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- restartsDesc
	ch <- upDesc
}

func (c *pluginCollector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.b.Plugins() {
		st := p.Status()
		ch <- prometheus.MustNewConstMetric(restartsDesc, prometheus.CounterValue, float64(st.Restarts), st.ID)
		up := 0.0
		if p.Ready() {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, up, st.ID)
	}
}
