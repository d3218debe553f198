// Package slowclient is a client for tests of slow request bodies: it
// declares a body and then sends it one byte at a time. The host's,
// the proxy's and the bridge's tests share it; nothing the daemon runs
// imports it.
package slowclient

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// Send writes method and requestURI to addr with the given extra header
// lines ("Name: value") and a declared body of size bytes, then sends one
// body byte every interval until the server answers or the body is
// complete. It returns the answer and how many body bytes were sent by
// then. The whole exchange is bounded by ten seconds.
func Send(addr, method, requestURI string, header []string, size int, interval time.Duration) (*http.Response, []byte, int, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, nil, 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: x\r\n", method, requestURI)
	for _, h := range header {
		head += h + "\r\n"
	}
	if _, err := fmt.Fprintf(c, "%sContent-Length: %d\r\n\r\n", head, size); err != nil {
		return nil, nil, 0, err
	}
	type answer struct {
		resp *http.Response
		body []byte
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			got <- answer{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		got <- answer{resp: resp, body: b}
	}()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for sent := 0; ; {
		select {
		case a := <-got:
			if a.err != nil {
				return nil, nil, sent, fmt.Errorf("no response after %d of %d body bytes: %w", sent, size, a.err)
			}
			return a.resp, a.body, sent, nil
		case <-tick.C:
			if sent < size {
				if _, err := c.Write([]byte("x")); err == nil {
					sent++
				}
			}
		}
	}
}
