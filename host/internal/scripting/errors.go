package scripting

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNoScript is returned by [Engine.Run] for an unknown hook, an unknown
// script name, or a hook no loaded script implements.
var ErrNoScript = errors.New("no such script")

// ScriptError is a failure of one script call: an uncaught exception, a
// deadline, a stack overflow or a result of the wrong shape. Line and Column
// are 1-based and 0 when no position applies (a bad result).
type ScriptError struct {
	Script, File string
	Line, Column int
	Message      string
	// Stack is the JavaScript stack, innermost frame first, one
	// "at fn (file:line:col)" per line.
	Stack string

	cause error
}

func (e *ScriptError) Error() string {
	return position(e.File, e.Line, e.Column) + fmt.Sprintf("script %q: %s", e.Script, e.Message)
}

// Unwrap returns context.DeadlineExceeded or context.Canceled when the call
// was stopped by a deadline or its caller.
func (e *ScriptError) Unwrap() error { return e.cause }

// Problem is one thing wrong with a script file at load time.
type Problem struct {
	Script, File string
	Line, Column int
	Message      string
}

func (p Problem) String() string {
	s := position(p.File, p.Line, p.Column)
	if p.Script != "" {
		s += fmt.Sprintf("script %q: ", p.Script)
	}
	return s + p.Message
}

// LoadError lists every problem found by [Engine.Load], [Engine.Check] or
// [Engine.Reload], one "FILE:LINE:COL: message" per line.
type LoadError struct {
	Problems []Problem
}

func (e *LoadError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

func position(file string, line, col int) string {
	switch {
	case file == "":
		return ""
	case line <= 0:
		return file + ": "
	default:
		return fmt.Sprintf("%s:%d:%d: ", file, line, col)
	}
}
