package coderauth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"

	"github.com/coderhost/coderhost/sdk/coder"
)

// RotationGrace is how long the result of a refresh is handed to further
// requests that still present the refresh token it replaced.
const RotationGrace = 30 * time.Second

// Options configure a Client.
type Options struct {
	// Coder reaches the deployment (no token needed).
	Coder                  *coder.Client
	ClientID, ClientSecret string
	// RedirectURL is the callback URL registered with the Coder app.
	RedirectURL string
	// AuthURL overrides where browsers are sent to authorize (default
	// <coder URL>/oauth2/authorize), for deployments whose browser-facing
	// URL differs from the one this plugin uses.
	AuthURL string
	// PKCE adds an S256 code challenge to every sign-in.
	PKCE bool
}

// Client talks OAuth2 to Coder.
type Client struct {
	coder    *coder.Client
	conf     *oauth2.Config
	pkce     bool
	group    singleflight.Group
	recent   *expirable.LRU[[sha256.Size]byte, *oauth2.Token]
	clientID string
}

// New returns a Client.
func New(o Options) *Client {
	conf := o.Coder.OAuth2Config(o.ClientID, o.ClientSecret, o.RedirectURL)
	if o.AuthURL != "" {
		conf.Endpoint.AuthURL = o.AuthURL
	}
	return &Client{
		coder: o.Coder, conf: conf, pkce: o.PKCE, clientID: o.ClientID,
		recent: expirable.NewLRU[[sha256.Size]byte, *oauth2.Token](4096, nil, RotationGrace),
	}
}

// PKCE reports whether sign-ins use a code challenge.
func (c *Client) PKCE() bool { return c.pkce }

// NewVerifier returns a fresh PKCE code verifier.
func NewVerifier() string { return oauth2.GenerateVerifier() }

// AuthCodeURL is Coder's authorize URL for state. Coder ignores scopes but
// accepts them; verifier is "" without PKCE.
func (c *Client) AuthCodeURL(state, scope, verifier string) string {
	var opts []oauth2.AuthCodeOption
	if scope != "" {
		opts = append(opts, oauth2.SetAuthURLParam("scope", scope))
	}
	if verifier != "" {
		opts = append(opts, oauth2.S256ChallengeOption(verifier))
	}
	return c.conf.AuthCodeURL(state, opts...)
}

// Exchange trades an authorization code for tokens.
func (c *Client) Exchange(ctx context.Context, code, verifier string) (*oauth2.Token, error) {
	var opts []oauth2.AuthCodeOption
	if verifier != "" {
		opts = append(opts, oauth2.VerifierOption(verifier))
	}
	tok, err := c.conf.Exchange(c.coder.OAuth2Context(ctx), code, opts...)
	if err != nil {
		return nil, fmt.Errorf("failed to obtain access token: %w", describe(err))
	}
	return tok, nil
}

// Refresh uses the refresh grant. The returned token carries Coder's new
// refresh token.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	key := sha256.Sum256([]byte(refreshToken))
	if tok, ok := c.recent.Get(key); ok {
		return tok, nil
	}
	v, err, _ := c.group.Do(string(key[:]), func() (any, error) {
		// The upstream call must not end with the first caller's request.
		ctx := context.WithoutCancel(ctx)
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		tok, err := c.conf.TokenSource(c.coder.OAuth2Context(ctx), &oauth2.Token{RefreshToken: refreshToken}).Token()
		if err != nil {
			return nil, err
		}
		c.recent.Add(key, tok)
		return tok, nil
	})
	if err != nil {
		return nil, fmt.Errorf("refresh grant: %w", describe(err))
	}
	return v.(*oauth2.Token), nil
}

// Profile fetches the user an access token belongs to.
func (c *Client) Profile(ctx context.Context, accessToken string) (coder.User, error) {
	u, err := c.coder.WithToken(accessToken).Me(ctx)
	if err != nil {
		return coder.User{}, fmt.Errorf("failed to fetch Coder user profile: %w", err)
	}
	return u, nil
}

// Revoke revokes a refresh or access token at Coder; revoking a refresh
// token also ends its access token.
func (c *Client) Revoke(ctx context.Context, token string) error {
	return c.coder.RevokeToken(ctx, c.clientID, token)
}

// ExpiresIn is how many seconds tok stays valid. Coder always sends
// expires_in; when a server does not, an hour makes the frontend refresh
// rather than keep a token of unknown lifetime.
func ExpiresIn(tok *oauth2.Token, now time.Time) int64 {
	if tok.ExpiresIn > 0 {
		return tok.ExpiresIn
	}
	if !tok.Expiry.IsZero() {
		return max(int64(tok.Expiry.Sub(now).Round(time.Second)/time.Second), 0)
	}
	return 3600
}

// describe turns an OAuth2 error answer into "invalid_grant: The refresh
// token is invalid or expired" without the raw body.
func describe(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		msg := re.ErrorCode
		if re.ErrorDescription != "" {
			msg += ": " + re.ErrorDescription
		}
		if msg == "" && re.Response != nil {
			msg = re.Response.Status
		}
		return &UpstreamError{Status: statusOf(re), Message: msg}
	}
	return err
}

func statusOf(re *oauth2.RetrieveError) int {
	if re.Response == nil {
		return 0
	}
	return re.Response.StatusCode
}

// UpstreamError is Coder's OAuth2 error answer.
type UpstreamError struct {
	Status  int
	Message string
}

func (e *UpstreamError) Error() string {
	return fmt.Sprintf("Coder answered %d: %s", e.Status, e.Message)
}
