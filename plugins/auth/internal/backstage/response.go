package backstage

// ClientAuthResponse is the session JSON the frontend OAuth2 class consumes
// from the callback page and from refresh.
type ClientAuthResponse struct {
	Profile           Profile            `json:"profile"`
	ProviderInfo      ProviderInfo       `json:"providerInfo"`
	BackstageIdentity *BackstageIdentity `json:"backstageIdentity,omitempty"`
}

// Profile is what the frontend shows of the signed-in user.
type Profile struct {
	Email       string `json:"email,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Picture     string `json:"picture,omitempty"`
}

// ProviderInfo carries the upstream access token. ExpiresInSeconds is always
// sent: old frontends computed an invalid expiry date without it.
type ProviderInfo struct {
	AccessToken      string `json:"accessToken"`
	IDToken          string `json:"idToken,omitempty"`
	Scope            string `json:"scope"`
	ExpiresInSeconds int64  `json:"expiresInSeconds"`
}

// BackstageIdentity is the signed-in Backstage user: present only when a
// sign-in resolver ran.
type BackstageIdentity struct {
	Token            string   `json:"token"`
	ExpiresInSeconds int64    `json:"expiresInSeconds,omitempty"`
	Identity         Identity `json:"identity"`
}

// Identity is the user entity and the entities it owns through.
type Identity struct {
	Type                string   `json:"type"`
	UserEntityRef       string   `json:"userEntityRef"`
	OwnershipEntityRefs []string `json:"ownershipEntityRefs"`
}
