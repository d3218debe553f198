// Package cli implements the coderhost command line: run, validate, version,
// script test and demo-coder.
package cli
