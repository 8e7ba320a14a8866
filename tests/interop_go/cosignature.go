package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// cosignatureV1 is the signature type byte of C2SP tlog-cosignature's
// Ed25519 cosignatures. x/mod (0.7) knows only type 0x01 (Ed25519 note
// signatures), so cosignatures are checked here, from the spec alone.
const cosignatureV1 = 0x04

// maxSkew is how far in the future a cosignature's timestamp may be
// (the spec lets a verifier reject future ones; clocks differ a little).
const maxSkew = 5 * time.Minute

// witnessKey is a witness's cosignature/v1 key, from its vkey
// `<name>+<hex key id>+<base64(0x04 || Ed25519 public key)>`.
type witnessKey struct {
	name string
	id   uint32
	key  ed25519.PublicKey
}

// witnessList collects the repeatable -witness flag.
type witnessList []string

func (w *witnessList) String() string { return strings.Join(*w, " ") }
func (w *witnessList) Set(s string) error {
	*w = append(*w, s)
	return nil
}

func parseWitnessKey(vkey string) (witnessKey, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 || parts[0] == "" || len(parts[1]) != 8 {
		return witnessKey{}, fmt.Errorf("witness key %q: not name+id+key", vkey)
	}
	id, err := strconv.ParseUint(parts[1], 16, 32)
	if err != nil {
		return witnessKey{}, fmt.Errorf("witness key %q: key id: %w", vkey, err)
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != cosignatureV1 {
		return witnessKey{}, fmt.Errorf("witness key %q: not a cosignature/v1 Ed25519 key", vkey)
	}
	k := witnessKey{parts[0], uint32(id), ed25519.PublicKey(raw[1:])}
	// key id = SHA-256(name || 0x0A || 0x04 || public key)[:4]
	material := append([]byte(k.name+"\n"), cosignatureV1)
	sum := sha256.Sum256(append(material, k.key...))
	if binary.BigEndian.Uint32(sum[:4]) != k.id {
		return witnessKey{}, fmt.Errorf("witness key %q: its key id is not SHA-256(name, 0x0A, 0x04, key)[:4]", vkey)
	}
	return k, nil
}

// cosigned checks the cosignature lines by `witnesses` among a checkpoint's
// unverified signatures: each such line must verify, its timestamp be no
// later than now (plus skew). It returns one line per witness that cosigned.
func cosigned(text string, sigs []note.Signature, witnesses []witnessKey, now time.Time) ([]string, error) {
	var found []string
	for _, w := range witnesses {
		for _, s := range sigs {
			if s.Name != w.name || s.Hash != w.id {
				continue
			}
			blob, err := base64.StdEncoding.DecodeString(s.Base64)
			if err != nil || len(blob) != 4+8+ed25519.SignatureSize {
				return nil, fmt.Errorf("cosignature by %s: %d bytes, expected 76", w.name, len(blob))
			}
			ts := binary.BigEndian.Uint64(blob[4:12])
			if ts > 1<<63-1 {
				return nil, fmt.Errorf("cosignature by %s: timestamp %d exceeds 2^63-1", w.name, ts)
			}
			message := fmt.Sprintf("cosignature/v1\ntime %d\n%s", ts, text)
			if !ed25519.Verify(w.key, []byte(message), blob[12:]) {
				return nil, fmt.Errorf("cosignature by %s does not verify", w.name)
			}
			if at := time.Unix(int64(ts), 0); at.After(now.Add(maxSkew)) {
				return nil, fmt.Errorf("cosignature by %s is dated %s, in the future", w.name, at.UTC())
			}
			found = append(found, fmt.Sprintf("cosigned by %s at %d", w.name, ts))
		}
	}
	return found, nil
}

func isWitness(s note.Signature, witnesses []witnessKey) bool {
	for _, w := range witnesses {
		if s.Name == w.name && s.Hash == w.id {
			return true
		}
	}
	return false
}
