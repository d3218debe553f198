// Package search builds the one Coder workspace search that finds an
// entity's workspaces: the user's filter (default owner:me) and every
// repository parameter key × every URL variant under which a workspace may
// have stored the entity's repository, in a single q.
//
// It relies on a property of Coder's search grammar (specs/coder-api.md
// §4.2): every param:name=value item of a query is ORed with the others,
// and the group is ANDed with every other key. The seed sends one search per
// key and merges the answers in the browser; one request does the same work.
package search
