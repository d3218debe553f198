package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Client reads a Backstage catalog over its REST API (/api/catalog).
//
// It authenticates with "Authorization: Bearer <token>": a static token from
// backend.auth.externalAccess in the Backstage app-config, restricted to the
// catalog plugin and catalog.entity.read. Results are cached in memory
// (found: [WithCacheTTL]'s positive TTL; not found: the shorter negative TTL;
// failures: not cached), concurrent identical lookups share one request, and
// every request has a timeout. Errors never include the token.
type Client struct {
	base    string
	token   string
	hc      *http.Client
	timeout time.Duration
	posTTL  time.Duration
	negTTL  time.Duration
	now     func() time.Time

	mu      sync.Mutex
	cache   *lru
	flights map[string]*flight
}

var _ Catalog = (*Client)(nil)

// ClientOption configures a [Client].
type ClientOption func(*Client)

// WithHTTPClient sets the HTTP client (default: a client without its own
// timeout; each request gets [WithRequestTimeout]).
func WithHTTPClient(hc *http.Client) ClientOption { return func(c *Client) { c.hc = hc } }

// WithRequestTimeout bounds each catalog request (default 5s). A caller that
// gives up earlier gets its own context error; the shared request carries on
// so that its result can still be cached.
func WithRequestTimeout(d time.Duration) ClientOption { return func(c *Client) { c.timeout = d } }

// WithCacheTTL sets how long found results (default 60s) and not-found
// results (default 5s) are kept. Zero disables that side of the cache.
func WithCacheTTL(found, notFound time.Duration) ClientOption {
	return func(c *Client) { c.posTTL, c.negTTL = found, notFound }
}

// WithCacheSize bounds the number of cached lookups (default 1024); the least
// recently used is evicted first.
func WithCacheSize(n int) ClientOption { return func(c *Client) { c.cache = newLRU(n) } }

// NewClient returns a client for the Backstage backend at baseURL (for
// example "http://localhost:7007"; the catalog is under /api/catalog). An
// empty token sends no Authorization header.
func NewClient(baseURL, token string, opts ...ClientOption) *Client {
	c := &Client{
		base:    strings.TrimRight(baseURL, "/"),
		token:   token,
		hc:      &http.Client{},
		timeout: 5 * time.Second,
		posTTL:  60 * time.Second,
		negTTL:  5 * time.Second,
		now:     time.Now,
		cache:   newLRU(1024),
		flights: map[string]*flight{},
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// GetEntity implements [Catalog] with
// GET /api/catalog/entities/by-name/{kind}/{namespace}/{name}.
func (c *Client) GetEntity(ctx context.Context, ref string) (Entity, error) {
	r, err := ParseRef(ref, "", DefaultNamespace)
	if err != nil {
		return nil, err
	}
	key := "e\x00" + r.String()
	v, err := c.lookup(ctx, key, func(ctx context.Context) (any, bool, error) {
		path := "/api/catalog/entities/by-name/" + encodeURIComponent(r.Kind) + "/" +
			encodeURIComponent(r.Namespace) + "/" + encodeURIComponent(r.Name)
		var e Entity
		if err := c.get(ctx, path, "", &e); err != nil {
			return nil, false, err
		}
		if e == nil {
			return nil, false, fmt.Errorf("catalog: GET %s: the response is not an entity", path)
		}
		return e, true, nil
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, r)
		}
		return nil, err
	}
	return v.(Entity), nil
}

// maxUserPages bounds how many pages of a user query are followed.
const maxUserPages = 10

// FindUsers implements [Catalog] with
// GET /api/catalog/entities/by-query?filter=kind=user,<field>=<value>,
// following pageInfo.nextCursor for up to 10 pages of 100.
func (c *Client) FindUsers(ctx context.Context, q UserQuery) ([]Entity, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	field, value := "spec.profile.email", q.Email
	if q.Email == "" {
		field, value = "metadata.annotations."+q.AnnotationKey, q.AnnotationValue
	}
	// The catalog's filter matching is case-insensitive, so is the cache key.
	key := "u\x00" + strings.ToLower(field) + "\x00" + strings.ToLower(value)
	v, err := c.lookup(ctx, key, func(ctx context.Context) (any, bool, error) {
		const path = "/api/catalog/entities/by-query"
		// Built like @backstage/catalog-client: key and value URI-encoded,
		// statements joined by raw commas.
		query := "filter=kind=user," + encodeURIComponent(field) + "=" + encodeURIComponent(value) + "&limit=100"
		items := []Entity{}
		for page := 0; page < maxUserPages; page++ {
			var resp struct {
				Items    []Entity `json:"items"`
				PageInfo struct {
					NextCursor string `json:"nextCursor"`
				} `json:"pageInfo"`
			}
			if err := c.get(ctx, path, query, &resp); err != nil {
				return nil, false, err
			}
			for _, e := range resp.Items {
				if e != nil {
					items = append(items, e)
				}
			}
			if resp.PageInfo.NextCursor == "" {
				break
			}
			query = "cursor=" + encodeURIComponent(resp.PageInfo.NextCursor)
		}
		return items, len(items) > 0, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]Entity), nil
}

// maxBody bounds a catalog response body.
const maxBody = 8 << 20

// get fetches path?query and decodes the JSON body into out. A 404 is
// ErrNotFound. Error messages name the path, never the query (it may hold an
// email address) nor the token.
func (c *Client) get(ctx context.Context, path, query string, out any) error {
	u := c.base + path
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("catalog: GET %s: %w", path, err)
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("catalog: GET %s: %w", path, unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return fmt.Errorf("catalog: GET %s: reading the response: %w", path, err)
	}
	if len(body) > maxBody {
		return fmt.Errorf("catalog: GET %s: response larger than %d bytes", path, maxBody)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return ErrNotFound
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("catalog: GET %s: %s%s (check the catalog token: Backstage must list it under backend.auth.externalAccess with access to the catalog plugin)",
			path, resp.Status, backstageMessage(body))
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("catalog: GET %s: %s%s", path, resp.Status, backstageMessage(body))
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("catalog: GET %s: decoding the response: %w", path, err)
	}
	return nil
}

// unwrapURLError drops *url.Error's "Get \"<url>\":" prefix: the path is
// already in our message and the query must stay out of it.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// backstageMessage extracts ": <message>" from a Backstage error body.
func backstageMessage(body []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		return ": " + truncate(e.Error.Message, 300)
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// lookup serves key from the cache, joins an identical lookup in flight, or
// starts fetch. fetch reports whether its result is positive (longer TTL).
// The shared fetch runs on a context detached from any one caller, bounded by
// the request timeout; each caller waits only as long as its own context.
func (c *Client) lookup(ctx context.Context, key string, fetch func(context.Context) (any, bool, error)) (any, error) {
	c.mu.Lock()
	if v, err, ok := c.cache.get(key, c.now()); ok {
		c.mu.Unlock()
		return v, err
	}
	f, ok := c.flights[key]
	if !ok {
		f = &flight{done: make(chan struct{})}
		c.flights[key] = f
		go c.run(context.WithoutCancel(ctx), key, f, fetch)
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *Client) run(ctx context.Context, key string, f *flight, fetch func(context.Context) (any, bool, error)) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	v, positive, err := fetch(ctx)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		err = fmt.Errorf("catalog: no answer within %s: %w", c.timeout, err)
	}
	f.val, f.err = v, err
	c.mu.Lock()
	delete(c.flights, key)
	switch {
	case err == nil && positive:
		c.cache.put(key, v, nil, c.now().Add(c.posTTL), c.posTTL > 0)
	case err == nil || errors.Is(err, ErrNotFound):
		c.cache.put(key, v, err, c.now().Add(c.negTTL), c.negTTL > 0)
	}
	c.mu.Unlock()
	close(f.done)
}

type flight struct {
	done chan struct{}
	val  any
	err  error
}

// encodeURIComponent escapes like JavaScript's encodeURIComponent, which is
// what Backstage's catalog client uses for path segments and filters.
func encodeURIComponent(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || strings.IndexByte("-_.!~*'()", ch) >= 0 {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&15])
	}
	return b.String()
}
