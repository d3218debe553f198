package catalog

import (
	"container/list"
	"time"
)

// lru is a size-bounded cache of lookup results with per-entry expiry. It is
// not safe for concurrent use; Client guards it with its mutex.
type lru struct {
	max   int
	order *list.List // front = most recently used
	items map[string]*list.Element
}

type lruEntry struct {
	key     string
	val     any
	err     error
	expires time.Time
}

func newLRU(max int) *lru {
	if max <= 0 {
		max = 1
	}
	return &lru{max: max, order: list.New(), items: map[string]*list.Element{}}
}

func (c *lru) get(key string, now time.Time) (any, error, bool) {
	el, ok := c.items[key]
	if !ok {
		return nil, nil, false
	}
	e := el.Value.(*lruEntry)
	if !now.Before(e.expires) {
		c.order.Remove(el)
		delete(c.items, key)
		return nil, nil, false
	}
	c.order.MoveToFront(el)
	return e.val, e.err, true
}

func (c *lru) put(key string, val any, err error, expires time.Time, keep bool) {
	if el, ok := c.items[key]; ok {
		c.order.Remove(el)
		delete(c.items, key)
	}
	if !keep {
		return
	}
	c.items[key] = c.order.PushFront(&lruEntry{key: key, val: val, err: err, expires: expires})
	for c.order.Len() > c.max {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.items, old.Value.(*lruEntry).key)
	}
}

func (c *lru) len() int { return len(c.items) }
