package backstage

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"
)

func TestWriteErrorMatchesBackstageShape(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		want   string
	}{
		{"refresh failure with cause", Wrap(AuthenticationError, "Refresh failed", Errorf(InputError, "Missing session cookie")), 401,
			`{"error":{"name":"AuthenticationError","message":"Refresh failed; caused by InputError: Missing session cookie","cause":{"name":"InputError","message":"Missing session cookie"}},"request":{"method":"GET","url":"/coder/refresh?optional&env=development"},"response":{"statusCode":401}}`},
		{"not allowed", Errorf(NotAllowedError, "Origin 'http://evil' is not allowed"), 403,
			`{"error":{"name":"NotAllowedError","message":"Origin 'http://evil' is not allowed"},"request":{"method":"GET","url":"/coder/refresh?optional&env=development"},"response":{"statusCode":403}}`},
		{"plain error", errors.New("boom"), 500,
			`{"error":{"name":"Error","message":"boom"},"request":{"method":"GET","url":"/coder/refresh?optional&env=development"},"response":{"statusCode":500}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteError(rec, httptest.NewRequest("GET", "/coder/refresh?optional&env=development", nil), tt.err)
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d", rec.Code, tt.status)
			}
			if rec.Body.String() != tt.want {
				t.Errorf("body\n%s\nwant\n%s", rec.Body, tt.want)
			}
			if !json.Valid(rec.Body.Bytes()) {
				t.Error("invalid JSON")
			}
		})
	}
}
