// Package fakediff holds the test that sends the same requests to the
// in-memory Coder (sdk/fakecoder, seeded with realseed.Seed) and to a real
// Coder deployment seeded the same way (test/real/realcoder), and compares
// what a client sees of each error: the status, Coder's message, detail and
// validations, or the OAuth2 error and its description.
//
// Every difference must either be fixed in the fake or be listed, with its
// reason, in the table "Differences from a real Coder" in sdk/fakecoder's
// package documentation; the test fails on an unlisted difference and on a
// listed one that no longer occurs. It runs when CODER_URL and
// CODER_SESSION_TOKEN name the real deployment (`make test-real`).
package fakediff
