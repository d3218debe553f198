package sdk

import (
	"io"
	"log/slog"
	"strings"
	"time"
)

// newLogger writes JSON lines in the shape go-plugin forwards into the
// host's log at the same level, tagged with the plugin's id.
func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level:       slog.LevelDebug,
		ReplaceAttr: hclogAttrs,
	}))
}

// hclogAttrs renames slog's built-in keys to the ones go-plugin parses.
func hclogAttrs(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 {
		return a
	}
	switch a.Key {
	case slog.TimeKey:
		a.Key = "@timestamp"
		if t, ok := a.Value.Any().(time.Time); ok {
			// go-plugin only parses this exact layout (hclog's).
			a.Value = slog.StringValue(t.Format("2006-01-02T15:04:05.000000Z07:00"))
		}
	case slog.MessageKey:
		a.Key = "@message"
	case slog.LevelKey:
		a.Key = "@level"
		if l, ok := a.Value.Any().(slog.Level); ok {
			a.Value = slog.StringValue(strings.ToLower(levelName(l)))
		}
	}
	return a
}

func levelName(l slog.Level) string {
	switch {
	case l < slog.LevelDebug:
		return "trace"
	case l < slog.LevelInfo:
		return "debug"
	case l < slog.LevelWarn:
		return "info"
	case l < slog.LevelError:
		return "warn"
	default:
		return "error"
	}
}
