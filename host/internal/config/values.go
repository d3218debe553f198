package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// sizeUnits maps the size suffixes accepted in max_body, matched without
// regard to case, to their multipliers.
var sizeUnits = map[string]int64{
	"":    1,
	"b":   1,
	"kb":  1000,
	"mb":  1000 * 1000,
	"gb":  1000 * 1000 * 1000,
	"kib": 1 << 10,
	"mib": 1 << 20,
	"gib": 1 << 30,
}

var sizeUnitNames = []string{"B", "KB", "MB", "GB", "KiB", "MiB", "GiB"}

// parseSize parses a positive whole number of bytes with an optional unit:
// "1024", "512KB", "10 MiB". The error completes a sentence about the input.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, errors.New("does not start with a whole number")
	}
	mult, ok := sizeUnits[strings.ToLower(strings.TrimSpace(t[i:]))]
	if !ok {
		return 0, fmt.Errorf("has the unknown unit %q", strings.TrimSpace(t[i:]))
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil || n > math.MaxInt64/mult {
		return 0, errors.New("is too large")
	}
	if n == 0 {
		return 0, errors.New("must be more than zero")
	}
	return n * mult, nil
}

// checkURL accepts absolute http and https URLs with a host. The error
// completes a sentence about the input.
func checkURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return errors.New("is not a valid URL. Write an absolute URL such as \"https://coder.example.com\"")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("is not an absolute http(s) URL. Start it with http:// or https://")
	case u.Host == "":
		return errors.New("has no host. Write an absolute URL such as \"https://coder.example.com\"")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return errors.New("has a query or fragment. Remove everything from ? or #")
	}
	return nil
}

// checkListen accepts host:port with a numeric port; the host may be empty
// to listen on every interface.
func checkListen(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return err
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return nil
}
