package realseed

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// api is a minimal Coder REST client for the admin calls the seed needs
// (first user, files, template versions, OAuth2 apps), which the typed
// client in sdk/coder deliberately leaves out.
type api struct {
	base  string
	token string
	hc    *http.Client
}

// APIError is a non-2xx answer from Coder.
type APIError struct {
	Method, Path string
	Status       int
	Message      string
	Detail       string
	Validations  []struct{ Field, Detail string }
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	for _, v := range e.Validations {
		s += fmt.Sprintf(" [%s: %s]", v.Field, v.Detail)
	}
	return s
}

func (a api) as(token string) api { a.token = token; return a }

// call sends body as JSON (or raw bytes with the given content type when
// body is a rawBody) and decodes a 2xx answer into out.
func (a api) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case rawBody:
		rd, ctype = bytes.NewReader(b.data), b.contentType
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		rd, ctype = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if a.token != "" {
		req.Header.Set("Coder-Session-Token", a.token)
	}
	hc := a.hc
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		e := &APIError{Method: method, Path: path, Status: resp.StatusCode}
		if json.Unmarshal(data, e) != nil || e.Message == "" {
			e.Message = strings.TrimSpace(string(data))
		}
		return e
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decoding %q: %w", method, path, truncate(data, 200), err)
		}
	}
	return nil
}

type rawBody struct {
	contentType string
	data        []byte
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// job is the part of a provisioner job the seed waits on.
type job struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Error  string `json:"error"`
}

func (j job) done() bool {
	switch j.Status {
	case "succeeded", "failed", "canceled":
		return true
	}
	return false
}

// poll calls get every interval until it reports done or ctx ends.
func poll(ctx context.Context, what string, get func() (bool, error)) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		done, err := get()
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-tick.C:
		}
	}
}
