package backstage

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Cookie lifetimes and limits from Backstage's OAuthCookieManager.
const (
	// NonceMaxAge is how long a sign-in may take between start and callback.
	NonceMaxAge = 10 * time.Minute
	// DefaultSessionDuration is the refresh cookie's lifetime when the
	// provider configures none: 1000 days.
	DefaultSessionDuration = 1000 * 24 * time.Hour
	// MaxCookieChars is the longest value written as one cookie; longer
	// values are split into <name>-0, <name>-1, ... of this many characters.
	MaxCookieChars = 4000
)

// Cookies reads and writes a provider's cookies with the names, paths,
// lifetimes and flags Backstage's OAuthCookieManager uses:
//
//	<provider>-nonce          path <cookie path>/handler, 10 minutes
//	<provider>-refresh-token  path <cookie path>, the session duration, chunked above 4000 characters
//
// The cookie path is the callback URL's path without its trailing
// /handler/frame. Every cookie is HttpOnly, Secure when the callback URL is
// https, and SameSite=Lax, or None when the app's host name differs from the
// callback's and the callback is https. Values are encoded with
// encodeURIComponent, as Express does.
type Cookies struct {
	provider      string
	callback      *url.URL
	defaultOrigin string
	maxAge        time.Duration
	now           func() time.Time
}

// NewCookies returns the cookie manager for provider. callback is the
// provider's callback URL as browsers see it; defaultAppOrigin is used when a
// request names no app origin; sessionDuration <= 0 means the default.
func NewCookies(provider string, callback *url.URL, defaultAppOrigin string, sessionDuration time.Duration) *Cookies {
	if sessionDuration <= 0 {
		sessionDuration = DefaultSessionDuration
	}
	return &Cookies{provider: provider, callback: callback, defaultOrigin: defaultAppOrigin, maxAge: sessionDuration, now: time.Now}
}

// Names of the provider's cookies.
func (c *Cookies) nonceName() string    { return c.provider + "-nonce" }
func (c *Cookies) refreshName() string  { return c.provider + "-refresh-token" }
func (c *Cookies) verifierName() string { return c.provider + "-code-verifier" }

// Path is the path the refresh cookie is scoped to.
func (c *Cookies) Path() string {
	p := c.callback.Path
	if strings.HasSuffix(p, c.provider+"/handler/frame") {
		return strings.TrimSuffix(p, "/handler/frame")
	}
	return p + "/" + c.provider
}

type cookieOptions struct {
	path     string
	secure   bool
	sameSite http.SameSite
}

func (c *Cookies) options(origin, pathSuffix string) cookieOptions {
	if origin == "" {
		origin = c.defaultOrigin
	}
	secure := c.callback.Scheme == "https"
	sameSite := http.SameSiteLaxMode
	if u, err := url.Parse(origin); err == nil && u.Hostname() != c.callback.Hostname() && secure {
		sameSite = http.SameSiteNoneMode
	}
	return cookieOptions{path: c.Path() + pathSuffix, secure: secure, sameSite: sameSite}
}

func (c *Cookies) write(w http.ResponseWriter, name, value string, maxAge time.Duration, o cookieOptions, domain string) {
	ck := &http.Cookie{
		Name: name, Value: EncodeURIComponent(value), Path: o.path, Domain: domain,
		HttpOnly: true, Secure: o.secure, SameSite: o.sameSite,
	}
	if maxAge > 0 {
		ck.MaxAge = int(maxAge / time.Second)
		ck.Expires = c.now().Add(maxAge)
	} else {
		ck.MaxAge = -1 // Max-Age=0
		ck.Expires = c.now()
	}
	http.SetCookie(w, ck)
}

func (c *Cookies) clear(w http.ResponseWriter, name string, o cookieOptions) {
	c.write(w, name, "", 0, o, "")
}

// set writes value under name, chunking it above MaxCookieChars and clearing
// whichever format the request still carries.
func (c *Cookies) set(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration, origin, pathSuffix string) {
	opts := c.options(origin, pathSuffix)
	removeOpts := c.options("", "")
	// Backstage first clears a stale cookie set with an explicit Domain,
	// which once caused redirect loops.
	if host := c.callback.Hostname(); host != "" && !isIPv6(host) {
		c.write(w, name, "", 0, removeOpts, host)
	}
	if len(value) > MaxCookieChars {
		if cookieValue(r, name) != "" {
			c.clear(w, name, removeOpts)
		}
		for i := 0; i*MaxCookieChars < len(value); i++ {
			chunk := value[i*MaxCookieChars : min((i+1)*MaxCookieChars, len(value))]
			c.write(w, chunkName(name, i), chunk, maxAge, opts, "")
		}
		return
	}
	if cookieValue(r, chunkName(name, 0)) != "" {
		for i := 0; cookieValue(r, chunkName(name, i)) != ""; i++ {
			c.clear(w, chunkName(name, i), removeOpts)
		}
	}
	c.write(w, name, value, maxAge, opts, "")
}

// get reads name, joining chunks when the chunked form is present.
func (c *Cookies) get(r *http.Request, name string) string {
	if cookieValue(r, chunkName(name, 0)) == "" {
		return cookieValue(r, name)
	}
	var b strings.Builder
	for i := 0; ; i++ {
		v := cookieValue(r, chunkName(name, i))
		if v == "" {
			return b.String()
		}
		b.WriteString(v)
	}
}

func (c *Cookies) remove(w http.ResponseWriter, r *http.Request, name, origin string) {
	opts := c.options(origin, "")
	if cookieValue(r, chunkName(name, 0)) == "" {
		c.clear(w, name, opts)
		return
	}
	if cookieValue(r, name) != "" {
		c.clear(w, name, opts)
	}
	for i := 0; cookieValue(r, chunkName(name, i)) != ""; i++ {
		c.clear(w, chunkName(name, i), opts)
	}
}

// SetNonce writes the nonce cookie for a sign-in started from origin.
func (c *Cookies) SetNonce(w http.ResponseWriter, r *http.Request, nonce, origin string) {
	c.set(w, r, c.nonceName(), nonce, NonceMaxAge, origin, "/handler")
}

// Nonce reads the nonce cookie.
func (c *Cookies) Nonce(r *http.Request) string { return c.get(r, c.nonceName()) }

// SetVerifier writes the PKCE code verifier next to the nonce: it must stay
// secret, so it cannot travel in the state.
func (c *Cookies) SetVerifier(w http.ResponseWriter, r *http.Request, verifier, origin string) {
	c.set(w, r, c.verifierName(), verifier, NonceMaxAge, origin, "/handler")
}

// Verifier reads the PKCE code verifier cookie.
func (c *Cookies) Verifier(r *http.Request) string { return c.get(r, c.verifierName()) }

// RemoveVerifier clears the PKCE code verifier once it has been used.
func (c *Cookies) RemoveVerifier(w http.ResponseWriter, origin string) {
	c.clear(w, c.verifierName(), c.options(origin, "/handler"))
}

// SetRefreshToken writes the refresh token cookie.
func (c *Cookies) SetRefreshToken(w http.ResponseWriter, r *http.Request, token, origin string) {
	c.set(w, r, c.refreshName(), token, c.maxAge, origin, "")
}

// RefreshToken reads the refresh token cookie, chunked or not.
func (c *Cookies) RefreshToken(r *http.Request) string { return c.get(r, c.refreshName()) }

// RemoveRefreshToken clears the refresh token cookie in every form the
// request carries.
func (c *Cookies) RemoveRefreshToken(w http.ResponseWriter, r *http.Request, origin string) {
	c.remove(w, r, c.refreshName(), origin)
}

func chunkName(name string, i int) string { return name + "-" + strconv.Itoa(i) }

// cookieValue reads a cookie the way cookie-parser does: URI-decoded when
// that works, raw otherwise.
func cookieValue(r *http.Request, name string) string {
	ck, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	if !strings.Contains(ck.Value, "%") {
		return ck.Value
	}
	if v, err := url.PathUnescape(ck.Value); err == nil {
		return v
	}
	return ck.Value
}

// isIPv6 reports whether host is an IPv6 literal, which cannot be a cookie
// domain.
func isIPv6(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.To4() == nil
}
