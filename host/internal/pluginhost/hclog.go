package pluginhost

import (
	"context"
	"io"
	"log"
	"log/slog"
	"strings"

	"github.com/hashicorp/go-hclog"
)

// slogAdapter feeds go-plugin's hclog output (including every log line a
// plugin writes to stderr) into the host's slog logger, tagged with the
// plugin id and with known secret values masked.
type slogAdapter struct {
	l      *slog.Logger
	name   string
	args   []any
	redact *strings.Replacer
}

func newHCLogAdapter(l *slog.Logger, name string, redact *strings.Replacer) hclog.Logger {
	return &slogAdapter{l: l, name: name, redact: redact}
}

var levels = map[hclog.Level]slog.Level{
	hclog.Trace: slog.LevelDebug - 4,
	hclog.Debug: slog.LevelDebug,
	hclog.Info:  slog.LevelInfo,
	hclog.Warn:  slog.LevelWarn,
	hclog.Error: slog.LevelError,
}

func (a *slogAdapter) Log(level hclog.Level, msg string, args ...interface{}) {
	lvl, ok := levels[level]
	if !ok {
		lvl = slog.LevelInfo
	}
	if !a.l.Enabled(context.Background(), lvl) {
		return
	}
	all := make([]any, 0, len(a.args)+len(args)+2)
	if a.name != "" {
		all = append(all, "plugin", a.name)
	}
	all = append(all, a.args...)
	for i := 0; i+1 < len(args); i += 2 {
		k, _ := args[i].(string)
		switch {
		case k == "timestamp":
			// The plugin's own timestamp duplicates the host's.
			continue
		case k == "plugin" && a.name != "":
			// go-plugin names the binary under "plugin"; the id already
			// holds that key.
			all = append(all, "path", args[i+1])
			continue
		}
		all = append(all, args[i], args[i+1])
	}
	if a.redact != nil {
		msg = a.redact.Replace(msg)
		for i, v := range all {
			if s, ok := v.(string); ok {
				all[i] = a.redact.Replace(s)
			}
		}
	}
	a.l.Log(context.Background(), lvl, msg, all...)
}

func (a *slogAdapter) Trace(msg string, args ...interface{}) { a.Log(hclog.Trace, msg, args...) }
func (a *slogAdapter) Debug(msg string, args ...interface{}) { a.Log(hclog.Debug, msg, args...) }
func (a *slogAdapter) Info(msg string, args ...interface{})  { a.Log(hclog.Info, msg, args...) }
func (a *slogAdapter) Warn(msg string, args ...interface{})  { a.Log(hclog.Warn, msg, args...) }
func (a *slogAdapter) Error(msg string, args ...interface{}) { a.Log(hclog.Error, msg, args...) }

func (a *slogAdapter) enabled(l hclog.Level) bool {
	return a.l.Enabled(context.Background(), levels[l])
}
func (a *slogAdapter) IsTrace() bool { return a.enabled(hclog.Trace) }
func (a *slogAdapter) IsDebug() bool { return a.enabled(hclog.Debug) }
func (a *slogAdapter) IsInfo() bool  { return a.enabled(hclog.Info) }
func (a *slogAdapter) IsWarn() bool  { return a.enabled(hclog.Warn) }
func (a *slogAdapter) IsError() bool { return a.enabled(hclog.Error) }

func (a *slogAdapter) ImpliedArgs() []interface{} { return a.args }

func (a *slogAdapter) With(args ...interface{}) hclog.Logger {
	c := *a
	c.args = append(append([]any{}, a.args...), args...)
	return &c
}

func (a *slogAdapter) Name() string { return a.name }

// Named keeps the plugin id as the only name: go-plugin names its
// sub-loggers after the binary, which says less than the id.
func (a *slogAdapter) Named(string) hclog.Logger { return a }

// ResetNamed: see Named.
func (a *slogAdapter) ResetNamed(string) hclog.Logger { return a }

func (a *slogAdapter) SetLevel(hclog.Level) {}

func (a *slogAdapter) GetLevel() hclog.Level {
	for _, l := range []hclog.Level{hclog.Trace, hclog.Debug, hclog.Info, hclog.Warn} {
		if a.enabled(l) {
			return l
		}
	}
	return hclog.Error
}

func (a *slogAdapter) StandardLogger(opts *hclog.StandardLoggerOptions) *log.Logger {
	return log.New(a.StandardWriter(opts), "", 0)
}

func (a *slogAdapter) StandardWriter(*hclog.StandardLoggerOptions) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		a.Info(strings.TrimRight(string(p), "\n"))
		return len(p), nil
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
