package fakecoder

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Response is Coder's error and message body (codersdk.Response).
type Response struct {
	Message     string            `json:"message"`
	Detail      string            `json:"detail,omitempty"`
	Validations []ValidationError `json:"validations,omitempty"`
}

// ValidationError names one field of a request that Coder rejected.
type ValidationError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

func (v ValidationError) Error() string {
	return fmt.Sprintf("field: %s detail: %s", v.Field, v.Detail)
}

// OAuth2Error is the RFC 6749 error body of the /oauth2 endpoints.
type OAuth2Error struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
}

// Messages Coder uses verbatim.
const (
	msgNotFound        = "Resource not found or you do not have access to this resource"
	msgSignedOut       = "You are signed out or your session has expired. Please sign in again to continue."
	msgInvalidJSON     = "Request body must be valid JSON."
	msgValidation      = "Validation failed."
	msgBadPagination   = "Query parameters have invalid values."
	msgBadWorkspaceQ   = "Invalid workspace search query."
	msgBadTemplateQ    = "Invalid template search query."
	msgRouteNotFound   = "Route not found."
	msgBuildActive     = "A workspace build is already active."
	msgOAuth2Disabled  = "OAuth2 Provider Functionality functionality requires enabling the 'oauth2' experiment."
	msgUserParam       = "\"user\" must be an existing uuid or username."
	msgForbidden       = "Forbidden."
	msgForbiddenDetail = "You don't have permission to view this content. If you believe this is a mistake, please contact your administrator or try signing in with different credentials."
)

// writeJSON writes v the way coderd's httpapi.Write does: compact,
// HTML-escaped, newline-terminated.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

func writeResponse(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, Response{Message: message})
}

func writeNotFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, Response{Message: msgNotFound})
}

func writeForbidden(w http.ResponseWriter) {
	writeJSON(w, http.StatusForbidden, Response{Message: msgForbidden, Detail: msgForbiddenDetail})
}

func writeOAuth2Error(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, OAuth2Error{Error: code, ErrorDescription: description})
}

// readJSON decodes the request body into v, answering 400 as coderd does
// when the body is not JSON.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, Response{Message: msgInvalidJSON, Detail: err.Error()})
		return false
	}
	return true
}

// validationFailed is go-playground/validator's failure as coderd renders it.
func validationFailed(field, tag string, value any) ValidationError {
	return ValidationError{Field: field, Detail: fmt.Sprintf("Validation failed for tag %q with value: \"%v\"", tag, value)}
}

// ---- UUIDs -----------------------------------------------------------------

// parseUUID accepts what github.com/google/uuid.Parse accepts and fails with
// the same messages, since Coder echoes them in error details.
func parseUUID(s string) (string, error) {
	var b [16]byte
	switch len(s) {
	case 36:
	case 36 + 9:
		if !strings.EqualFold(s[:9], "urn:uuid:") {
			return "", fmt.Errorf("invalid urn prefix: %q", s[:9])
		}
		s = s[9:]
	case 36 + 2:
		s = s[1:]
	case 32:
		if _, err := hex.Decode(b[:], []byte(s)); err != nil {
			return "", errors.New("invalid UUID format")
		}
		return formatUUID(b), nil
	default:
		return "", fmt.Errorf("invalid UUID length: %d", len(s))
	}
	if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return "", errors.New("invalid UUID format")
	}
	for i, x := range [16]int{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34} {
		if _, err := hex.Decode(b[i:i+1], []byte(s[x:x+2])); err != nil {
			return "", errors.New("invalid UUID format")
		}
	}
	return formatUUID(b), nil
}

func formatUUID(b [16]byte) string {
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

const nilUUID = "00000000-0000-0000-0000-000000000000"

// newUUID returns a random version 4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

// nameUUID returns a stable version 5 style UUID for a seeded entity, so
// the demo deployment keeps its IDs across restarts.
func nameUUID(kind, name string) string {
	sum := sha1.Sum([]byte("codertest/" + kind + "/" + name))
	var b [16]byte
	copy(b[:], sum[:16])
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

// jsonUUID decodes a UUID inside a JSON request body; a malformed value makes
// the decoder fail with google/uuid's message, as in coderd.
type jsonUUID string

func (u *jsonUUID) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*u = ""
		return nil
	}
	id, err := parseUUID(string(b))
	if err != nil {
		return err
	}
	if id == nilUUID {
		id = ""
	}
	*u = jsonUUID(id)
	return nil
}

func (u jsonUUID) String() string {
	if u == "" {
		return nilUUID
	}
	return string(u)
}

// randomString returns n characters from [0-9A-Za-z].
func randomString(n int) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// randomLower returns n characters from [0-9a-z].
func randomLower(n int) string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// ---- query parameters ------------------------------------------------------

// queryParser collects every problem with a set of query values in one pass,
// with the messages of coderd's httpapi.QueryParamParser.
type queryParser struct {
	errs     []ValidationError
	parsed   map[string]bool
	required map[string]bool
}

func newQueryParser() *queryParser {
	return &queryParser{parsed: map[string]bool{}, required: map[string]bool{}}
}

func (p *queryParser) requireNotEmpty(keys ...string) {
	for _, k := range keys {
		p.required[k] = true
	}
}

func (p *queryParser) fail(field, detail string) {
	p.errs = append(p.errs, ValidationError{Field: field, Detail: detail})
}

// values returns the values of key, or nil when the default applies.
func (p *queryParser) values(vals url.Values, key string) []string {
	p.parsed[key] = true
	if p.required[key] && (!vals.Has(key) || vals.Get(key) == "") {
		p.fail(key, fmt.Sprintf("Query param %q is required and cannot be empty", key))
		return nil
	}
	if !vals.Has(key) || vals.Get(key) == "" {
		return nil
	}
	return vals[key]
}

// single returns the one value of key; ok is false when the default applies
// (absent, empty, or given more than once, which is also an error).
func (p *queryParser) single(vals url.Values, key string) (string, bool) {
	set := p.values(vals, key)
	if set == nil {
		return "", false
	}
	if len(set) > 1 {
		p.fail(key, fmt.Sprintf("Query param %q provided more than once, found %d times. Only provide 1 instance of this query param.", key, len(set)))
		return "", false
	}
	return set[0], true
}

func (p *queryParser) String(vals url.Values, def, key string) string {
	if v, ok := p.single(vals, key); ok {
		return v
	}
	return def
}

func (p *queryParser) Boolean(vals url.Values, def bool, key string) bool {
	v, ok := p.single(vals, key)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(key, fmt.Sprintf("Query param %q must be a valid boolean: %s", key, err))
		return false
	}
	return b
}

// NullableBoolean returns nil when key is absent.
func (p *queryParser) NullableBoolean(vals url.Values, key string) *bool {
	v, ok := p.single(vals, key)
	if !ok {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(key, fmt.Sprintf("Query param %q must be a valid boolean: %s", key, err))
		return nil
	}
	return &b
}

func (p *queryParser) PositiveInt32(vals url.Values, def int32, key string) int32 {
	v, ok := p.single(vals, key)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err == nil && n < 0 {
		err = errors.New("value is negative")
	}
	if err != nil {
		p.fail(key, fmt.Sprintf("Query param %q must be a valid 32-bit positive integer: %s", key, err))
		return 0
	}
	return int32(n)
}

func (p *queryParser) UUID(vals url.Values, key string) string {
	v, ok := p.single(vals, key)
	if !ok {
		return ""
	}
	id, err := parseUUID(v)
	if err != nil {
		p.fail(key, fmt.Sprintf("Query param %q must be a valid uuid", key))
		return ""
	}
	return id
}

func (p *queryParser) Time3339Nano(vals url.Values, key string) time.Time {
	v, ok := p.single(vals, key)
	if !ok {
		return time.Time{}
	}
	// Search queries are lower-cased; RFC 3339 wants upper-case T and Z.
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(v))
	if err != nil {
		p.fail(key, fmt.Sprintf("Query param %q must be a valid date format (%s): %s", key, time.RFC3339Nano, err))
		return time.Time{}
	}
	return t.UTC()
}

// Custom parses one value with parse; a failure reads "has invalid value".
func (p *queryParser) Custom(vals url.Values, key string, parse func(string) error) (string, bool) {
	v, ok := p.single(vals, key)
	if !ok {
		return "", false
	}
	if err := parse(v); err != nil {
		p.fail(key, fmt.Sprintf("Query param %q has invalid value: %s", key, err))
		return "", false
	}
	return v, true
}

// List splits every value of key on commas and parses each term; failures
// are joined as errors.Join does.
func (p *queryParser) List(vals url.Values, key string, parse func(string) (string, error)) []string {
	set := p.values(vals, key)
	if set == nil {
		return nil
	}
	var out []string
	var errs []string
	for _, s := range set {
		for _, term := range strings.Split(s, ",") {
			v, err := parse(term)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			out = append(out, v)
		}
	}
	if len(errs) > 0 {
		p.fail(key, fmt.Sprintf("Query param %q has invalid values: %s", key, strings.Join(errs, "\n")))
		return nil
	}
	return out
}

// ErrorExcessParams reports every key nothing asked for, in sorted order so
// responses are stable (coderd's order follows Go map iteration).
func (p *queryParser) ErrorExcessParams(vals url.Values) {
	var extra []string
	for k := range vals {
		if !p.parsed[k] {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	for _, k := range extra {
		p.fail(k, fmt.Sprintf("%q is not a valid query param", k))
	}
}

// pagination is codersdk.Pagination.
type pagination struct {
	afterID string
	limit   int
	offset  int
}

// parsePagination answers 400 as coderd's ParsePagination does.
func parsePagination(w http.ResponseWriter, r *http.Request) (pagination, bool) {
	q := r.URL.Query()
	p := newQueryParser()
	page := pagination{
		afterID: p.UUID(q, "after_id"),
		limit:   int(p.PositiveInt32(q, 0, "limit")),
		offset:  int(p.PositiveInt32(q, 0, "offset")),
	}
	if len(p.errs) > 0 {
		writeJSON(w, http.StatusBadRequest, Response{Message: msgBadPagination, Validations: p.errs})
		return page, false
	}
	return page, true
}

func paginate[T any](items []T, page pagination) []T {
	if page.offset >= len(items) {
		return items[:0]
	}
	items = items[page.offset:]
	if page.limit > 0 && page.limit < len(items) {
		items = items[:page.limit]
	}
	return items
}

// secretEqual compares secrets in constant time.
func secretEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
