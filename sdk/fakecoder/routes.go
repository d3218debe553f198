package fakecoder

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"
)

func (s *Server) routes(r *mux.Router) {
	get, post := http.MethodGet, http.MethodPost

	// Static assets and the web UI stand-ins.
	r.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("OK")) }).Methods(get, http.MethodHead)
	r.HandleFunc("/emojis/{file}", s.serveAsset("emojis")).Methods(get, http.MethodHead)
	r.HandleFunc("/icon/{file}", s.serveAsset("icon")).Methods(get, http.MethodHead)
	r.HandleFunc("/login", s.loginPage).Methods(get, post)

	// OAuth2 provider.
	r.HandleFunc("/.well-known/oauth-authorization-server", s.authorizationServerMetadata).Methods(get)
	r.HandleFunc("/.well-known/oauth-protected-resource", s.protectedResourceMetadata).Methods(get)
	r.HandleFunc("/oauth2/authorize", s.oauth2(s.authorize)).Methods(get, post)
	r.HandleFunc("/oauth2/tokens", s.oauth2(s.tokens)).Methods(post)
	r.HandleFunc("/oauth2/tokens", s.oauth2(s.authed(s.deleteTokens))).Methods(http.MethodDelete)
	r.HandleFunc("/oauth2/revoke", s.oauth2(s.revoke))

	hello := func(w http.ResponseWriter, _ *http.Request) { writeResponse(w, http.StatusOK, "👋") }
	r.HandleFunc("/api/v2", hello).Methods(get)
	api := r.PathPrefix("/api/v2").Subrouter()
	api.NotFoundHandler = http.HandlerFunc(s.notFound)
	api.HandleFunc("/", hello).Methods(get)
	api.HandleFunc("/buildinfo", s.buildInfo).Methods(get)
	api.HandleFunc("/users/authmethods", s.authMethods).Methods(get)
	api.HandleFunc("/applications/host", s.authed(func(w http.ResponseWriter, _ *http.Request, _ actor) {
		writeJSON(w, http.StatusOK, map[string]string{"host": ""})
	})).Methods(get)

	api.HandleFunc("/users/{user}", s.authed(s.getUser)).Methods(get)
	api.HandleFunc("/users/{user}/organizations", s.authed(s.userOrganizations)).Methods(get)
	api.HandleFunc("/users/{user}/organizations/{organizationname}", s.authed(s.userOrganizationByName)).Methods(get)
	api.HandleFunc("/users/{user}/workspace/{workspacename}", s.authed(s.workspaceByOwnerAndName)).Methods(get)
	api.HandleFunc("/users/{user}/workspace/{workspacename}/builds/{buildnumber}", s.authed(s.buildByOwnerNameNumber)).Methods(get)
	api.HandleFunc("/users/{user}/workspaces", s.authed(s.postUserWorkspaces)).Methods(post)

	api.HandleFunc("/organizations", s.authed(s.organizations)).Methods(get)
	api.HandleFunc("/organizations/{organization}", s.authed(s.organization)).Methods(get)
	api.HandleFunc("/organizations/{organization}/templates", s.authed(s.orgTemplates)).Methods(get)
	api.HandleFunc("/organizations/{organization}/templates/{templatename}", s.authed(s.orgTemplateByName)).Methods(get)
	api.HandleFunc("/organizations/{organization}/members/{user}/workspaces", s.authed(s.postOrgMemberWorkspaces)).Methods(post)

	api.HandleFunc("/templates", s.authed(s.allTemplates)).Methods(get)
	api.HandleFunc("/templates/{template}", s.authed(s.templateByID)).Methods(get)
	api.HandleFunc("/templates/{template}/versions", s.authed(s.templateVersions)).Methods(get)
	api.HandleFunc("/templateversions/{templateversion}", s.authed(s.templateVersion)).Methods(get)
	api.HandleFunc("/templateversions/{templateversion}/rich-parameters", s.authed(s.richParameters)).Methods(get)
	api.HandleFunc("/templateversions/{templateversion}/presets", s.authed(s.presets)).Methods(get)

	api.HandleFunc("/workspaces", s.authed(s.listWorkspaces)).Methods(get)
	api.HandleFunc("/workspaces/{workspace}", s.authed(s.getWorkspace)).Methods(get)
	api.HandleFunc("/workspaces/{workspace}/builds", s.authed(s.workspaceBuilds)).Methods(get)
	api.HandleFunc("/workspaces/{workspace}/builds", s.authed(s.postWorkspaceBuild)).Methods(post)
	api.HandleFunc("/workspaces/{workspace}/favorite", s.authed(s.setFavorite(true))).Methods(http.MethodPut)
	api.HandleFunc("/workspaces/{workspace}/favorite", s.authed(s.setFavorite(false))).Methods(http.MethodDelete)
	api.HandleFunc("/workspacebuilds/{workspacebuild}", s.authed(s.getBuild)).Methods(get)
	api.HandleFunc("/workspacebuilds/{workspacebuild}/parameters", s.authed(s.buildParameters)).Methods(get)
	api.HandleFunc("/workspacebuilds/{workspacebuild}/cancel", s.authed(s.cancelBuild)).Methods(http.MethodPatch)

	api.HandleFunc("/oauth2-provider/apps", s.oauth2(s.authed(s.listApps))).Methods(get)
	api.HandleFunc("/oauth2-provider/apps/{app}", s.oauth2(s.authed(s.getApp))).Methods(get)
}

// ---- path parameters -------------------------------------------------------

// Each resolver runs with s.mu held and writes the error response itself.

func (s *Server) uuidParam(w http.ResponseWriter, r *http.Request, name string) (string, bool) {
	raw := mux.Vars(r)[name]
	id, err := parseUUID(raw)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, Response{Message: fmt.Sprintf("Invalid UUID %q.", raw), Detail: err.Error()})
		return "", false
	}
	return id, true
}

// userParam resolves {user}: "me", a UUID or a username.
func (s *Server) userParamLocked(w http.ResponseWriter, r *http.Request, a actor) (*user, bool) {
	q := mux.Vars(r)["user"]
	if q == "me" {
		return a.user, true
	}
	// An unknown UUID is refused like an unknown name (Coder answers 400
	// for any failed lookup).
	var u *user
	if id, err := parseUUID(q); err == nil {
		u = s.st.userByID(id)
	} else {
		u = s.st.userByName(q)
	}
	if u == nil {
		writeJSON(w, http.StatusBadRequest, Response{Message: msgUserParam, Detail: fmt.Sprintf("queried user=%q", q)})
		return nil, false
	}
	return u, true
}

func (s *Server) canReadOrg(a actor, o *org) bool {
	return a.user.isOwner() || slices.Contains(a.user.orgIDs, o.id)
}

// orgParam resolves {organization}: a UUID, a name or "default".
func (s *Server) orgParamLocked(w http.ResponseWriter, r *http.Request, a actor) (*org, bool) {
	q := mux.Vars(r)["organization"]
	var o *org
	switch id, err := parseUUID(q); {
	case q == "default":
		o = s.st.defaultOrg()
	case err == nil:
		o = s.st.orgByID(id)
	default:
		o = s.st.orgByName(q)
	}
	if o == nil || !s.canReadOrg(a, o) {
		writeNotFound(w)
		return nil, false
	}
	return o, true
}

func (s *Server) canReadWorkspace(a actor, ws *workspace) bool {
	return a.user.isOwner() || ws.ownerID == a.user.id
}

func (s *Server) workspaceParamLocked(w http.ResponseWriter, r *http.Request, a actor) (*workspace, bool) {
	id, ok := s.uuidParam(w, r, "workspace")
	if !ok {
		return nil, false
	}
	ws := s.st.workspaceByID(id)
	if ws == nil || !s.canReadWorkspace(a, ws) {
		writeNotFound(w)
		return nil, false
	}
	return ws, true
}

func (s *Server) templateParamLocked(w http.ResponseWriter, r *http.Request, a actor) (*template, bool) {
	id, ok := s.uuidParam(w, r, "template")
	if !ok {
		return nil, false
	}
	t := s.st.templateByID(id)
	if t == nil || !s.canReadOrg(a, s.st.orgByID(t.orgID)) {
		writeNotFound(w)
		return nil, false
	}
	return t, true
}

func (s *Server) versionParamLocked(w http.ResponseWriter, r *http.Request, a actor) (*templateVersion, bool) {
	id, ok := s.uuidParam(w, r, "templateversion")
	if !ok {
		return nil, false
	}
	v := s.st.versions[id]
	if v == nil || !s.canReadOrg(a, s.st.orgByID(v.orgID)) {
		writeNotFound(w)
		return nil, false
	}
	return v, true
}

func (s *Server) buildParamLocked(w http.ResponseWriter, r *http.Request, a actor) (*build, bool) {
	id, ok := s.uuidParam(w, r, "workspacebuild")
	if !ok {
		return nil, false
	}
	b := s.st.builds[id]
	if b == nil || !s.canReadWorkspace(a, s.st.workspaceByID(b.workspaceID)) {
		writeNotFound(w)
		return nil, false
	}
	return b, true
}

// ---- meta, users, organizations --------------------------------------------

func (s *Server) buildInfo(w http.ResponseWriter, r *http.Request) {
	access := s.accessURL(r)
	s.mu.Lock()
	version, deploymentID := s.st.version, s.st.deploymentID
	s.mu.Unlock()
	commit := "43e67d12e278"
	if _, sha, ok := strings.Cut(version, "+"); ok {
		commit = sha
	}
	writeJSON(w, http.StatusOK, BuildInfo{
		ExternalURL:           "https://github.com/coder/coder/commit/" + commit,
		Version:               version,
		DashboardURL:          access,
		AgentAPIVersion:       "2.6",
		ProvisionerAPIVersion: "1.10",
		DeploymentID:          deploymentID,
	})
}

func (s *Server) authMethods(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"password": map[string]bool{"enabled": true},
		"github":   map[string]bool{"enabled": false, "default_provider_configured": false},
		"oidc":     map[string]any{"enabled": false, "signInText": "", "iconUrl": ""},
	})
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.userParamLocked(w, r, a)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.convertUser(u))
}

func (s *Server) visibleOrgsLocked(a actor, of *user) []Organization {
	out := []Organization{}
	for _, o := range s.st.orgs {
		if slices.Contains(of.orgIDs, o.id) && s.canReadOrg(a, o) {
			out = append(out, convertOrg(o))
		}
	}
	return out
}

func (s *Server) userOrganizations(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.userParamLocked(w, r, a)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.visibleOrgsLocked(a, u))
}

func (s *Server) userOrganizationByName(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.userParamLocked(w, r, a)
	if !ok {
		return
	}
	name := mux.Vars(r)["organizationname"]
	o := s.st.orgByName(name)
	if name == "default" {
		o = s.st.defaultOrg()
	}
	if o == nil || !slices.Contains(u.orgIDs, o.id) || !s.canReadOrg(a, o) {
		writeNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, convertOrg(o))
}

func (s *Server) organizations(w http.ResponseWriter, _ *http.Request, a actor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Organization{}
	for _, o := range s.st.orgs {
		if s.canReadOrg(a, o) {
			out = append(out, convertOrg(o))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) organization(w http.ResponseWriter, r *http.Request, a actor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orgParamLocked(w, r, a)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, convertOrg(o))
}
