package main

import (
	"context"
	"strings"
	"testing"

	"github.com/coderhost/coderhost/sdk"
	"github.com/coderhost/coderhost/sdk/fakecoder"
)

func TestHealthReportsCoderOAuth2Problems(t *testing.T) {
	tests := []struct {
		name   string
		opts   rigOptions
		status sdk.HealthStatus
		msg    string
	}{
		{"healthy", rigOptions{}, sdk.HealthOK, ""},
		{"oauth2 experiment off", rigOptions{fake: []fakecoder.Option{fakecoder.WithOAuth2ProviderDisabled()}},
			sdk.HealthError, "start Coder with --experiments oauth2"},
		{"client unknown to Coder", rigOptions{config: map[string]any{"client_id": "0f0f0f0f-0000-4000-8000-000000000000"}},
			sdk.HealthError, "Coder does not know client_id 0f0f0f0f-0000-4000-8000-000000000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, tt.opts)
			h, err := r.harness.Health(context.Background())
			if err != nil || h.Status != tt.status || !strings.Contains(h.Message, tt.msg) {
				t.Errorf("health = %+v, %v; want %v %q", h, err, tt.status, tt.msg)
			}
		})
	}
}
