// Package listcache keeps recent answers per user and query, and turns
// identical concurrent requests of one user into one upstream call.
//
// Users are told apart by a keyed hash of their credential (UserKey), never
// by the credential itself, and every cache and coalescing key starts with
// it: two users never share an entry or an upstream call. Entries live for a
// short TTL in a bounded LRU (hashicorp/golang-lru/v2); in-flight
// calls are coalesced with golang.org/x/sync/singleflight. Invalidate drops a
// user's entries after they change something, and also detaches them from
// calls already in flight, so an answer fetched before the change is never
// served after it.
package listcache
