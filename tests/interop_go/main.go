// Command interopgo reads a Lab Ledger log over HTTP as C2SP tlog-tiles with
// Go's reference implementation (golang.org/x/mod/sumdb/note and tlog) and
// verifies it: the checkpoint's signature, the tiles against its root, the
// inclusion of leaves whose entries it fetches, and the consistency with a
// checkpoint seen before. Exit 0: verified; 1: the log failed a check; 2: usage.
//
//	interopgo -key VKEY|FILE [-witness VKEY|FILE]... [-quorum N] [-checkpoint FILE] [-old FILE]
//	          [-save FILE] [-leaf I]... [-all] [-origin O] URL
//
// -checkpoint reads the tree at the size of a signed checkpoint kept from
// before (the tiles a log must keep serving for every size it signed)
// instead of fetching URL/checkpoint. -witness names a witness whose
// cosignature/v1 lines (C2SP tlog-cosignature) are verified; -quorum of
// them (default: all) must have cosigned the checkpoint.
package main

import (
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// emptyRoot is RFC 9162's root of the empty tree, SHA-256 of nothing; x/mod's
// tlog defines the tree of size 0 as the all-zero hash instead, so size 0 is
// checked here and never given to tlog.
var emptyRoot = tlog.Hash(sha256.Sum256(nil))

type leafList []int64

func (l *leafList) String() string { return fmt.Sprint(*l) }
func (l *leafList) Set(s string) error {
	i, err := strconv.ParseInt(s, 10, 64)
	*l = append(*l, i)
	return err
}

func main() {
	key := flag.String("key", "", "the log's verifier key (note vkey), or a file holding it")
	old := flag.String("old", "", "a signed checkpoint seen before: prove the log extends it")
	at := flag.String("checkpoint", "", "read the tree of this signed checkpoint instead of URL/checkpoint")
	save := flag.String("save", "", "write the verified checkpoint to this file")
	origin := flag.String("origin", "", "the expected origin (default: URL without its scheme)")
	all := flag.Bool("all", false, "check every entry against the verified tiles")
	var witnesses witnessList
	flag.Var(&witnesses, "witness", "a witness's cosignature vkey, or a file holding it (repeatable)")
	quorum := flag.Int("quorum", -1, "how many of the witnesses must have cosigned (default: all)")
	var leaves leafList
	flag.Var(&leaves, "leaf", "prove this leaf's inclusion (repeatable; default: first, middle, last)")
	flag.Parse()
	if flag.NArg() != 1 || *key == "" {
		flag.Usage()
		os.Exit(2)
	}
	prefix := strings.TrimSuffix(flag.Arg(0), "/")
	if *origin == "" {
		*origin = prefix[strings.Index(prefix, "://")+3:]
	}
	if *quorum < 0 {
		*quorum = len(witnesses)
	}
	summary, err := run(prefix, *key, *origin, *at, *old, *save, leaves, *all, witnesses, *quorum)
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	fmt.Println(summary)
}

// keyText is a vkey given as text, or read from the file it names.
func keyText(key string) (string, error) {
	if strings.Contains(key, "+") {
		return key, nil
	}
	text, err := os.ReadFile(key)
	return strings.TrimSpace(string(text)), err
}

func run(prefix, key, origin, at, old, save string, leaves []int64, all bool, witnessKeys []string, quorum int) (string, error) {
	key, err := keyText(key)
	if err != nil {
		return "", err
	}
	var witnesses []witnessKey
	for _, w := range witnessKeys {
		text, err := keyText(w)
		if err != nil {
			return "", err
		}
		k, err := parseWitnessKey(text)
		if err != nil {
			return "", err
		}
		witnesses = append(witnesses, k)
	}
	verifier, err := note.NewVerifier(key)
	if err != nil {
		return "", fmt.Errorf("log key %q: %w", key, err)
	}
	var msg []byte
	if at != "" {
		msg, err = os.ReadFile(at)
	} else {
		msg, err = get(prefix + "/checkpoint")
	}
	if err != nil {
		return "", err
	}
	cp, err := openCheckpoint(msg, verifier, origin)
	if err != nil {
		return "", err
	}
	n, root := cp.tree.N, cp.tree.Hash
	tiles := &tileReader{prefix: prefix}
	hashes := tlog.TileHashReader(cp.tree, tiles)
	lines := []string{fmt.Sprintf("OK: log %s size %d root %s (signed by %s)", cp.origin, n, root, verifier.Name())}
	if len(witnesses) > 0 {
		found, err := cosigned(cp.text, cp.others, witnesses, time.Now())
		if err != nil {
			return "", err
		}
		if len(found) < quorum {
			return "", fmt.Errorf("the checkpoint carries %d valid cosignature(s) by the witnesses given, %d required", len(found), quorum)
		}
		lines = append(lines, found...)
	}
	if n == 0 && root != emptyRoot {
		return "", fmt.Errorf("the checkpoint of size 0 has root %s", root)
	}
	if n > 0 {
		if th, err := tlog.TreeHash(n, hashes); err != nil || th != root {
			return "", fmt.Errorf("the tiles do not hash to the checkpoint's root (%v)", err)
		}
	}
	if len(leaves) == 0 && n > 0 {
		leaves = []int64{0, n / 2, n - 1}
	}
	proved, err := proveLeaves(prefix, hashes, cp.tree, leaves)
	if err != nil {
		return "", err
	}
	lines = append(lines, fmt.Sprintf("inclusion of leaves %v proved from their entries", proved))
	if all {
		if err := checkAll(prefix, hashes, n); err != nil {
			return "", err
		}
		lines = append(lines, fmt.Sprintf("all %d entries hash to the verified tiles", n))
	}
	if old != "" {
		line, err := consistent(old, verifier, origin, hashes, cp.tree)
		if err != nil {
			return "", err
		}
		lines = append(lines, line)
	}
	for _, s := range cp.others {
		if !isWitness(s, witnesses) {
			lines = append(lines, fmt.Sprintf("not checked: a signature by %s+%08x (a key not given)", s.Name, s.Hash))
		}
	}
	lines = append(lines, fmt.Sprintf("%d tile requests", tiles.fetched))
	if save != "" {
		if err := os.WriteFile(save, msg, 0o644); err != nil {
			return "", err
		}
	}
	return strings.Join(lines, "\n"), nil
}

// proveLeaves proves each leaf's inclusion with tlog.ProveRecord and
// tlog.CheckRecord, from the record hash of the entry bytes served for it.
func proveLeaves(prefix string, hashes tlog.HashReader, tree tlog.Tree, leaves []int64) ([]int64, error) {
	sort.Slice(leaves, func(a, b int) bool { return leaves[a] < leaves[b] })
	var proved []int64
	for _, i := range leaves {
		if len(proved) > 0 && proved[len(proved)-1] == i {
			continue
		}
		if i < 0 || i >= tree.N {
			return nil, fmt.Errorf("leaf %d is outside the tree of size %d", i, tree.N)
		}
		bundle, err := entries(prefix, i, tree.N)
		if err != nil {
			return nil, err
		}
		proof, err := tlog.ProveRecord(tree.N, i, hashes)
		if err != nil {
			return nil, fmt.Errorf("inclusion proof of leaf %d: %w", i, err)
		}
		entry := bundle[i%(1<<height)]
		if err := tlog.CheckRecord(proof, tree.N, tree.Hash, i, tlog.RecordHash(entry)); err != nil {
			return nil, fmt.Errorf("leaf %d's entry is not in the tree: %w", i, err)
		}
		proved = append(proved, i)
	}
	return proved, nil
}

func checkAll(prefix string, hashes tlog.HashReader, n int64) error {
	for start := int64(0); start < n; start += 1 << height {
		bundle, err := entries(prefix, start, n)
		if err != nil {
			return err
		}
		indexes := make([]int64, len(bundle))
		for k := range bundle {
			indexes[k] = tlog.StoredHashIndex(0, start+int64(k))
		}
		leafHashes, err := hashes.ReadHashes(indexes)
		if err != nil {
			return err
		}
		for k, entry := range bundle {
			if tlog.RecordHash(entry) != leafHashes[k] {
				return fmt.Errorf("entry %d does not hash to its leaf hash", start+int64(k))
			}
		}
	}
	return nil
}

// consistent proves, with tlog.ProveTree and tlog.CheckTree, that the tree
// extends the one of an earlier signed checkpoint.
func consistent(file string, verifier note.Verifier, origin string, hashes tlog.HashReader, tree tlog.Tree) (string, error) {
	msg, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	before, err := openCheckpoint(msg, verifier, origin)
	if err != nil {
		return "", fmt.Errorf("the old checkpoint: %w", err)
	}
	m, h := before.tree.N, before.tree.Hash
	switch {
	case m > tree.N:
		return "", fmt.Errorf("the log shrank from size %d to %d", m, tree.N)
	case m == 0:
		if h != emptyRoot {
			return "", fmt.Errorf("the old checkpoint of size 0 has root %s", h)
		}
	case m == tree.N:
		if h != tree.Hash {
			return "", fmt.Errorf("two roots signed for size %d: %s and %s", m, h, tree.Hash)
		}
	default:
		proof, err := tlog.ProveTree(tree.N, m, hashes)
		if err != nil {
			return "", fmt.Errorf("consistency proof from size %d: %w", m, err)
		}
		if err := tlog.CheckTree(proof, tree.N, tree.Hash, m, h); err != nil {
			return "", fmt.Errorf("the tree of size %d does not extend the tree of size %d: %w", tree.N, m, err)
		}
	}
	line := fmt.Sprintf("consistent with the old checkpoint of size %d (root %s)", m, base64.StdEncoding.EncodeToString(h[:]))
	if len(before.others) > 0 {
		line += fmt.Sprintf(", which carries %d signature(s) by keys not given", len(before.others))
	}
	return line, nil
}
