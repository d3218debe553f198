package config

import "testing"

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{in: "1024", want: 1024},
		{in: "100B", want: 100},
		{in: "512KB", want: 512_000},
		{in: "512 kb", want: 512_000},
		{in: "3MB", want: 3_000_000},
		{in: "2GB", want: 2_000_000_000},
		{in: "64KiB", want: 64 << 10},
		{in: "10MiB", want: 10 << 20},
		{in: "10mib", want: 10 << 20},
		{in: "1GiB", want: 1 << 30},
		{in: " 7 ", want: 7},
		{in: "0", wantErr: true},
		{in: "0MiB", wantErr: true},
		{in: "-1", wantErr: true},
		{in: "1.5MiB", wantErr: true},
		{in: "MiB", wantErr: true},
		{in: "10 parsecs", wantErr: true},
		{in: "10M", wantErr: true},
		{in: "99999999999999999999", wantErr: true},
		{in: "9999999999GiB", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSize(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("parseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"https://coder.example.com", true},
		{"http://localhost:7007/api/proxy/coder", true},
		{"HTTPS://coder.example.com/", true},
		{"coder.example.com", false},
		{"localhost:7007", false},
		{"ftp://coder.example.com", false},
		{"http://", false},
		{"https://coder.example.com/?a=1", false},
		{"https://coder.example.com/#top", false},
		{"https://coder.example.com/?", false},
		{"http://[::1", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if err := checkURL(tt.in); (err == nil) != tt.ok {
				t.Errorf("checkURL(%q) = %v, want ok %v", tt.in, err, tt.ok)
			}
		})
	}
}

func TestCheckListen(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"127.0.0.1:7008", true},
		{":7008", true},
		{"[::1]:7008", true},
		{"localhost:0", true},
		{"localhost", false},
		{"7008", false},
		{"localhost:http", false},
		{"localhost:70000", false},
		{"localhost:", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if err := checkListen(tt.in); (err == nil) != tt.ok {
				t.Errorf("checkListen(%q) = %v, want ok %v", tt.in, err, tt.ok)
			}
		})
	}
}

func TestWithin(t *testing.T) {
	tests := []struct {
		dir, path string
		want      bool
	}{
		{"/a/plugins", "/a/plugins/auth", true},
		{"/a/plugins", "/a/plugins/sub/auth", true},
		{"/a/plugins", "/a/plugins", true},
		{"/a/plugins", "/a/plugins-evil/auth", false},
		{"/a/plugins", "/a/auth", false},
		{"/a/plugins", "/a/plugins/../auth", false},
		{"/a/plugins", "/a/plugins/..auth", true},
	}
	for _, tt := range tests {
		if got := within(tt.dir, tt.path); got != tt.want {
			t.Errorf("within(%q, %q) = %v, want %v", tt.dir, tt.path, got, tt.want)
		}
	}
}
