package fakecoder

import (
	htmltemplate "html/template"
	"net/http"
	"strings"
)

// Minimal stand-ins for the pages of Coder's web UI that an integration
// sends browsers to: sign-in, OAuth2 consent, and everything else (workspace
// pages, "Open in Coder" links), which the real deployment serves from its
// single-page app with status 200.

var pages = htmltemplate.Must(htmltemplate.New("").Parse(`
{{define "head"}}<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{.Title}} - Coder</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}
button{font-size:1rem;padding:.4rem 1rem;margin:.2rem 0}code{background:#eee;padding:0 .2rem}</style></head><body>
<p><img src="/icon/coder.svg" alt="" width="32" height="32"> <strong>Coder</strong> (in-memory test deployment)</p>{{end}}

{{define "page"}}{{template "head" .}}<h1>{{.Title}}</h1><p>This deployment only implements Coder's REST API and OAuth2 provider.
The web UI would show <code>{{.Path}}</code> here.</p></body></html>{{end}}

{{define "login"}}{{template "head" .}}<h1>Sign in</h1><p>Pick a user. This test deployment has no passwords.</p>
<form method="post" action="/login"><input type="hidden" name="redirect" value="{{.Redirect}}">
{{range .Users}}<div><button type="submit" name="username" value="{{.}}">Sign in as {{.}}</button></div>{{end}}</form></body></html>{{end}}

{{define "consent"}}{{template "head" .}}<h1>Authorize {{.App}}</h1>
<p>{{.App}} would like full access to your account, <strong>{{.User}}</strong>.</p>
<form method="post" action="{{.Action}}"><button type="submit">Allow</button></form>
<p><a href="{{.Cancel}}">Cancel</a></p></body></html>{{end}}

{{define "error"}}{{template "head" .}}<h1>{{.Title}}</h1><p>{{.Description}}</p>
{{if .Warnings}}<ul>{{range .Warnings}}<li>{{.}}</li>{{end}}</ul>{{end}}<p><a href="/">Back to site</a></p></body></html>{{end}}
`))

func renderPage(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, name, data)
}

func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	renderPage(w, http.StatusOK, "page", map[string]any{"Title": "Coder", "Path": r.URL.RequestURI()})
}

func (s *Server) renderError(w http.ResponseWriter, status int, title, description string, warnings []string) {
	renderPage(w, status, "error", map[string]any{"Title": title, "Description": description, "Warnings": warnings})
}

func (s *Server) renderConsent(w http.ResponseWriter, app, username, action, cancel string) {
	renderPage(w, http.StatusOK, "consent", map[string]any{
		"Title": "Authorize " + app, "App": app, "User": username, "Action": action, "Cancel": htmltemplate.URL(cancel),
	})
}

// loginPage signs a browser in as a seeded user by setting the session
// cookie, then sends it back where it came from.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	redirect := r.FormValue("redirect")
	if !strings.HasPrefix(redirect, "/") || strings.HasPrefix(redirect, "//") || strings.HasPrefix(redirect, "/\\") {
		redirect = "/"
	}
	if r.Method == http.MethodGet {
		s.mu.Lock()
		var users []string
		for _, u := range s.st.users {
			if u.status != "suspended" {
				users = append(users, u.username)
			}
		}
		s.mu.Unlock()
		renderPage(w, http.StatusOK, "login", map[string]any{"Title": "Sign in", "Redirect": redirect, "Users": users})
		return
	}
	token := s.Token(r.PostFormValue("username"))
	if token == "" {
		s.renderError(w, http.StatusBadRequest, "Sign in failed", "No such user.", nil)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "coder_session_token", Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, redirect, http.StatusSeeOther)
}
