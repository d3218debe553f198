package scripting

import (
	"context"
	"fmt"
)

// pool holds the runtimes of one compiled script: up to size idle ones kept
// warm, and at most size+overflow alive at once. A caller that finds none
// idle and no room to create one waits for a runtime or its context.
type pool struct {
	create func() (*vm, error)
	idle   chan *vm
	slots  chan struct{} // one token per live runtime
}

func newPool(create func() (*vm, error), size, overflow int) *pool {
	return &pool{
		create: create,
		idle:   make(chan *vm, size),
		slots:  make(chan struct{}, size+overflow),
	}
}

// add puts a freshly created runtime into the pool (pre-warming).
func (p *pool) add(v *vm) {
	p.slots <- struct{}{}
	p.idle <- v
}

func (p *pool) get(ctx context.Context) (*vm, error) {
	select {
	case v := <-p.idle:
		return v, nil
	default:
	}
	select {
	case v := <-p.idle:
		return v, nil
	case p.slots <- struct{}{}:
		v, err := p.create()
		if err != nil {
			<-p.slots
			return nil, fmt.Errorf("starting a runtime: %w", err)
		}
		return v, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a free runtime: %w", ctx.Err())
	}
}

// put returns a runtime after a call. A broken runtime is dropped and a
// fresh one takes its place, so the pool stays warm; a runtime beyond the
// idle capacity (an overflow one) is dropped.
func (p *pool) put(v *vm, broken bool) {
	if broken {
		<-p.slots
		p.refill()
		return
	}
	select {
	case p.idle <- v:
	default:
		<-p.slots
	}
}

func (p *pool) refill() {
	select {
	case p.slots <- struct{}{}:
	default:
		return
	}
	v, err := p.create()
	if err != nil {
		<-p.slots
		return
	}
	select {
	case p.idle <- v:
	default:
		<-p.slots
	}
}
