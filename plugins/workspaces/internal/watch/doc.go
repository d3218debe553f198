// Package watch runs one poller per user and query, however many streams
// watch it, and fans its results out to them.
//
// A poller starts with its first subscriber and stops (its goroutine
// returns) when the last one leaves. It polls fast while the list is busy
// (a build pending, an agent connecting) and slowly otherwise, backs off on
// errors, and can be poked to poll at once, for example right after the
// user started a build. Subscribers receive the latest result at once and
// then every change; a slow subscriber only ever misses intermediate states,
// never the latest one. The number of streams per user is bounded.
package watch
