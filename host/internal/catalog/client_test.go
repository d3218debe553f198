package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const testToken = "s3cr3t-catalog-token"

// fakeBackstage serves the two catalog endpoints the client uses.
type fakeBackstage struct {
	t        *testing.T
	entities map[string]Entity // canonical ref → entity
	hits     atomic.Int64
	queries  chan string // raw query strings of by-query requests, if set
	gate     chan struct{}
	status   int // forced status, if set
	pageSize int
}

func (f *fakeBackstage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.hits.Add(1)
	if f.gate != nil {
		<-f.gate
	}
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":{"name":"AuthenticationError","message":"Missing credentials"}}`)
		return
	}
	if f.status != 0 {
		w.WriteHeader(f.status)
		fmt.Fprint(w, `{"error":{"name":"Error","message":"boom"}}`)
		return
	}
	const byName = "/api/catalog/entities/by-name/"
	switch {
	case strings.HasPrefix(r.URL.Path, byName):
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, byName), "/")
		if len(parts) != 3 {
			http.Error(w, "bad path", http.StatusBadRequest)
			return
		}
		e, ok := f.entities[Ref{parts[0], parts[1], parts[2]}.String()]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":{"name":"NotFoundError","message":"No entity named"}}`)
			return
		}
		json.NewEncoder(w).Encode(e)
	case r.URL.Path == "/api/catalog/entities/by-query":
		if f.queries != nil {
			f.queries <- r.URL.RawQuery
		}
		start := 0
		if c := r.URL.Query().Get("cursor"); c != "" {
			fmt.Sscan(c, &start)
		}
		var matches []Entity
		filter := r.URL.Query().Get("filter")
		if start > 0 {
			filter = "kind=user,spec.profile.email=paged@example.com"
		}
		var q UserQuery
		for _, stmt := range strings.Split(filter, ",") {
			k, v, _ := strings.Cut(stmt, "=")
			switch {
			case k == "spec.profile.email":
				q.Email = v
			case strings.HasPrefix(k, "metadata.annotations."):
				q.AnnotationKey, q.AnnotationValue = strings.TrimPrefix(k, "metadata.annotations."), v
			}
		}
		for _, e := range f.entities {
			if e.matchesUser(q) {
				matches = append(matches, e)
			}
		}
		sort.Slice(matches, func(i, j int) bool {
			a, _ := matches[i].Ref()
			b, _ := matches[j].Ref()
			return a.String() < b.String()
		})
		resp := map[string]any{"totalItems": len(matches), "pageInfo": map[string]any{}}
		if f.pageSize > 0 && len(matches) > start+f.pageSize {
			resp["pageInfo"] = map[string]any{"nextCursor": fmt.Sprint(start + f.pageSize)}
			matches = matches[start : start+f.pageSize]
		} else {
			matches = matches[min(start, len(matches)):]
		}
		resp["items"] = matches
		json.NewEncoder(w).Encode(resp)
	default:
		http.NotFound(w, r)
	}
}

func newFake(t *testing.T) (*fakeBackstage, *httptest.Server) {
	t.Helper()
	f := &fakeBackstage{t: t, entities: map[string]Entity{}}
	for _, e := range loadTestdata(t).Entities() {
		r, _ := e.Ref()
		f.entities[r.String()] = e
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func TestClientGetEntity(t *testing.T) {
	f, srv := newFake(t)
	c := NewClient(srv.URL+"/", testToken)
	ctx := context.Background()
	e, err := c.GetEntity(ctx, "User:default/JDoe")
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := e.Ref(); r.String() != "user:default/jdoe" {
		t.Fatalf("got %v", r)
	}
	// Cached: same ref in another case does not hit the server again.
	if _, err := c.GetEntity(ctx, "user:jdoe"); err != nil {
		t.Fatal(err)
	}
	if n := f.hits.Load(); n != 1 {
		t.Errorf("server hits = %d, want 1 (cached)", n)
	}
	// Not found is an ErrNotFound, cached briefly.
	for i := 0; i < 3; i++ {
		if _, err := c.GetEntity(ctx, "user:default/ghost"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	}
	if n := f.hits.Load(); n != 2 {
		t.Errorf("server hits = %d, want 2 (negative result cached)", n)
	}
	if _, err := c.GetEntity(ctx, "jdoe"); err == nil {
		t.Error("a ref without kind must be rejected")
	}
}

func TestClientCacheExpiry(t *testing.T) {
	f, srv := newFake(t)
	now := time.Unix(1000, 0)
	c := NewClient(srv.URL, testToken, WithCacheTTL(time.Minute, time.Second))
	c.now = func() time.Time { return now }
	ctx := context.Background()
	c.GetEntity(ctx, "user:default/jdoe")
	c.GetEntity(ctx, "user:default/ghost")
	now = now.Add(2 * time.Second) // negative entry expired, positive not
	c.GetEntity(ctx, "user:default/jdoe")
	c.GetEntity(ctx, "user:default/ghost")
	if n := f.hits.Load(); n != 3 {
		t.Errorf("hits = %d, want 3", n)
	}
	now = now.Add(time.Minute)
	c.GetEntity(ctx, "user:default/jdoe")
	if n := f.hits.Load(); n != 4 {
		t.Errorf("hits = %d, want 4", n)
	}
}

func TestClientCacheBounded(t *testing.T) {
	_, srv := newFake(t)
	c := NewClient(srv.URL, testToken, WithCacheSize(2))
	for i := 0; i < 10; i++ {
		c.GetEntity(context.Background(), fmt.Sprintf("user:default/u%d", i))
	}
	if n := c.cache.len(); n != 2 {
		t.Errorf("cache size = %d, want 2", n)
	}
}

func TestClientSharesConcurrentLookups(t *testing.T) {
	f, srv := newFake(t)
	f.gate = make(chan struct{})
	c := NewClient(srv.URL, testToken)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.GetEntity(context.Background(), "user:default/jdoe")
			errs <- err
		}()
	}
	// Let all callers queue up behind the one request, then release it.
	for f.hits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(f.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := f.hits.Load(); n != 1 {
		t.Errorf("server hits = %d, want 1", n)
	}
}

func TestClientCallerContextAndTimeout(t *testing.T) {
	f, srv := newFake(t)
	f.gate = make(chan struct{})
	defer close(f.gate)
	c := NewClient(srv.URL, testToken, WithRequestTimeout(50*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := c.GetEntity(ctx, "user:default/jdoe"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("caller deadline: err = %v", err)
	}
	// A patient caller joins the same request and sees the request timeout.
	_, err := c.GetEntity(context.Background(), "user:default/jdoe")
	if err == nil || !strings.Contains(err.Error(), "no answer within 50ms") {
		t.Errorf("request timeout: err = %v", err)
	}
}

func TestClientErrorsNeverHoldTheToken(t *testing.T) {
	f, srv := newFake(t)
	ctx := context.Background()
	check := func(name string, err error, want string) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		if strings.Contains(err.Error(), testToken) {
			t.Errorf("%s: error leaks the token: %v", name, err)
		}
		if strings.Contains(err.Error(), "example.com") {
			t.Errorf("%s: error leaks the query: %v", name, err)
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %q does not mention %q", name, err, want)
		}
	}
	_, err := NewClient(srv.URL, "wrong-token").GetEntity(ctx, "user:default/jdoe")
	check("unauthorized", err, "externalAccess")

	f.status = http.StatusInternalServerError
	_, err = NewClient(srv.URL, testToken).FindUsers(ctx, UserQuery{Email: "bob@example.com"})
	check("server error", err, "500 Internal Server Error: boom")
	f.status = 0

	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	_, err = NewClient(dead.URL, testToken).FindUsers(ctx, UserQuery{Email: "bob@example.com"})
	check("connection refused", err, "catalog: GET /api/catalog/entities/by-query")
}

func TestClientFindUsers(t *testing.T) {
	f, srv := newFake(t)
	f.queries = make(chan string, 10)
	c := NewClient(srv.URL, testToken)
	ctx := context.Background()

	users, err := c.FindUsers(ctx, UserQuery{Email: "jane.doe+x@example.com"})
	if err != nil || len(users) != 0 {
		t.Fatalf("FindUsers = %v, %v", users, err)
	}
	if q := <-f.queries; q != "filter=kind=user,spec.profile.email=jane.doe%2Bx%40example.com&limit=100" {
		t.Errorf("query = %q", q)
	}
	users, err = c.FindUsers(ctx, UserQuery{AnnotationKey: "coder.com/user-id", AnnotationValue: "11111111-2222-3333-4444-555555555555"})
	if err != nil || len(users) != 1 {
		t.Fatalf("FindUsers by annotation = %v, %v", users, err)
	}
	if q := <-f.queries; q != "filter=kind=user,metadata.annotations.coder.com%2Fuser-id=11111111-2222-3333-4444-555555555555&limit=100" {
		t.Errorf("query = %q", q)
	}
	// Cached, case-insensitively.
	if _, err := c.FindUsers(ctx, UserQuery{AnnotationKey: "Coder.com/User-ID", AnnotationValue: "11111111-2222-3333-4444-555555555555"}); err != nil {
		t.Fatal(err)
	}
	if n := f.hits.Load(); n != 2 {
		t.Errorf("hits = %d, want 2", n)
	}
}

func TestClientFindUsersPages(t *testing.T) {
	f, srv := newFake(t)
	f.pageSize = 2
	for i := 0; i < 5; i++ {
		name := fmt.Sprintf("p%d", i)
		f.entities["user:default/"+name] = Entity{"kind": "User", "metadata": map[string]any{"name": name, "namespace": "default"},
			"spec": map[string]any{"profile": map[string]any{"email": "paged@example.com"}}}
	}
	users, err := NewClient(srv.URL, testToken).FindUsers(context.Background(), UserQuery{Email: "paged@example.com"})
	if err != nil || len(users) != 5 {
		t.Fatalf("got %d users, %v; want 5", len(users), err)
	}
	if n := f.hits.Load(); n != 3 {
		t.Errorf("hits = %d, want 3 pages", n)
	}
}
