package coder

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
)

// QueryError is a value the workspace search language cannot express. The
// builder refuses it rather than send a search that would match something
// else, match nothing, or be rejected by Coder.
type QueryError struct {
	// Key is the search key the value was meant for ("param", "owner", ...).
	Key string
	// Value is the refused value, as given.
	Value string
	// Reason says what rule the value breaks.
	Reason string
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("coder: workspace search %s %q: %s", e.Key, e.Value, e.Reason)
}

// QueryBuilder builds a workspace search expression, the q parameter of
// GET /api/v2/workspaces. Start one with Query. Methods record refusals
// instead of returning them, so calls chain; Build and Err report them.
//
// The grammar the builder targets (Coder v2.10 and later):
//   - Coder lower-cases the whole expression, so every match ignores case.
//   - Values with a space or ':' are double-quoted. There is no escape for
//     '"', so values containing one are refused.
//   - Keys appear at most once. Calling a single-valued method again
//     replaces its value.
//   - All param conditions go into one param:"..." term, whose items Coder
//     splits on commas; names and values containing ',' are refused.
//
// Name and HasParam match with SQL ILIKE, so '_' and '%' in them match any
// character and any run of characters.
type QueryBuilder struct {
	owner, name, template, org, status string
	ids, hasAgent                      []string
	dormant                            bool
	outdated                           *bool
	usedAfter, usedBefore              string

	// Coder ORs every param:name=value item and, separately, every bare
	// param:name item, then ANDs the two groups.
	valueItems []string
	valueSolo  bool // set by Param: the group must hold exactly one item
	nameItems  []string
	nameSolo   bool // set by HasParam

	errs []error
}

// Query starts an empty workspace search; an empty search matches every
// workspace the caller can read.
func Query() *QueryBuilder { return &QueryBuilder{} }

func (b *QueryBuilder) refuse(key, value, reason string) *QueryBuilder {
	b.errs = append(b.errs, &QueryError{Key: key, Value: value, Reason: reason})
	return b
}

// checkValue applies the rules every value must follow.
func checkValue(key, v string) *QueryError {
	switch {
	case v == "":
		return &QueryError{Key: key, Value: v, Reason: "empty value (Coder treats an empty value as no filter)"}
	case strings.ContainsRune(v, '"'):
		return &QueryError{Key: key, Value: v, Reason: `contains '"', which Coder's search cannot escape`}
	case strings.TrimSpace(v) == "":
		return &QueryError{Key: key, Value: v, Reason: "only white space"}
	}
	return nil
}

func (b *QueryBuilder) scalar(dst *string, key, v string) *QueryBuilder {
	if err := checkValue(key, v); err != nil {
		b.errs = append(b.errs, err)
		return b
	}
	*dst = v
	return b
}

// Owner keeps workspaces owned by user: a username or "me" (the caller).
// Unknown users match nothing.
func (b *QueryBuilder) Owner(user string) *QueryBuilder { return b.scalar(&b.owner, "owner", user) }

// Name keeps workspaces whose name contains s (case-insensitive).
func (b *QueryBuilder) Name(s string) *QueryBuilder { return b.scalar(&b.name, "name", s) }

// Template keeps workspaces built from the template called name (its name,
// not its display name) in any organization; combine with Organization.
func (b *QueryBuilder) Template(name string) *QueryBuilder {
	return b.scalar(&b.template, "template", name)
}

// Organization keeps workspaces in the organization with that name or ID.
// Coder answers 400 for an unknown organization.
func (b *QueryBuilder) Organization(nameOrID string) *QueryBuilder {
	return b.scalar(&b.org, "organization", nameOrID)
}

// Status keeps workspaces whose latest build has status s.
func (b *QueryBuilder) Status(s WorkspaceStatus) *QueryBuilder {
	if !slices.Contains(WorkspaceStatuses, s) {
		return b.refuse("status", string(s), "not a workspace status Coder accepts (pending, starting, running, stopping, stopped, failed, canceling, canceled, deleting, deleted)")
	}
	b.status = string(s)
	return b
}

// ID keeps the workspaces with any of the given IDs. Calls accumulate.
func (b *QueryBuilder) ID(ids ...string) *QueryBuilder {
	for _, id := range ids {
		if !looksLikeUUID(id) {
			b.refuse("id", id, "not a UUID")
			continue
		}
		if !slices.Contains(b.ids, id) {
			b.ids = append(b.ids, id)
		}
	}
	return b
}

// HasAgent keeps workspaces with an agent in any of the given states.
// Calls accumulate.
func (b *QueryBuilder) HasAgent(statuses ...AgentStatus) *QueryBuilder {
	for _, s := range statuses {
		switch s {
		case AgentConnecting, AgentConnected, AgentDisconnected, AgentTimeout:
			if !slices.Contains(b.hasAgent, string(s)) {
				b.hasAgent = append(b.hasAgent, string(s))
			}
		default:
			b.refuse("has-agent", string(s), "not an agent status (connecting, connected, disconnected, timeout); Coder would silently match nothing")
		}
	}
	return b
}

// Dormant keeps only dormant workspaces. (Coder has no "not dormant"
// filter: dormant:false means no filter.)
func (b *QueryBuilder) Dormant() *QueryBuilder { b.dormant = true; return b }

// Outdated keeps workspaces whose latest build is (true) or is not (false)
// behind the template's active version.
func (b *QueryBuilder) Outdated(outdated bool) *QueryBuilder { b.outdated = &outdated; return b }

// LastUsedAfter keeps workspaces last used after t.
func (b *QueryBuilder) LastUsedAfter(t time.Time) *QueryBuilder {
	b.usedAfter = t.UTC().Format(time.RFC3339Nano)
	return b
}

// LastUsedBefore keeps workspaces last used before t.
func (b *QueryBuilder) LastUsedBefore(t time.Time) *QueryBuilder {
	b.usedBefore = t.UTC().Format(time.RFC3339Nano)
	return b
}

// checkParamName applies the rules for a build parameter name.
// label is the refused term as the caller wrote it (name, or name=value).
func checkParamName(name, label string) *QueryError {
	if err := checkValue("param", name); err != nil {
		err.Value, err.Reason = label, "parameter name: "+err.Reason
		return err
	}
	switch {
	case strings.ContainsRune(name, ','):
		return &QueryError{Key: "param", Value: label, Reason: "parameter name contains ',', and Coder splits param terms on commas"}
	case strings.ContainsRune(name, '='):
		return &QueryError{Key: "param", Value: label, Reason: "parameter name contains '=', which Coder reads as the start of the value"}
	case strings.TrimFunc(name, unicode.IsSpace) != name:
		return &QueryError{Key: "param", Value: label, Reason: "parameter name starts or ends with white space, which Coder trims"}
	}
	return nil
}

// checkParamValue applies the rules for a value in param:name=value.
func checkParamValue(name, value string) *QueryError {
	label := name + "=" + value
	switch {
	case value == "":
		return &QueryError{Key: "param", Value: label, Reason: "empty value (use HasParam to match on the name alone)"}
	case strings.ContainsRune(value, '"'):
		return &QueryError{Key: "param", Value: label, Reason: `value contains '"', which Coder's search cannot escape`}
	case strings.ContainsRune(value, ','):
		return &QueryError{Key: "param", Value: label, Reason: "value contains ',', and Coder splits param terms on commas, so no workspace could match it"}
	case strings.ContainsRune(value, '='):
		return &QueryError{Key: "param", Value: label, Reason: "value contains '=', and Coder allows only one '=' in a param term"}
	case strings.TrimRightFunc(value, unicode.IsSpace) != value:
		return &QueryError{Key: "param", Value: label, Reason: "value ends with white space, which Coder trims"}
	}
	return nil
}

func (b *QueryBuilder) addValueItems(solo bool, name string, values []string) *QueryBuilder {
	label := name
	if len(values) > 0 {
		label = name + "=" + values[0]
	}
	if err := checkParamName(name, label); err != nil {
		b.errs = append(b.errs, err)
		return b
	}
	var items []string
	for _, v := range values {
		if err := checkParamValue(name, v); err != nil {
			b.errs = append(b.errs, err)
			return b
		}
		if item := name + "=" + v; !slices.Contains(b.valueItems, item) && !slices.Contains(items, item) {
			items = append(items, item)
		}
	}
	if len(items) == 0 {
		return b // repeats of items already present
	}
	if (solo || b.valueSolo) && len(b.valueItems) > 0 {
		return b.refuse("param", name+"="+values[0], fmt.Sprintf(
			"Coder ORs all param:name=value terms, so this cannot be required together with %q; use ParamAny to ask for either", b.valueItems[0]))
	}
	b.valueSolo = b.valueSolo || solo
	b.valueItems = append(b.valueItems, items...)
	return b
}

// Param keeps workspaces whose latest build has parameter name set to
// value (compared case-insensitively).
//
// Coder ORs every param:name=value term of a query, so a query can require
// only one such pair: combining Param with another Param or ParamAny for a
// different pair is refused.
func (b *QueryBuilder) Param(name, value string) *QueryBuilder {
	return b.addValueItems(true, name, []string{value})
}

// ParamAny keeps workspaces whose latest build has parameter name set to
// any of values. Further ParamAny calls, for this or other names, widen the
// same OR group: ParamAny("repo", u).ParamAny("repo_url", u) matches a
// workspace with either parameter equal to u.
func (b *QueryBuilder) ParamAny(name string, values ...string) *QueryBuilder {
	if len(values) == 0 {
		return b.refuse("param", name, "ParamAny needs at least one value")
	}
	return b.addValueItems(false, name, values)
}

func (b *QueryBuilder) addNameItems(solo bool, names []string) *QueryBuilder {
	var items []string
	for _, n := range names {
		if err := checkParamName(n, n); err != nil {
			b.errs = append(b.errs, err)
			return b
		}
		if !slices.Contains(b.nameItems, n) && !slices.Contains(items, n) {
			items = append(items, n)
		}
	}
	if len(items) == 0 {
		return b
	}
	if (solo || b.nameSolo) && len(b.nameItems) > 0 {
		return b.refuse("param", items[0], fmt.Sprintf(
			"Coder ORs all bare param:name terms, so this cannot be required together with %q; use HasAnyParam to ask for either", b.nameItems[0]))
	}
	b.nameSolo = b.nameSolo || solo
	b.nameItems = append(b.nameItems, items...)
	return b
}

// HasParam keeps workspaces whose latest build has a parameter called name,
// whatever its value. Coder ORs bare parameter names, so a query can require
// only one: a second HasParam or HasAnyParam with another name is refused.
func (b *QueryBuilder) HasParam(name string) *QueryBuilder {
	return b.addNameItems(true, []string{name})
}

// HasAnyParam keeps workspaces whose latest build has a parameter with any
// of the given names. Calls accumulate into the same OR group.
func (b *QueryBuilder) HasAnyParam(names ...string) *QueryBuilder {
	if len(names) == 0 {
		return b.refuse("param", "", "HasAnyParam needs at least one name")
	}
	return b.addNameItems(false, names)
}

// Err reports every value the builder refused, or nil.
func (b *QueryBuilder) Err() error { return errors.Join(b.errs...) }

// Build returns the search expression, or the refusals.
func (b *QueryBuilder) Build() (string, error) {
	if err := b.Err(); err != nil {
		return "", err
	}
	var terms []string
	add := func(key, v string, forceQuote bool) {
		if v == "" {
			return
		}
		if forceQuote || strings.ContainsAny(v, " :") {
			v = `"` + v + `"`
		}
		terms = append(terms, key+":"+v)
	}
	add("owner", b.owner, false)
	add("name", b.name, false)
	add("template", b.template, false)
	add("organization", b.org, false)
	add("status", b.status, false)
	add("has-agent", strings.Join(b.hasAgent, ","), false)
	add("id", strings.Join(b.ids, ","), false)
	if b.dormant {
		add("dormant", "true", false)
	}
	if b.outdated != nil {
		add("outdated", fmt.Sprint(*b.outdated), false)
	}
	add("last_used_after", b.usedAfter, true)
	add("last_used_before", b.usedBefore, true)
	// One term: releases that read only the first value of a repeated key
	// still see every item.
	add("param", strings.Join(append(slices.Clone(b.nameItems), b.valueItems...), ","), true)
	return strings.Join(terms, " "), nil
}

// refusedQuery is what String returns for a builder with refusals: Coder
// rejects any element that starts with ':' with 400, so a mistake can never
// widen a search to every workspace.
const refusedQuery = ":refused-query"

// String returns the search expression. When the builder refused a value it
// returns an expression Coder rejects with 400 instead, so that an error
// ignored by the caller cannot turn into a search for every workspace; use
// Build or Err to learn why.
func (b *QueryBuilder) String() string {
	q, err := b.Build()
	if err != nil {
		return refusedQuery
	}
	return q
}

func looksLikeUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}
