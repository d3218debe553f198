// Package statuswriter records what an http.ResponseWriter sent, for access
// logs and metrics: the status code, the number of body bytes, and whether
// the response reached the client at all. The host's middleware and the
// in-memory Coder's request log share it.
package statuswriter

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"time"
)

// Writer wraps an http.ResponseWriter and records the status and body size.
// It keeps http.Flusher, http.Hijacker and http.ResponseController working.
type Writer struct {
	http.ResponseWriter
	status   int
	bytes    int64
	err      error     // the first write or flush that failed
	onWire   bool      // the status line is known to have left the host
	deadline time.Time // the write deadline last set through the writer
}

// Wrap returns w as a *Writer, reusing w when it already is one so nested
// middleware records into the same value.
func Wrap(w http.ResponseWriter) *Writer {
	if sw, ok := w.(*Writer); ok {
		return sw
	}
	return &Writer{ResponseWriter: w}
}

// Status is the status the handler has written so far, or 0 when it has
// written none. Whether it reached the client is Result's business.
func (w *Writer) Status() int { return w.status }

// Bytes is the number of body bytes the connection accepted.
func (w *Writer) Bytes() int64 { return w.bytes }

// WriteHeader records the first status and passes it on.
func (w *Writer) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// bufferedHead is more than net/http keeps buffered before it writes a
// response's status line to the connection (2 KiB before it picks chunked
// encoding, then a 4 KiB connection buffer). Once more body than this was
// accepted, the status line has left, even if a later write fails.
const bufferedHead = 8 << 10

// Write records an implicit 200 and counts the bytes written.
func (w *Writer) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	if err != nil {
		w.fail(err)
	} else if w.bytes > bufferedHead {
		w.onWire = true
	}
	return n, err
}

func (w *Writer) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// Flush passes a flush on when the underlying writer supports it.
func (w *Writer) Flush() { _ = w.FlushError() }

// FlushError flushes through http.ResponseController, so a client that went
// away is seen and recorded.
func (w *Writer) FlushError() error {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	err := http.NewResponseController(w.ResponseWriter).Flush()
	switch {
	case errors.Is(err, http.ErrNotSupported):
	case err != nil:
		w.fail(err)
	default:
		w.onWire = true
	}
	return err
}

// SetWriteDeadline passes the deadline on and remembers it: a response still
// unsent when it passes never reaches the client.
func (w *Writer) SetWriteDeadline(t time.Time) error {
	err := http.NewResponseController(w.ResponseWriter).SetWriteDeadline(t)
	if err == nil {
		w.deadline = t
	}
	return err
}

// Hijack passes a hijack on when the underlying writer supports it.
func (w *Writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := w.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("hijack not supported")
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Result is what reached the client.
type Result struct {
	// Status is the status line the client got, or 0 when it got none.
	Status int
	// Bytes is the number of body bytes the connection accepted.
	Bytes int64
	// Incomplete says why the client did not get the whole response:
	// "client gone", "write timeout" or "aborted"; "" when it did.
	Incomplete string
}

// Why a response is incomplete.
const (
	ClientGone   = "client gone"
	WriteTimeout = "write timeout"
	Aborted      = "aborted"
)

// Result reports what the client got, once the handler has returned. ctx is
// the request's context; panicked is the value the handler panicked with,
// or nil (any panic that reaches the server aborts the connection).
func (w *Writer) Result(ctx context.Context, panicked any) Result {
	if panicked == nil && w.err == nil && !w.deadline.IsZero() && time.Now().After(w.deadline) {
		// What is still buffered cannot go out after the deadline: find
		// out rather than report it sent.
		_ = w.FlushError()
	}
	res := Result{Bytes: w.bytes}
	partial := func(why string) Result {
		if w.onWire {
			res.Status = w.status
		}
		res.Incomplete = why
		return res
	}
	switch {
	case panicked != nil:
		return partial(Aborted)
	case w.err != nil && errors.Is(w.err, os.ErrDeadlineExceeded):
		return partial(WriteTimeout)
	case w.err != nil:
		return partial(ClientGone)
	case w.status == 0 && ctx.Err() != nil:
		// The handler gave up on a client that left; net/http's implicit
		// 200 has nobody to go to.
		return partial(ClientGone)
	case w.status == 0:
		res.Status = http.StatusOK
	default:
		res.Status = w.status
	}
	return res
}
