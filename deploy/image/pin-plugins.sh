#!/bin/sh
# pin-plugins.sh CONFIG
#
# Writes the sha256 of every plugin binary into CONFIG's plugin blocks, so
# the host refuses to start a binary other than the one built with it. Each
# top-level `plugin "<id>" { path = "..." }` block gets a `sha256 = "..."`
# line after its path (an existing sha256 line is replaced); a relative path
# is resolved against CONFIG's directory, as coderhost resolves it. Running
# it again gives the same file. The container image build runs it on the
# image's config.hcl (see Dockerfile).
#
# Exit status: 0 pinned, 1 a plugin block without a path or a binary that
# cannot be read (named in the message), 2 usage.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: pin-plugins.sh CONFIG" >&2
	exit 2
fi
config=$1
if [ ! -f "$config" ]; then
	echo "pin-plugins.sh: $config: no such file" >&2
	exit 1
fi
dir=$(cd "$(dirname "$config")" && pwd)
tmp="$config.pin.$$"
trap 'rm -f "$tmp"' EXIT

# Braces are counted outside strings and comments, so a nested block such as
# config { path = "..." } is never mistaken for the plugin's own path.
awk -v dir="$dir" -v file="$config" '
function strip(s,    out, c, i, instr) {
	out = ""; instr = 0
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (instr) {
			if (c == "\\") { i++; continue }
			if (c == "\"") instr = 0
			continue
		}
		if (c == "\"") { instr = 1; continue }
		if (c == "#" || (c == "/" && substr(s, i + 1, 1) == "/")) break
		out = out c
	}
	return out
}
function count(s, ch,    n, i) {
	n = 0
	for (i = 1; i <= length(s); i++) if (substr(s, i, 1) == ch) n++
	return n
}
function fail(msg) {
	printf "pin-plugins.sh: %s: %s\n", file, msg > "/dev/stderr"
	failed = 1
	exit 1
}
{
	code = strip($0)
	if (depth == 0 && match($0, /^[ \t]*plugin[ \t]+"[a-z][a-z0-9-]*"[ \t]*\{/)) {
		id = $0
		sub(/^[ \t]*plugin[ \t]+"/, "", id)
		sub(/".*/, "", id)
		inplugin = 1; pinned = 0; start = NR
	}
	before = depth
	depth += count(code, "{") - count(code, "}")
	if (inplugin && before == 1 && $0 ~ /^[ \t]*sha256[ \t]*=/) next
	print
	if (inplugin && before == 1 && match($0, /^[ \t]*path[ \t]*=[ \t]*"[^"]*"/)) {
		indent = $0; sub(/[^ \t].*/, "", indent)
		path = $0; sub(/^[ \t]*path[ \t]*=[ \t]*"/, "", path); sub(/".*/, "", path)
		if (path !~ /^\//) path = dir "/" path
		cmd = "sha256sum \"" path "\" 2>/dev/null"
		sum = ""
		if ((cmd | getline line) > 0) { split(line, f, " "); sum = f[1] }
		close(cmd)
		if (sum !~ /^[0-9a-f]+$/ || length(sum) != 64)
			fail("plugin \"" id "\": cannot read " path " (build the plugins before pinning)")
		print indent "sha256 = \"" sum "\""
		pinned = 1
	}
	if (inplugin && depth == 0) {
		if (!pinned) fail("plugin \"" id "\" (line " start "): no path = \"...\" line to pin")
		inplugin = 0
	}
}
END {
	if (failed) exit 1
	if (depth != 0) { printf "pin-plugins.sh: %s: unbalanced braces\n", file > "/dev/stderr"; exit 1 }
}
' "$config" >"$tmp"
mv "$tmp" "$config"
trap - EXIT
