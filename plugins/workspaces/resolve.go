package main

import (
	"fmt"
	"net/http"
)

// resolveError turns a failure to compile an entity's configuration into
// the caller's answer.
func resolveError(ref string, err error) *apiError {
	return &apiError{Status: http.StatusInternalServerError,
		Message: fmt.Sprintf("Compiling the Coder configuration of %q failed.", ref), Detail: err.Error()}
}
