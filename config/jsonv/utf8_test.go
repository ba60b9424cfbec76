package jsonv

import "unicode/utf8"

func decode(b []byte) (rune, int) { return utf8.DecodeRune(b) }
