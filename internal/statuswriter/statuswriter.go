// Package statuswriter records what an http.ResponseWriter sent, for access
// logs and metrics: the status code and the number of body bytes. The host's
// middleware and the in-memory Coder's request log share it.
package statuswriter

import (
	"bufio"
	"errors"
	"net"
	"net/http"
)

// Writer wraps an http.ResponseWriter and records the status and body size.
// It keeps http.Flusher, http.Hijacker and http.ResponseController working.
type Writer struct {
	http.ResponseWriter
	status int
	bytes  int64
}

// Wrap returns w as a *Writer, reusing w when it already is one so nested
// middleware records into the same value.
func Wrap(w http.ResponseWriter) *Writer {
	if sw, ok := w.(*Writer); ok {
		return sw
	}
	return &Writer{ResponseWriter: w}
}

// Status is the status sent so far, or 0 when nothing was written.
func (w *Writer) Status() int { return w.status }

// Bytes is the number of body bytes written.
func (w *Writer) Bytes() int64 { return w.bytes }

// WriteHeader records the first status and passes it on.
func (w *Writer) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200 and counts the bytes written.
func (w *Writer) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Flush passes a flush on when the underlying writer supports it.
func (w *Writer) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
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
