package main

import (
	"crypto/sha256"
	"encoding/hex"
)

func fileSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
