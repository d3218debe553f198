// Package probe is a plugin used by the host's tests and benchmarks: it exposes its
// environment and can panic, crash, stall, redirect, hash a streamed body or
// answer unhealthy on request.
package probe

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coderhost/coderhost/sdk"
)

type probe struct {
	unhealthy atomic.Bool
}

func (p *probe) Describe() sdk.Description {
	id := os.Getenv("PROBE_ID")
	if id == "" {
		id = "probe"
	}
	return sdk.Description{
		ID: id, Version: "1.2.3", Capabilities: []string{"http", "test"},
		ConfigSchema: sdk.Schema{Attributes: []sdk.Attribute{
			{Name: "word", Type: sdk.TypeString},
			{Name: "reject", Type: sdk.TypeBool},
		}},
	}
}

func (p *probe) Configure(_ context.Context, req sdk.ConfigureRequest) (http.Handler, error) {
	var c struct {
		Word   string `json:"word"`
		Reject bool   `json:"reject"`
	}
	if err := req.DecodeConfig(&c); err != nil {
		return nil, err
	}
	if c.Reject {
		return nil, fmt.Errorf("word %q rejected on purpose", c.Word)
	}
	return p.handler(c.Word), nil
}

func (p *probe) CheckHealth(context.Context) sdk.Health {
	if p.unhealthy.Load() {
		return sdk.Health{Status: sdk.HealthError, Message: "asked to be unhealthy"}
	}
	return sdk.Health{Status: sdk.HealthOK}
}

func (p *probe) handler(word string) http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("/word", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, word)
	})
	m.HandleFunc("/env", func(w http.ResponseWriter, r *http.Request) {
		var keys []string
		for _, kv := range os.Environ() {
			keys = append(keys, strings.SplitN(kv, "=", 2)[0])
		}
		fmt.Fprint(w, strings.Join(keys, "\n"))
	})
	m.HandleFunc("/getenv", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, os.Getenv(r.URL.Query().Get("name")))
	})
	m.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("probe panic") })
	m.HandleFunc("/exit", func(http.ResponseWriter, *http.Request) { os.Exit(3) })
	m.HandleFunc("/sleep", func(w http.ResponseWriter, r *http.Request) {
		d := time.Minute
		if ms, err := strconv.Atoi(r.URL.Query().Get("ms")); err == nil {
			d = time.Duration(ms) * time.Millisecond
		}
		select {
		case <-time.After(d):
			fmt.Fprint(w, "slept")
		case <-r.Context().Done():
		}
	})
	m.HandleFunc("/log", func(w http.ResponseWriter, r *http.Request) {
		slog.Warn(r.URL.Query().Get("msg"), "detail", r.URL.Query().Get("detail"))
	})
	m.HandleFunc("/unhealthy", func(w http.ResponseWriter, r *http.Request) { p.unhealthy.Store(true) })
	m.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", r.URL.Query().Get("to"))
		w.WriteHeader(http.StatusFound)
	})
	m.HandleFunc("POST /sum", func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			sdk.WriteError(w, http.StatusBadRequest, "Could not read the body.", err.Error())
			return
		}
		fmt.Fprintf(w, "%d %x", n, h.Sum(nil))
	})
	m.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Path", r.URL.Path)
		w.Header().Set("X-Query", r.URL.RawQuery)
		w.Header().Set("X-Method", r.Method)
		buf := make([]byte, 0, 1024)
		tmp := make([]byte, 32*1024)
		for {
			n, err := r.Body.Read(tmp)
			buf = append(buf, tmp[:n]...)
			if err != nil {
				break
			}
		}
		w.WriteHeader(201)
		w.Write(buf)
	})
	return m
}

// New returns the probe plugin.
func New() sdk.Plugin { return &probe{} }
