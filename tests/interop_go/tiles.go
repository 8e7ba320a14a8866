package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// height is fixed by C2SP tlog-tiles: 2^8 = 256 hashes per tile.
const height = 8

var client = &http.Client{Timeout: 10 * time.Second}

func get(url string) ([]byte, error) {
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<24))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return body, nil
}

// tilePath maps Go's sumdb tile path to the C2SP tlog-tiles one. Go's
// Tile.Path() is "tile/H/L/N[.p/W]" with the height in the path and
// "data" for record tiles (L = -1); tlog-tiles fixes H = 8, leaves it out
// of the path, and calls the record tiles "entries": "tile/L/N[.p/W]",
// "tile/entries/N[.p/W]". The N and .p/W parts are the same in both.
func tilePath(t tlog.Tile) string {
	if t.H != height {
		panic(fmt.Sprintf("tile height %d, tlog-tiles has %d", t.H, height))
	}
	rest := strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", height))
	if t.L == -1 {
		rest = "entries" + strings.TrimPrefix(rest, "data")
	}
	return "tile/" + rest
}

// tileReader serves tlog.TileHashReader from the log's HTTP tiles.
// TileHashReader authenticates every tile it is given against the tree's
// root before it returns a hash, so nothing here is trusted.
type tileReader struct {
	prefix  string
	fetched int
}

func (r *tileReader) Height() int { return height }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	data := make([][]byte, len(tiles))
	for i, t := range tiles {
		body, err := get(r.prefix + "/" + tilePath(t))
		if err != nil {
			return nil, err
		}
		if len(body) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("%s: %d bytes, expected %d", tilePath(t), len(body), t.W*tlog.HashSize)
		}
		data[i] = body
		r.fetched++
	}
	return data, nil
}

func (r *tileReader) SaveTiles([]tlog.Tile, [][]byte) {}

// entries fetches the entry bundle holding leaf i of a tree of size n and
// splits it: each entry a big-endian uint16 length, then the leaf bytes.
func entries(prefix string, i, n int64) ([][]byte, error) {
	t := tlog.Tile{H: height, L: -1, N: i >> height, W: 1 << height}
	if end := (t.N + 1) << height; end > n {
		t.W = int(n - t.N<<height)
	}
	bundle, err := get(prefix + "/" + tilePath(t))
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for len(bundle) > 0 {
		if len(bundle) < 2 {
			return nil, fmt.Errorf("%s: truncated length", tilePath(t))
		}
		size := int(binary.BigEndian.Uint16(bundle))
		if len(bundle) < 2+size {
			return nil, fmt.Errorf("%s: truncated entry", tilePath(t))
		}
		out = append(out, bundle[2:2+size])
		bundle = bundle[2+size:]
	}
	if len(out) != t.W {
		return nil, fmt.Errorf("%s: %d entries, expected %d", tilePath(t), len(out), t.W)
	}
	return out, nil
}
