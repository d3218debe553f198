package backstage

import (
	"encoding/hex"
	"errors"
	"testing"
)

func TestStateEncodeMatchesBackstage(t *testing.T) {
	tests := []struct {
		name  string
		state State
		// query is what URLSearchParams.toString() gives for the same
		// object in Node; the state is its hex.
		query string
	}{
		{
			name:  "popup",
			state: State{Nonce: "k2Xo+/ab==", Env: "development", Origin: "http://localhost:3000", Flow: "popup"},
			query: "nonce=k2Xo%2B%2Fab%3D%3D&env=development&origin=http%3A%2F%2Flocalhost%3A3000&flow=popup",
		},
		{
			name: "redirect with scope, spaces, star and tilde",
			state: State{Nonce: "n", Env: "production", Origin: "https://b.example.com",
				RedirectURL: "https://b.example.com/catalog?x=1&y=a b~*", Flow: "redirect", Scope: "openid email"},
			query: "nonce=n&env=production&origin=https%3A%2F%2Fb.example.com" +
				"&redirectUrl=https%3A%2F%2Fb.example.com%2Fcatalog%3Fx%3D1%26y%3Da+b%7E*&flow=redirect&scope=openid+email",
		},
		{
			name:  "unicode",
			state: State{Nonce: "n", Env: "dév"},
			query: "nonce=n&env=d%C3%A9v",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.state.Encode()
			if want := hex.EncodeToString([]byte(tt.query)); got != want {
				t.Fatalf("Encode() = %s\n(%s)\nwant %s\n(%s)", got, mustUnhex(got), want, tt.query)
			}
			back, err := DecodeState(got)
			if err != nil {
				t.Fatal(err)
			}
			if back != tt.state {
				t.Errorf("round trip = %+v, want %+v", back, tt.state)
			}
		})
	}
}

func mustUnhex(s string) string {
	b, _ := hex.DecodeString(s)
	return string(b)
}

func TestDecodeStateRejectsTampering(t *testing.T) {
	valid := State{Nonce: "abc", Env: "development"}.Encode()
	tests := []struct {
		name, encoded, want string
	}{
		{"empty", "", "OAuth state is invalid, missing env"},
		{"not hex", "zz" + valid, "OAuth state is invalid, missing env"},
		{"env dropped", hex.EncodeToString([]byte("nonce=abc")), "OAuth state is invalid, missing env"},
		{"nonce dropped", hex.EncodeToString([]byte("env=development")), "OAuth state is invalid, missing nonce"},
		{"empty nonce", hex.EncodeToString([]byte("nonce=&env=development")), "OAuth state is invalid, missing nonce"},
		// Node stops at the first bad hex pair, so a corrupted tail loses
		// the fields after it.
		{"corrupted after nonce", valid[:len("nonce=abc")*2] + "g0" + valid[len("nonce=abc")*2+2:], "OAuth state is invalid, missing env"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeState(tt.encoded)
			var be *Error
			if !errors.As(err, &be) || be.Name != NotAllowedError || be.Message != tt.want {
				t.Fatalf("DecodeState error = %v, want NotAllowedError %q", err, tt.want)
			}
		})
	}
}

func TestDecodeStateIsLenientLikeURLSearchParams(t *testing.T) {
	// Bad percent escapes stay literal, the last repeated key wins, and
	// invalid UTF-8 becomes U+FFFD.
	raw := "nonce=a%zz&env=one&env=two&origin=%FF"
	s, err := DecodeState(hex.EncodeToString([]byte(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if s.Nonce != "a%zz" || s.Env != "two" || s.Origin != "\uFFFD" {
		t.Errorf("got %+v", s)
	}
}
