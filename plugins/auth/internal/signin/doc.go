// Package signin turns a Coder user into a Backstage identity: the user
// entity ref a token is issued for and the entity refs it owns through. It
// implements Backstage's declarative sign-in resolvers
// (usernameMatchingUserEntityName, emailMatchingUserEntityProfileEmail,
// emailLocalPartMatchingUserEntityName) and a resolver that runs the admin's
// signin scripts, tried in order: a resolver that does not find the user
// passes to the next one, any other error stops the chain. Catalog lookups
// go through the host's catalog service.
package signin
