package backstage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Error is an error with one of the names Backstage's backends use
// (@backstage/errors). The name decides the HTTP status, and the frontend
// shows name and message to the user.
type Error struct {
	Name    string
	Message string
	// Cause is reported under "cause" and appended to the message, as
	// Backstage's CustomErrorBase does.
	Cause error
}

// Error names and the statuses Backstage's error middleware gives them.
const (
	InputError          = "InputError"
	AuthenticationError = "AuthenticationError"
	NotAllowedError     = "NotAllowedError"
	NotFoundError       = "NotFoundError"
	ConflictError       = "ConflictError"
	NotImplementedError = "NotImplementedError"
	// GenericError is a plain JavaScript Error.
	GenericError = "Error"
)

var statusByName = map[string]int{
	InputError:          http.StatusBadRequest,
	AuthenticationError: http.StatusUnauthorized,
	NotAllowedError:     http.StatusForbidden,
	NotFoundError:       http.StatusNotFound,
	ConflictError:       http.StatusConflict,
	NotImplementedError: http.StatusNotImplemented,
}

// Errorf returns an *Error with the given name.
func Errorf(name, format string, args ...any) *Error {
	return &Error{Name: name, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error named name whose message is message plus
// "; caused by <cause>".
func Wrap(name, message string, cause error) *Error {
	return &Error{Name: name, Message: message, Cause: cause}
}

func (e *Error) Error() string {
	if e.Cause == nil {
		return e.Message
	}
	return fmt.Sprintf("%s; caused by %s", e.Message, describe(e.Cause))
}

func (e *Error) Unwrap() error { return e.Cause }

// Status is the HTTP status Backstage answers this error with.
func (e *Error) Status() int {
	if s, ok := statusByName[e.Name]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// describe renders a cause as JavaScript's String(error) does: "Name: message".
func describe(err error) string {
	var be *Error
	if errors.As(err, &be) {
		return be.Name + ": " + be.Error()
	}
	return GenericError + ": " + err.Error()
}

// NameAndMessage reduces any error to the {name, message} pair the frontend
// receives; errors that are not *Error are plain "Error"s.
func NameAndMessage(err error) (name, message string) {
	var be *Error
	if errors.As(err, &be) {
		return be.Name, be.Error()
	}
	return GenericError, err.Error()
}

// serialized is the shape of @backstage/errors' serializeError (without the
// stack, which production backends leave out).
type serialized struct {
	Name    string      `json:"name"`
	Message string      `json:"message"`
	Cause   *serialized `json:"cause,omitempty"`
}

func serialize(err error) *serialized {
	if err == nil {
		return nil
	}
	var be *Error
	if errors.As(err, &be) {
		return &serialized{Name: be.Name, Message: be.Error(), Cause: serialize(be.Cause)}
	}
	return &serialized{Name: GenericError, Message: err.Error()}
}

// ErrorBody is Backstage's ErrorResponseBody.
type ErrorBody struct {
	Error   *serialized `json:"error"`
	Request struct {
		Method string `json:"method"`
		URL    string `json:"url"`
	} `json:"request"`
	Response struct {
		StatusCode int `json:"statusCode"`
	} `json:"response"`
}

// WriteError answers r with err in Backstage's error JSON:
// {"error":{"name","message"},"request":{"method","url"},"response":{"statusCode"}}.
// The URL is the request's path and query below the auth plugin's mount,
// which is what Backstage reports too.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	var be *Error
	if errors.As(err, &be) {
		status = be.Status()
	}
	var body ErrorBody
	body.Error = serialize(err)
	body.Request.Method = r.Method
	body.Request.URL = r.URL.RequestURI()
	body.Response.StatusCode = status
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = WriteJSONBody(w, body)
}

// WriteJSONBody writes v as JSON.stringify would: no HTML escaping and no
// trailing newline.
func WriteJSONBody(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	return err
}
