package templates

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/sync/singleflight"

	"github.com/coderhost/coderhost/sdk/coder"
)

// ErrNoToken is returned by [Source.List] when neither the configured
// service token nor the caller's token is there.
var ErrNoToken = errors.New("no Coder token to list templates with")

// Source lists an organization's templates and caches each token's answer
// for a TTL. Concurrent misses for one token share one Coder request.
type Source struct {
	coderURL string
	org      string
	token    string
	cache    *expirable.LRU[[sha256.Size]byte, []coder.Template]
	group    singleflight.Group
	opts     []coder.Option
}

// NewSource lists templates of org ("default" if empty) on the Coder
// deployment at coderURL, with token (may be empty: then callers must pass
// their own), caching answers for ttl.
func NewSource(coderURL, org, token string, ttl time.Duration, opts ...coder.Option) *Source {
	if org == "" {
		org = "default"
	}
	return &Source{
		coderURL: coderURL, org: org, token: token, opts: opts,
		// Few distinct tokens ask (the service token, a handful of users).
		cache: expirable.NewLRU[[sha256.Size]byte, []coder.Template](64, nil, ttl),
	}
}

// List returns the templates, with the service token if one is configured,
// else with callerToken. Coder's errors come back wrapped (use
// coder.IsUnauthorized and friends).
func (s *Source) List(ctx context.Context, callerToken string) ([]coder.Template, error) {
	token := s.token
	if token == "" {
		token = callerToken
	}
	if token == "" {
		return nil, ErrNoToken
	}
	// Tokens are keyed by hash so the cache holds no secret in the clear.
	key := sha256.Sum256([]byte(token))
	if ts, ok := s.cache.Get(key); ok {
		return ts, nil
	}
	v, err, _ := s.group.Do(string(key[:]), func() (any, error) {
		if ts, ok := s.cache.Get(key); ok {
			return ts, nil
		}
		c, err := coder.New(s.coderURL, append(s.opts, coder.WithSessionToken(token))...)
		if err != nil {
			return nil, err
		}
		// A caller that goes away must not fail the others sharing this call.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		ts, err := c.Templates(ctx, s.org)
		if err != nil {
			return nil, fmt.Errorf("list the templates of organization %q: %w", s.org, err)
		}
		s.cache.Add(key, ts)
		return ts, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]coder.Template), nil
}
