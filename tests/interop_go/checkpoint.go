package main

import (
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// checkpoint is a signed C2SP tlog-checkpoint that Go's note package opened.
type checkpoint struct {
	origin string
	text   string // the note text the signatures sign
	tree   tlog.Tree
	// others are the signature lines by keys we were not given (witness
	// cosignatures): note.Open keeps them aside, unverified.
	others []note.Signature
}

// openCheckpoint verifies the log's signature with note.Open and parses the
// tree. tlog.ParseTree reads the go.sum database's format, whose first line
// is the fixed "go.sum database tree"; a C2SP checkpoint's first line is the
// log's origin instead, then the same size and base64 root lines, then any
// extension lines (which ParseTree ignores too). So the origin line is taken
// off and checked here, and ParseTree parses the rest.
func openCheckpoint(msg []byte, log note.Verifier, origin string) (checkpoint, error) {
	n, err := note.Open(msg, note.VerifierList(log))
	if err != nil {
		return checkpoint{}, fmt.Errorf("checkpoint signature: %w", err)
	}
	first, rest, found := strings.Cut(n.Text, "\n")
	if !found {
		return checkpoint{}, fmt.Errorf("checkpoint has no origin line")
	}
	if first != origin {
		return checkpoint{}, fmt.Errorf("checkpoint origin %q, expected %q", first, origin)
	}
	tree, err := tlog.ParseTree([]byte("go.sum database tree\n" + rest))
	if err != nil {
		return checkpoint{}, fmt.Errorf("checkpoint body: %w", err)
	}
	return checkpoint{origin: first, text: n.Text, tree: tree, others: n.UnverifiedSigs}, nil
}
