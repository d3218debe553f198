package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/coderhost/coderhost/plugins/workspaces/internal/listcache"
	"github.com/coderhost/coderhost/plugins/workspaces/internal/watch"
	"github.com/coderhost/coderhost/sdk/coder"
)

// pollingCannotRecover reports Coder answers that repeating the same poll
// will not change: the token is bad or lacks permission, or the query is
// refused. Streams end with an error event on them.
func pollingCannotRecover(err error) bool {
	return coder.IsUnauthorized(err) || coder.IsForbidden(err) || coder.IsBadRequest(err)
}

// watch streams the entity's workspace list as Server-Sent Events:
//
//	event: workspaces   data: the list, as the list route answers it
//	event: error        data: {"status", "message", "detail"} (a Coder-shaped error)
//	event: ping         data: {} every heartbeat_interval
//
// The list is sent at once and then whenever it changes. All streams of one
// user with the same search share one poller.
func (h *handler) watch(w http.ResponseWriter, r *http.Request) {
	c, ok := h.caller(w, r)
	if !ok {
		return
	}
	p, ok := h.plan(w, r)
	if !ok {
		return
	}
	var (
		sub   *watch.Subscription
		first []byte
	)
	if p.query.Q != "" {
		// Fetch (or reuse) the list before answering, so that a refused
		// query or an unreachable Coder is an ordinary HTTP error.
		fetch := h.fetcher(c, p.query.Q)
		res, err := h.cache.Get(r.Context(), c.key, p.query.Q, fetch)
		if err != nil {
			if r.Context().Err() == nil {
				writeAPIError(w, h.fromCoder(err))
			}
			return
		}
		sub, err = h.subscribe(w, c, p, fetch)
		if err != nil {
			return
		}
		defer sub.Close()
		first, _ = json.Marshal(p.response(res.Value))
	} else {
		first, _ = json.Marshal(p.response(listing{}))
	}

	rc := http.NewResponseController(w)
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Accel-Buffering", "no") // nginx and friends must not buffer the stream
	w.WriteHeader(http.StatusOK)
	send := func(event string, data []byte) bool {
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send("workspaces", first) {
		return
	}
	var events <-chan watch.Event
	if sub != nil {
		events = sub.Events()
	}
	last := first
	heartbeat := time.NewTicker(h.cfg.settings.HeartbeatInterval)
	defer heartbeat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-heartbeat.C:
			if !send("ping", []byte("{}")) {
				return
			}
		case ev := <-events:
			if ev.Err == nil && string(ev.Data) == string(last) {
				continue // this stream has it already
			}
			if !h.sendEvent(send, ev) || ev.Final {
				return
			}
			if ev.Err == nil {
				last = ev.Data
			} else {
				last = nil
			}
		}
	}
}

// subscribe attaches the request to the poller of its user and search, or
// writes the 429 when the user has too many streams open.
func (h *handler) subscribe(w http.ResponseWriter, c caller, p searchPlan, fetch func(context.Context) (listing, error)) (*watch.Subscription, error) {
	// A new poller's first poll may use the list just fetched; later polls
	// always ask Coder (coalesced with identical requests).
	firstPoll := true
	poll := func(ctx context.Context) (watch.Snapshot, error) {
		get := h.cache.Refresh
		if firstPoll {
			get, firstPoll = h.cache.Get, false
		}
		res, err := get(ctx, c.key, p.query.Q, fetch)
		if err != nil {
			return watch.Snapshot{}, err
		}
		data, err := json.Marshal(p.response(res.Value))
		return watch.Snapshot{Data: data, Busy: res.Value.Busy}, err
	}
	sub, err := h.hub.Subscribe(c.key, c.key+"\x00"+p.query.Q, poll)
	if errors.Is(err, watch.ErrTooManyStreams) {
		writeAPIError(w, &apiError{Status: http.StatusTooManyRequests,
			Message: fmt.Sprintf("You have %d workspace streams open already.", h.cfg.settings.MaxStreamsPerUser),
			Detail:  "Close other tabs watching workspaces, or raise max_streams_per_user in the workspaces plugin's config block."})
	}
	return sub, err
}

// errAnswered means the error response has been written already.
var errAnswered = errors.New("answered")

// maxWait bounds a long poll, below the host's and proxies' usual timeouts.
const maxWait = 30 * time.Second

// longPoll implements ?version=<v>&wait=<duration> on the list route: when
// the list still has version v, the answer waits (at most wait, at most
// 30s) until the user's poller sees a change. It shares the watch stream's
// poller and limits, and works through proxies that buffer responses.
func (h *handler) longPoll(w http.ResponseWriter, r *http.Request, c caller, p searchPlan, fetch func(context.Context) (listing, error), res listcache.Result[listing]) (listcache.Result[listing], error) {
	q := r.URL.Query()
	since, raw := q.Get("version"), q.Get("wait")
	if raw == "" {
		return res, nil
	}
	wait, err := time.ParseDuration(raw)
	if err != nil || wait < 0 {
		writeAPIError(w, &apiError{Status: http.StatusBadRequest, Message: "Query parameters have invalid values.",
			Validations: []coder.ValidationError{{Field: "wait", Detail: fmt.Sprintf("%q is not a duration such as 25s", raw)}}})
		return res, errAnswered
	}
	if since == "" || since != res.Value.Version || wait == 0 {
		return res, nil
	}
	sub, err := h.subscribe(w, c, p, fetch)
	if err != nil {
		return res, errAnswered
	}
	defer sub.Close()
	timer := time.NewTimer(min(wait, maxWait))
	defer timer.Stop()
	for changed := false; !changed; {
		select {
		case <-r.Context().Done():
			return res, r.Context().Err()
		case <-timer.C:
			return res, nil
		case ev := <-sub.Events():
			if ev.Err != nil {
				if ev.Final {
					return res, ev.Err
				}
				continue
			}
			var v struct{ Version string }
			changed = json.Unmarshal(ev.Data, &v) == nil && v.Version != since
		}
	}
	return h.cache.Get(r.Context(), c.key, p.query.Q, fetch)
}

func (h *handler) sendEvent(send func(string, []byte) bool, ev watch.Event) bool {
	if ev.Err == nil {
		return send("workspaces", ev.Data)
	}
	e := h.fromCoder(ev.Err)
	data, _ := json.Marshal(struct {
		Status int `json:"status"`
		*apiError
	}{e.Status, e})
	return send("error", data)
}
