package coder_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/sdk/coder"
)

func newTestClient(t *testing.T, h http.Handler, opts ...coder.Option) *coder.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts = append([]coder.Option{coder.WithRetryPolicy(coder.NoRetries())}, opts...)
	c, err := coder.New(srv.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func answer(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

func TestErrorDecoding(t *testing.T) {
	const jsonCT = "application/json; charset=utf-8"
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		check       func(t *testing.T, e *coder.Error)
		is          func(error) bool
	}{
		{
			name:   "signed out",
			status: 401, contentType: jsonCT,
			body: `{"message":"You are signed out or your session has expired. Please sign in again to continue.","detail":"API key is invalid."}`,
			check: func(t *testing.T, e *coder.Error) {
				if !strings.HasPrefix(e.Message, "You are signed out") || e.Detail != "API key is invalid." {
					t.Errorf("message/detail = %q / %q", e.Message, e.Detail)
				}
			},
			is: coder.IsUnauthorized,
		},
		{
			name:   "validations",
			status: 400, contentType: jsonCT,
			body: `{"message":"Invalid workspace search query.","validations":[{"field":"q","detail":"Query element \"a:b:c\" can only contain 1 ':'"}],"future_field":1}`,
			check: func(t *testing.T, e *coder.Error) {
				if len(e.Validations) != 1 || e.Validations[0].Field != "q" || !strings.Contains(e.Validations[0].Detail, "only contain 1") {
					t.Errorf("validations = %+v", e.Validations)
				}
				if !strings.Contains(e.Error(), "q: Query element") {
					t.Errorf("Error() = %q, want the validation in it", e.Error())
				}
			},
			is: coder.IsBadRequest,
		},
		{
			name: "not found", status: 404, contentType: jsonCT,
			body: `{"message":"Resource not found or you do not have access to this resource"}`,
			is:   coder.IsNotFound,
		},
		{
			name: "conflict", status: 409, contentType: jsonCT,
			body: `{"message":"A workspace build is already active."}`,
			is:   coder.IsConflict,
		},
		{
			name: "gone", status: 410, contentType: jsonCT,
			body: `{"message":"Workspace \"x\" was deleted, you can view this workspace by specifying '?deleted=true' and trying again."}`,
			is:   coder.IsGone,
		},
		{
			name: "too early", status: 425, contentType: jsonCT,
			body: `{"message":"Template version job has not finished"}`,
			is:   coder.IsTooEarly,
		},
		{
			name: "forbidden", status: 403, contentType: jsonCT,
			body: `{"message":"Forbidden."}`,
			is:   coder.IsForbidden,
		},
		{
			name: "oauth2 error body", status: 400, contentType: jsonCT,
			body: `{"error":"invalid_grant","error_description":"The authorization code is invalid or expired"}`,
			check: func(t *testing.T, e *coder.Error) {
				if e.OAuth2Code != "invalid_grant" || !strings.Contains(e.Message, "invalid or expired") {
					t.Errorf("oauth2 code/message = %q / %q", e.OAuth2Code, e.Message)
				}
			},
			is: coder.IsBadRequest,
		},
		{
			name: "html from a proxy keeps a bounded excerpt", status: 502, contentType: "text/html",
			body: "<html><body>Bad gateway" + strings.Repeat("x", 10000) + "</body></html>",
			check: func(t *testing.T, e *coder.Error) {
				if e.Message != "" || !strings.HasPrefix(e.Body, "<html><body>Bad gateway") {
					t.Errorf("message %q, body %q", e.Message, e.Body)
				}
				if len(e.Body) > 600 {
					t.Errorf("excerpt is %d bytes, want it bounded", len(e.Body))
				}
				if !strings.Contains(e.Error(), "502 Bad Gateway") {
					t.Errorf("Error() = %q", e.Error())
				}
			},
		},
		{
			name: "empty body", status: 500, contentType: "text/plain", body: "",
			check: func(t *testing.T, e *coder.Error) {
				if e.Error() != "coder: GET /api/v2/users/me: 500 Internal Server Error" {
					t.Errorf("Error() = %q", e.Error())
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, answer(tt.status, tt.contentType, tt.body))
			_, err := c.Me(context.Background())
			e, ok := coder.AsError(err)
			if !ok {
				t.Fatalf("error %v (%T) is not a *coder.Error", err, err)
			}
			if e.StatusCode != tt.status || coder.StatusCode(err) != tt.status {
				t.Errorf("status = %d, want %d", e.StatusCode, tt.status)
			}
			if e.Method != http.MethodGet || e.Path != "/api/v2/users/me" {
				t.Errorf("request = %s %s", e.Method, e.Path)
			}
			if tt.is != nil && !tt.is(err) {
				t.Errorf("helper does not recognise %v", err)
			}
			if tt.check != nil {
				tt.check(t, e)
			}
		})
	}
}

func TestErrorHelpersOnOtherErrors(t *testing.T) {
	err := errors.New("dial tcp: connection refused")
	if coder.StatusCode(err) != 0 || coder.IsNotFound(err) || coder.IsUnauthorized(nil) {
		t.Error("helpers must be false for errors that are not Coder answers")
	}
	wrapped := &coder.Error{StatusCode: 404}
	if !coder.IsNotFound(errors.Join(errors.New("context"), wrapped)) {
		t.Error("helpers must see through wrapping")
	}
}

func TestSuccessBodyThatIsNotJSON(t *testing.T) {
	c := newTestClient(t, answer(200, "text/html", "<html>login page</html>"))
	_, err := c.Me(context.Background())
	if err == nil || !strings.Contains(err.Error(), `"text/html"`) || !strings.Contains(err.Error(), "login page") {
		t.Fatalf("err = %v, want it to name the content type and quote the body", err)
	}
}
