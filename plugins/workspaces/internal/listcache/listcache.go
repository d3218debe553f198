package listcache

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"
)

// Source says where an answer came from.
type Source string

// Sources of an answer.
const (
	// Fetched: this request made the upstream call.
	Fetched Source = "fetched"
	// Coalesced: another request of the same user made the call this one
	// waited for.
	Coalesced Source = "coalesced"
	// Cached: the answer was in memory, at most TTL old.
	Cached Source = "cached"
)

// Fresh reports whether the answer was fetched for this request (alone or
// together with identical concurrent ones), not served from memory.
func (s Source) Fresh() bool { return s != Cached }

// Result is an answer and how it was obtained.
type Result[V any] struct {
	Value     V
	FetchedAt time.Time
	Source    Source
}

// Options size a Cache.
type Options struct {
	// TTL is how long an answer is served from memory; 0 keeps nothing
	// (identical concurrent calls are still coalesced).
	TTL time.Duration
	// Size bounds the number of answers kept, and the number of users whose
	// invalidations are remembered (default 1000).
	Size int
}

// Cache is a per-user cache of values of type V. It is safe for concurrent
// use.
//
// It uses golang-lru's plain LRU and checks ages on read: the expirable
// variant starts a goroutine per cache that never exits, which would keep
// every configuration's cache alive after a reload.
type Cache[V any] struct {
	entries *lru.Cache[string, entry[V]]
	// gens holds the generation of each recently invalidated user; keys
	// embed it, so an invalidation makes older entries and calls in flight
	// unreachable. Generations come from one counter and only grow. A user
	// without a record is at floor, the highest generation evicted so far:
	// never below what they had, so forgetting a record cannot bring back
	// an answer from before their last invalidation.
	gens  *lru.Cache[string, uint64]
	mu    sync.Mutex // guards next and floor
	next  uint64
	floor uint64

	group singleflight.Group
	ttl   time.Duration
	now   func() time.Time
}

type entry[V any] struct {
	value     V
	fetchedAt time.Time
}

// New returns an empty cache.
func New[V any](o Options) *Cache[V] {
	if o.Size <= 0 {
		o.Size = 1000
	}
	c := &Cache[V]{ttl: o.TTL, now: time.Now}
	c.entries, _ = lru.New[string, entry[V]](o.Size)
	c.gens, _ = lru.NewWithEvict(o.Size, func(_ string, gen uint64) {
		c.mu.Lock()
		c.floor = max(c.floor, gen)
		c.mu.Unlock()
	})
	return c
}

func (c *Cache[V]) key(user, query string) string {
	gen, ok := c.gens.Get(user)
	if !ok {
		c.mu.Lock()
		gen = c.floor
		c.mu.Unlock()
	}
	return user + "\x00" + strconv.FormatUint(gen, 36) + "\x00" + query
}

// Get returns the user's answer for query: from memory when one younger than
// the TTL is there (an expired one is dropped), otherwise from fetch, coalesced with identical calls of
// the same user already in flight. Errors are not cached.
//
// fetch runs with a context that is not cancelled when the caller goes
// away, since other callers may be waiting for it; it must bound itself.
// ctx bounds only this caller's wait.
func (c *Cache[V]) Get(ctx context.Context, user, query string, fetch func(context.Context) (V, error)) (Result[V], error) {
	k := c.key(user, query)
	if e, ok := c.entries.Get(k); ok {
		if c.now().Sub(e.fetchedAt) < c.ttl {
			return Result[V]{Value: e.value, FetchedAt: e.fetchedAt, Source: Cached}, nil
		}
		c.entries.Remove(k)
	}
	return c.fetch(ctx, k, fetch)
}

// Refresh is Get without reading the cache: it always waits for an upstream
// call (its own or one already in flight) and stores the answer. Pollers use
// it.
func (c *Cache[V]) Refresh(ctx context.Context, user, query string, fetch func(context.Context) (V, error)) (Result[V], error) {
	return c.fetch(ctx, c.key(user, query), fetch)
}

type flight[V any] struct {
	value     V
	fetchedAt time.Time
}

func (c *Cache[V]) fetch(ctx context.Context, k string, fetch func(context.Context) (V, error)) (Result[V], error) {
	leader := false
	ch := c.group.DoChan(k, func() (any, error) {
		leader = true
		v, err := fetch(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		f := flight[V]{value: v, fetchedAt: c.now()}
		if c.ttl > 0 {
			c.entries.Add(k, entry[V]{value: v, fetchedAt: f.fetchedAt})
		}
		return f, nil
	})
	select {
	case <-ctx.Done():
		return Result[V]{}, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return Result[V]{}, r.Err
		}
		f := r.Val.(flight[V])
		src := Coalesced
		if leader {
			src = Fetched
		}
		return Result[V]{Value: f.value, FetchedAt: f.fetchedAt, Source: src}, nil
	}
}

// Invalidate forgets the user's answers and detaches later calls from
// calls already in flight: the next Get of that user goes upstream.
func (c *Cache[V]) Invalidate(user string) {
	c.mu.Lock()
	c.next = max(c.next, c.floor) + 1
	gen := c.next
	c.mu.Unlock()
	c.gens.Add(user, gen)
	prefix := user + "\x00"
	for _, k := range c.entries.Keys() {
		if strings.HasPrefix(k, prefix) {
			c.entries.Remove(k)
		}
	}
}

// Len is the number of answers held.
func (c *Cache[V]) Len() int { return c.entries.Len() }

// UserKeyer derives cache keys from credentials.
type UserKeyer struct{ secret []byte }

// NewUserKeyer returns a keyer with a random secret, so keys cannot be
// matched against precomputed hashes of tokens and mean nothing outside this
// process.
func NewUserKeyer() *UserKeyer {
	s := make([]byte, 32)
	_, _ = rand.Read(s)
	return &UserKeyer{secret: s}
}

// Key is an HMAC-SHA256 of the token, hex-encoded.
func (k *UserKeyer) Key(token string) string {
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}
