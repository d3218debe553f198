package proxy

import (
	"crypto/tls"
	"net"
	"net/http"
	"time"
)

// NewTransport returns the transport New uses when Options.Transport is nil.
// It is shared by every request of one Proxy:
//
//   - one upstream host, so the idle pool per host is as large as the whole
//     pool (net/http's default of 2 idle connections per host would make most
//     concurrent requests dial a new connection);
//   - no proxy from HTTP_PROXY/HTTPS_PROXY: only the configured Coder
//     deployment is ever contacted, and session tokens never transit a
//     forward proxy by accident (pass a Transport to use one);
//   - no transparent compression: Backstage strips Accept-Encoding, so Coder
//     answers uncompressed and the body is streamed as is;
//   - HTTP/2 is used when a TLS upstream offers it;
//   - no response-header timeout of its own: Options.Timeout bounds the whole
//     exchange.
func NewTransport() *http.Transport {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    10 * time.Second,
		MaxIdleConns:           512,
		MaxIdleConnsPerHost:    512,
		IdleConnTimeout:        90 * time.Second,
		ExpectContinueTimeout:  time.Second,
		DisableCompression:     true,
		MaxResponseHeaderBytes: 1 << 20,
		WriteBufferSize:        16 << 10,
		ReadBufferSize:         16 << 10,
	}
}
