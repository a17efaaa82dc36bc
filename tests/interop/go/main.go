// Command checkpoint-verify checks an Outpost ledger checkpoint with an implementation that shares
// no code with Outpost: Go's golang.org/x/mod/sumdb/note, the signed-note verifier behind the Go
// checksum database. It is what an auditor with standard tools would run.
//
//	go run . VERIFIER-KEY NOTE-FILE
//
// VERIFIER-KEY is the ledger's key in sumdb/note form, name+keyid+base64(0x01 || public key).
// On success it prints the checkpoint's fields, one "name value" line each, and exits 0; when the
// signature or the C2SP tlog-checkpoint body is wrong it prints "rejected: why" and exits 1.
package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: checkpoint-verify VERIFIER-KEY NOTE-FILE")
		os.Exit(2)
	}
	msg, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := check(os.Args[1], msg); err != nil {
		fmt.Printf("rejected: %v\n", err)
		os.Exit(1)
	}
}

func check(vkey string, msg []byte) error {
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return fmt.Errorf("verifier key: %w", err)
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		return err
	}
	// tlog-checkpoint: origin, tree size, base64 root hash, then optional extension lines.
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 {
		return fmt.Errorf("checkpoint body has %d lines, needs at least 3", len(lines))
	}
	origin, sizeLine, rootLine := lines[0], lines[1], lines[2]
	if origin != verifier.Name() {
		return fmt.Errorf("origin %q is not the ledger key's name %q", origin, verifier.Name())
	}
	size, err := strconv.ParseUint(sizeLine, 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != sizeLine {
		return fmt.Errorf("tree size %q is not a canonical decimal", sizeLine)
	}
	root, err := base64.StdEncoding.DecodeString(rootLine)
	if err != nil || len(root) != 32 {
		return fmt.Errorf("root hash %q is not 32 bytes of base64", rootLine)
	}
	fmt.Printf("verified %s\n", n.Sigs[0].Name)
	fmt.Printf("origin %s\n", origin)
	fmt.Printf("size %d\n", size)
	fmt.Printf("root %s\n", rootLine)
	for _, extension := range lines[3:] {
		if extension == "" {
			return fmt.Errorf("empty extension line")
		}
		fmt.Printf("extension %s\n", extension)
	}
	return nil
}
