package watch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrTooManyStreams is returned by Subscribe when the user already has the
// maximum number of streams open.
var ErrTooManyStreams = errors.New("too many open streams for this user")

// Snapshot is the outcome of one successful poll.
type Snapshot struct {
	// Data is the payload sent to subscribers; a poll whose Data equals the
	// previous one sends nothing.
	Data []byte
	// Busy asks for the next poll after Options.Interval instead of
	// Options.IdleInterval.
	Busy bool
}

// PollFunc polls once. ctx is cancelled when the poller stops.
type PollFunc func(ctx context.Context) (Snapshot, error)

// Event is what a subscriber receives: new data, or an error.
type Event struct {
	Data []byte
	Err  error
	// Final marks the last event: the poller has stopped (Options.Fatal
	// said the error will not go away) and the stream should end.
	Final bool
}

// Options tune a Hub.
type Options struct {
	// Interval is the wait between polls while the data is busy (default 5s).
	Interval time.Duration
	// IdleInterval is the wait between polls otherwise (default 30s), and
	// the longest wait after errors.
	IdleInterval time.Duration
	// MaxStreamsPerUser bounds the subscriptions of one user (0: no bound).
	MaxStreamsPerUser int
	// Fatal reports errors that end the poller and its streams, such as an
	// expired credential. Other errors are retried with backoff.
	Fatal func(error) bool
}

// Hub holds the pollers. It is safe for concurrent use.
type Hub struct {
	opts    Options
	mu      sync.Mutex
	pollers map[string]*poller
	streams map[string]int // open subscriptions per user
}

// NewHub returns a hub with no pollers.
func NewHub(o Options) *Hub {
	if o.Interval <= 0 {
		o.Interval = 5 * time.Second
	}
	if o.IdleInterval <= 0 {
		o.IdleInterval = 30 * time.Second
	}
	if o.Fatal == nil {
		o.Fatal = func(error) bool { return false }
	}
	return &Hub{opts: o, pollers: map[string]*poller{}, streams: map[string]int{}}
}

type poller struct {
	hub    *Hub
	key    string
	user   string
	poll   PollFunc
	cancel context.CancelFunc
	poke   chan struct{}
	done   chan struct{}

	// Guarded by hub.mu.
	subs map[*Subscription]struct{}
	last *Event
}

// Subscription is one stream's view of a poller.
type Subscription struct {
	ch   chan Event
	p    *poller
	once sync.Once
}

// Events delivers the latest event at once (when the poller has one) and
// then every new one.
func (s *Subscription) Events() <-chan Event { return s.ch }

// Subscribe attaches a stream of user to the poller for key, starting it
// with poll when there is none. key must identify both the user and what
// is polled: subscribers of one key share one poller and its results.
func (h *Hub) Subscribe(user, key string, poll PollFunc) (*Subscription, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if limit := h.opts.MaxStreamsPerUser; limit > 0 && h.streams[user] >= limit {
		return nil, fmt.Errorf("%w (%d)", ErrTooManyStreams, limit)
	}
	p := h.pollers[key]
	if p == nil {
		ctx, cancel := context.WithCancel(context.Background())
		p = &poller{
			hub: h, key: key, user: user, poll: poll, cancel: cancel,
			poke: make(chan struct{}, 1), done: make(chan struct{}),
			subs: map[*Subscription]struct{}{},
		}
		h.pollers[key] = p
		go p.run(ctx)
	}
	s := &Subscription{ch: make(chan Event, 1), p: p}
	p.subs[s] = struct{}{}
	h.streams[user]++
	if p.last != nil {
		s.ch <- *p.last
	}
	return s, nil
}

// Close detaches the subscription. Closing the last subscription of a
// poller stops it and waits for its goroutine to return.
func (s *Subscription) Close() {
	s.once.Do(func() {
		p := s.p
		h := p.hub
		h.mu.Lock()
		delete(p.subs, s)
		if h.streams[p.user]--; h.streams[p.user] <= 0 {
			delete(h.streams, p.user)
		}
		stop := len(p.subs) == 0
		if stop && h.pollers[p.key] == p {
			delete(h.pollers, p.key)
		}
		h.mu.Unlock()
		if stop {
			p.cancel()
			<-p.done
		}
	})
}

// Poke makes every poller of user poll now instead of waiting.
func (h *Hub) Poke(user string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.pollers {
		if p.user == user {
			select {
			case p.poke <- struct{}{}:
			default:
			}
		}
	}
}

// Pollers is the number of running pollers.
func (h *Hub) Pollers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.pollers)
}

// Streams is the number of open subscriptions of user.
func (h *Hub) Streams(user string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.streams[user]
}

// broadcast records ev as the latest event and hands it to every
// subscriber, replacing an event a slow subscriber has not read yet.
func (h *Hub) broadcast(p *poller, ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p.last = &ev
	for s := range p.subs {
		select {
		case s.ch <- ev:
		default:
			select {
			case <-s.ch:
			default:
			}
			s.ch <- ev
		}
	}
}

func (p *poller) run(ctx context.Context) {
	defer close(p.done)
	h := p.hub
	var (
		lastData []byte
		lastErr  string
		failures int
	)
	for {
		snap, err := p.poll(ctx)
		if ctx.Err() != nil {
			return
		}
		var wait time.Duration
		switch {
		case err != nil && h.opts.Fatal(err):
			h.mu.Lock()
			if h.pollers[p.key] == p {
				delete(h.pollers, p.key) // new subscribers start afresh
			}
			h.mu.Unlock()
			h.broadcast(p, Event{Err: err, Final: true})
			return
		case err != nil:
			failures++
			if err.Error() != lastErr {
				lastErr = err.Error()
				h.broadcast(p, Event{Err: err})
			}
			lastData = nil // resend the data once the errors stop
			wait = min(h.opts.Interval<<min(failures-1, 10), h.opts.IdleInterval)
		default:
			failures, lastErr = 0, ""
			if lastData == nil || !bytes.Equal(snap.Data, lastData) {
				lastData = snap.Data
				h.broadcast(p, Event{Data: snap.Data})
			}
			wait = h.opts.IdleInterval
			if snap.Busy {
				wait = h.opts.Interval
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-p.poke:
			t.Stop()
		}
	}
}
