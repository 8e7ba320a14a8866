module labledger.test/interopgo

go 1.19

require golang.org/x/mod v0.7.0

// Debian bookworm's golang-golang-x-mod-dev: the build never fetches a module.
// With the module from a proxy instead, drop this line.
replace golang.org/x/mod => /usr/share/gocode/src/golang.org/x/mod
