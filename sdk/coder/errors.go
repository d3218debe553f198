package coder

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// maxErrorExcerpt bounds how much of a non-JSON error body an Error keeps.
const maxErrorExcerpt = 512

// ValidationError is one field-level problem Coder reports with a 400 or
// 409. Field is a JSON field name, a query parameter, "q", or a template
// parameter name.
type ValidationError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// Error is a non-2xx answer from Coder.
//
// For REST endpoints Message, Detail and Validations come from Coder's
// {message, detail, validations} body. For OAuth2 protocol endpoints, which
// answer with RFC 6749 {error, error_description}, OAuth2Code holds error and
// Message holds error_description. When the body is not JSON (a proxy's HTML
// page, for example) Message is empty and Body holds a bounded excerpt.
type Error struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Method and Path identify the request (the path has no query string).
	Method string
	Path   string

	Message     string
	Detail      string
	Validations []ValidationError
	// OAuth2Code is the RFC 6749 error code ("invalid_grant", ...), set only
	// for answers from the /oauth2 endpoints.
	OAuth2Code string
	// Body is an excerpt of a body that was not a Coder error document.
	Body string
	// RetryAfter is the raw Retry-After header of the answer, if any.
	RetryAfter string
}

// Error reads like: coder: GET /api/v2/users/me: 401 Unauthorized: You are
// signed out... (Cookie "coder_session_token" ... must be provided.)
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("coder: ")
	if e.Method != "" {
		b.WriteString(e.Method)
		b.WriteByte(' ')
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	switch {
	case e.Message != "":
		b.WriteString(": ")
		b.WriteString(e.Message)
	case e.OAuth2Code != "":
		b.WriteString(": ")
		b.WriteString(e.OAuth2Code)
	case e.Body != "":
		fmt.Fprintf(&b, ": unexpected body %q", e.Body)
	}
	if e.Detail != "" {
		b.WriteString(" (")
		b.WriteString(e.Detail)
		b.WriteByte(')')
	}
	for i, v := range e.Validations {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", v.Field, v.Detail)
	}
	return b.String()
}

// decodeError turns an error answer into an *Error.
func decodeError(method, path string, status int, header http.Header, body []byte) *Error {
	e := &Error{StatusCode: status, Method: method, Path: path, RetryAfter: header.Get("Retry-After")}
	var doc struct {
		Message          *string           `json:"message"`
		Detail           string            `json:"detail"`
		Validations      []ValidationError `json:"validations"`
		Error            string            `json:"error"`
		ErrorDescription string            `json:"error_description"`
	}
	if err := json.Unmarshal(body, &doc); err == nil {
		switch {
		case doc.Message != nil:
			e.Message = *doc.Message
			e.Detail = doc.Detail
			e.Validations = doc.Validations
			return e
		case doc.Error != "":
			e.OAuth2Code = doc.Error
			e.Message = doc.ErrorDescription
			return e
		}
	}
	e.Body = excerpt(body, maxErrorExcerpt)
	return e
}

// excerpt returns at most n bytes of b as valid, trimmed UTF-8.
func excerpt(b []byte, n int) string {
	cut := len(b) > n
	if cut {
		b = b[:n]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	s := strings.ToValidUTF8(strings.TrimSpace(string(b)), "\uFFFD")
	if cut {
		s += "…"
	}
	return s
}

// AsError returns the *Error in err's chain, if there is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// StatusCode returns the HTTP status of the Coder answer behind err, or 0
// when err did not come from a Coder answer (a network error, for example).
func StatusCode(err error) int {
	if e, ok := AsError(err); ok {
		return e.StatusCode
	}
	return 0
}

// IsBadRequest reports whether Coder refused the request as invalid (400).
func IsBadRequest(err error) bool { return StatusCode(err) == http.StatusBadRequest }

// IsUnauthorized reports whether the token was missing, malformed, unknown
// or expired (401).
func IsUnauthorized(err error) bool { return StatusCode(err) == http.StatusUnauthorized }

// IsForbidden reports whether the caller may not perform the action (403).
func IsForbidden(err error) bool { return StatusCode(err) == http.StatusForbidden }

// IsNotFound reports whether the resource does not exist or is not visible
// to the caller; Coder deliberately does not distinguish the two (404).
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// IsConflict reports a conflict (409): a build already active, a workspace
// name already taken, or a build on a deleted workspace.
func IsConflict(err error) bool { return StatusCode(err) == http.StatusConflict }

// IsGone reports that the workspace has been deleted (410).
func IsGone(err error) bool { return StatusCode(err) == http.StatusGone }

// IsTooEarly reports that a template version is still importing (425).
func IsTooEarly(err error) bool { return StatusCode(err) == http.StatusTooEarly }

// IsRateLimited reports that Coder rate limited the caller (429) and the
// client's retry budget did not cover the wait.
func IsRateLimited(err error) bool { return StatusCode(err) == http.StatusTooManyRequests }
