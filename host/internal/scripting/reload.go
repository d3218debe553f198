package scripting

import (
	"context"
	"crypto/sha256"
	"os"
	"time"
)

// Reload re-reads every loaded script and recompiles those whose content
// changed. A file that no longer reads or compiles keeps its previous
// version serving; its problem is logged with its position and returned in
// a *LoadError. Unchanged files keep their warm runtimes.
func (e *Engine) Reload(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	cur := e.set.Load()
	if cur == nil {
		return nil
	}
	next := &scriptSet{byName: map[string]*compiled{}, byHook: map[string][]*compiled{}}
	var problems []Problem
	changed := false
	for _, c := range cur.list {
		nc := c
		if err := ctx.Err(); err != nil {
			return err
		}
		data, st, err := readScript(c.script.File)
		switch {
		case err != nil:
			problems = append(problems, Problem{Script: c.script.Name, File: c.script.File, Message: err.Error()})
		case sha256.Sum256(data) != c.hash:
			fresh, ps := e.compile(c.script, data, st, true)
			if ps != nil {
				problems = append(problems, ps...)
				break
			}
			nc, changed = fresh, true
			e.log.Info("script reloaded", "script", c.script.Name, "file", c.script.File)
		}
		next.list = append(next.list, nc)
		next.byName[nc.script.Name] = nc
		next.byHook[nc.script.Hook] = append(next.byHook[nc.script.Hook], nc)
	}
	if changed {
		e.set.Store(next)
	}
	for _, p := range problems {
		e.log.Error("script not reloaded; the previous version keeps serving",
			"script", p.Script, "file", p.File, "line", p.Line, "column", p.Column, "error", p.Message)
	}
	if len(problems) > 0 {
		return &LoadError{Problems: problems}
	}
	return nil
}

// Watch polls the loaded files every interval (default 1s) until ctx ends.
// A file whose size or modification time changed is hashed, and Reload runs
// when some content differs from what is loaded; Reload logs any problem.
func (e *Engine) Watch(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = time.Second
	}
	seen := map[string]fileStat{}
	if set := e.set.Load(); set != nil {
		for _, c := range set.list {
			seen[c.script.File] = c.stat
		}
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		set := e.set.Load()
		if set == nil {
			continue
		}
		reload := false
		for _, c := range set.list {
			var st fileStat
			if fi, err := os.Stat(c.script.File); err == nil {
				st = fileStat{size: fi.Size(), mtime: fi.ModTime()}
			}
			if prev, ok := seen[c.script.File]; ok && prev.same(st) {
				continue
			}
			seen[c.script.File] = st
			data, err := os.ReadFile(c.script.File)
			if err != nil || sha256.Sum256(data) != c.hash {
				reload = true
			}
		}
		if reload {
			_ = e.Reload(ctx) // problems are logged by Reload
		}
	}
}

func (s fileStat) same(o fileStat) bool { return s.size == o.size && s.mtime.Equal(o.mtime) }
