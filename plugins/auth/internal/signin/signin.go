package signin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/coderhost/coderhost/plugins/auth/internal/backstage"
	"github.com/coderhost/coderhost/sdk"
)

// Profile is the Coder user signing in, as GET /api/v2/users/me returns it
// and as signin scripts receive it.
type Profile struct {
	ID        string `json:"id"`
	Username  string `json:"username"`
	Name      string `json:"name,omitempty"`
	Email     string `json:"email"`
	AvatarURL string `json:"avatar_url,omitempty"`
	Roles     []Role `json:"roles"`
}

// Role is a Coder role on the user.
type Role struct {
	Name           string `json:"name"`
	DisplayName    string `json:"display_name"`
	OrganizationID string `json:"organization_id,omitempty"`
}

// Identity is who the user is in Backstage.
type Identity struct {
	UserEntityRef       string   `json:"userEntityRef"`
	OwnershipEntityRefs []string `json:"ownershipEntityRefs"`
}

// Resolver names.
const (
	UsernameMatchingUserEntityName       = "usernameMatchingUserEntityName"
	EmailMatchingUserEntityProfileEmail  = "emailMatchingUserEntityProfileEmail"
	EmailLocalPartMatchingUserEntityName = "emailLocalPartMatchingUserEntityName"
	Script                               = "script"
)

// Names lists the resolvers in the order the README documents them.
var Names = []string{UsernameMatchingUserEntityName, EmailMatchingUserEntityProfileEmail, EmailLocalPartMatchingUserEntityName, Script}

// Spec configures one resolver.
type Spec struct {
	Resolver string
	// AllowedDomains limits the email resolvers to these email domains
	// (case-insensitive); empty allows every domain.
	AllowedDomains []string
	// DangerouslyAllowSignInWithoutUserInCatalog signs a user the catalog
	// does not know in as user:default/<name> owning only itself.
	DangerouslyAllowSignInWithoutUserInCatalog bool
	// Hook (default "signin") or Script selects what the script resolver
	// runs: the hook's scripts in order, or one named script.
	Hook, Script string
}

// Chain is an ordered list of resolvers.
type Chain struct {
	specs []Spec
	host  sdk.Host
}

// New checks specs and returns the chain. Errors name the resolver and the
// option at fault.
func New(specs []Spec, host sdk.Host) (*Chain, error) {
	if len(specs) == 0 {
		return nil, errors.New("no resolver is configured")
	}
	out := make([]Spec, len(specs))
	for i, s := range specs {
		if !slices.Contains(Names, s.Resolver) {
			return nil, fmt.Errorf("resolver %q is not available; use one of %s", s.Resolver, strings.Join(Names, ", "))
		}
		if s.Resolver != Script && (s.Hook != "" || s.Script != "") {
			return nil, fmt.Errorf("resolver %q: hook and script apply only to the script resolver", s.Resolver)
		}
		if s.Resolver == UsernameMatchingUserEntityName && len(s.AllowedDomains) > 0 {
			return nil, fmt.Errorf("resolver %q: allowed_domains applies only to the email resolvers", s.Resolver)
		}
		if s.Resolver == Script {
			if len(s.AllowedDomains) > 0 || s.DangerouslyAllowSignInWithoutUserInCatalog {
				return nil, fmt.Errorf("resolver %q: allowed_domains and dangerously_allow_sign_in_without_user_in_catalog do not apply to scripts; a script decides itself", s.Resolver)
			}
			if s.Hook != "" && s.Script != "" {
				return nil, fmt.Errorf("resolver %q: set hook or script, not both", s.Resolver)
			}
			if s.Hook == "" && s.Script == "" {
				s.Hook = "signin"
			}
		}
		for _, d := range s.AllowedDomains {
			if d == "" || strings.Contains(d, "@") {
				return nil, fmt.Errorf("resolver %q: allowed_domains entry %q is not a domain (want e.g. example.com)", s.Resolver, d)
			}
		}
		out[i] = s
	}
	return &Chain{specs: out, host: host}, nil
}

// Resolve tries the resolvers in order. A resolver that does not find the
// user (a NotFoundError) passes to the next; any other error is returned as
// it is. Errors are *backstage.Error values whose name and message the
// frontend shows.
func (c *Chain) Resolve(ctx context.Context, p Profile) (Identity, error) {
	for _, s := range c.specs {
		id, err := c.resolve(ctx, s, p)
		if isNotFound(err) {
			continue
		}
		return id, err
	}
	return Identity{}, backstage.Errorf(backstage.GenericError,
		"Failed to sign-in, unable to resolve user identity. Please verify that your catalog contains the expected User "+
			"entities that would match your configured sign-in resolver. For non-production environments, manually provision "+
			"the user or disable the user provisioning requirement by setting the `dangerously_allow_sign_in_without_user_in_catalog` option.")
}

func isNotFound(err error) bool {
	var be *backstage.Error
	return errors.As(err, &be) && be.Name == backstage.NotFoundError
}

func (c *Chain) resolve(ctx context.Context, s Spec, p Profile) (Identity, error) {
	switch s.Resolver {
	case UsernameMatchingUserEntityName:
		if p.Username == "" {
			return Identity{}, backstage.Errorf(backstage.GenericError, "Coder profile is missing username")
		}
		return c.byName(ctx, p.Username, s)
	case EmailLocalPartMatchingUserEntityName:
		if p.Email == "" {
			return Identity{}, errNoEmail()
		}
		localPart, domain, _ := strings.Cut(p.Email, "@")
		if err := checkDomain(s, domain); err != nil {
			return Identity{}, err
		}
		return c.byName(ctx, localPart, s)
	case EmailMatchingUserEntityProfileEmail:
		if p.Email == "" {
			return Identity{}, errNoEmail()
		}
		_, domain, _ := strings.Cut(p.Email, "@")
		if err := checkDomain(s, domain); err != nil {
			return Identity{}, err
		}
		return c.byEmail(ctx, p.Email, s)
	default:
		return c.byScript(ctx, s, p)
	}
}

func errNoEmail() error {
	return backstage.Errorf(backstage.GenericError, "Login failed, user profile does not contain an email")
}

func checkDomain(s Spec, domain string) error {
	if len(s.AllowedDomains) == 0 {
		return nil
	}
	for _, d := range s.AllowedDomains {
		if strings.EqualFold(d, domain) {
			return nil
		}
	}
	return backstage.Errorf(backstage.NotAllowedError, "Sign-in user email is not from an allowed domain")
}

// byName signs in as user:default/<name>.
func (c *Chain) byName(ctx context.Context, name string, s Spec) (Identity, error) {
	ref := Ref{Kind: "user", Namespace: "default", Name: name}
	raw, err := c.host.GetEntity(ctx, ref.String())
	if errors.Is(err, sdk.ErrNotFound) {
		return fallback(ref, s)
	}
	if err != nil {
		return Identity{}, catalogError(err)
	}
	return fromEntity(raw)
}

var reEmail = regexp.MustCompile(`^([^@+]+)(\+[^@]+)?(@.*)$`)

// byEmail finds the User whose spec.profile.email is the email, then the
// one with its plus-addressing (joe+tag@acme.com) removed.
func (c *Chain) byEmail(ctx context.Context, email string, s Spec) (Identity, error) {
	id, err := c.findByEmail(ctx, email)
	if !isNotFound(err) {
		return id, err
	}
	m := reEmail.FindStringSubmatch(email)
	if m == nil {
		return Identity{}, err
	}
	noPlus := m[1] + m[3]
	id, err = c.findByEmail(ctx, noPlus)
	if isNotFound(err) {
		return fallback(Ref{Kind: "user", Namespace: "default", Name: noPlus}, s)
	}
	return id, err
}

func (c *Chain) findByEmail(ctx context.Context, email string) (Identity, error) {
	users, err := c.host.FindUsers(ctx, sdk.UserQuery{Email: email})
	switch {
	case err != nil:
		return Identity{}, catalogError(err)
	case len(users) > 1:
		return Identity{}, backstage.Errorf(backstage.ConflictError, "User lookup resulted in multiple matches")
	case len(users) == 0:
		return Identity{}, backstage.Errorf(backstage.NotFoundError, "User not found")
	}
	return fromEntity(users[0])
}

// fallback is Backstage's dangerousEntityRefFallback: without the option a
// missing user is not found; with it, the user signs in owning only itself.
func fallback(ref Ref, s Spec) (Identity, error) {
	if !s.DangerouslyAllowSignInWithoutUserInCatalog {
		return Identity{}, backstage.Errorf(backstage.NotFoundError, "User not found")
	}
	return Identity{UserEntityRef: ref.String(), OwnershipEntityRefs: []string{ref.String()}}, nil
}

func fromEntity(raw json.RawMessage) (Identity, error) {
	e, err := decodeEntity(raw)
	if err != nil {
		return Identity{}, err
	}
	return Identity{UserEntityRef: e.ref().String(), OwnershipEntityRefs: e.ownership()}, nil
}

func catalogError(err error) error {
	if errors.Is(err, sdk.ErrNotConfigured) {
		return backstage.Wrap(backstage.GenericError,
			"Sign-in needs the catalog, but the host has none: set backstage.backend_url or backstage.catalog_files", err)
	}
	return backstage.Wrap(backstage.GenericError, "Catalog lookup failed", err)
}

// byScript runs the signin hook (or one named script) on the profile.
func (c *Chain) byScript(ctx context.Context, s Spec, p Profile) (Identity, error) {
	var out struct {
		UserEntityRef       string   `json:"userEntityRef"`
		OwnershipEntityRefs []string `json:"ownershipEntityRefs"`
	}
	var err error
	what := fmt.Sprintf("hook %q", s.Hook)
	if s.Script != "" {
		what = fmt.Sprintf("script %q", s.Script)
		err = c.host.RunScript(ctx, s.Script, p, &out)
	} else {
		var ran string
		ran, err = c.host.RunHook(ctx, s.Hook, p, &out)
		if err == nil && ran != "" {
			what = fmt.Sprintf("script %q", ran)
		}
	}
	switch {
	case errors.Is(err, sdk.ErrNoResult):
		return Identity{}, backstage.Errorf(backstage.NotFoundError, "The %s returned null for this user", what)
	case errors.Is(err, sdk.ErrNoScript), errors.Is(err, sdk.ErrNotConfigured):
		return Identity{}, backstage.Wrap(backstage.GenericError,
			fmt.Sprintf("Sign-in is configured to run the %s, but the host has no such script", what), err)
	case err != nil:
		// A *sdk.ScriptError names the script and the position that failed.
		return Identity{}, backstage.Wrap(backstage.GenericError, "Sign-in script failed", err)
	}
	if out.UserEntityRef == "" {
		return Identity{}, backstage.Errorf(backstage.GenericError,
			"The %s returned no userEntityRef; a script returns null to pass the user to the next resolver", what)
	}
	ref, err := ParseRef(out.UserEntityRef, "", "")
	if err != nil {
		return Identity{}, backstage.Errorf(backstage.GenericError, "The %s returned an invalid userEntityRef: %v", what, err)
	}
	id := Identity{UserEntityRef: ref.String()}
	seen := map[string]bool{}
	for _, o := range out.OwnershipEntityRefs {
		r, err := ParseRef(o, "", "")
		if err != nil {
			return Identity{}, backstage.Errorf(backstage.GenericError, "The %s returned an invalid ownership ref: %v", what, err)
		}
		if !seen[r.String()] {
			seen[r.String()] = true
			id.OwnershipEntityRefs = append(id.OwnershipEntityRefs, r.String())
		}
	}
	if len(id.OwnershipEntityRefs) == 0 {
		id.OwnershipEntityRefs = []string{id.UserEntityRef}
	}
	return id, nil
}

// Ownership recomputes the default ownership of a user entity ref from the
// catalog: the user and its direct groups. It returns sdk.ErrNotFound
// (wrapped) when the catalog has no such entity.
func Ownership(ctx context.Context, host sdk.Host, userRef string) ([]string, error) {
	ref, err := ParseRef(userRef, "user", "default")
	if err != nil {
		return nil, err
	}
	raw, err := host.GetEntity(ctx, ref.String())
	if err != nil {
		return nil, err
	}
	e, err := decodeEntity(raw)
	if err != nil {
		return nil, err
	}
	return e.ownership(), nil
}
