package otp

import (
	"crypto/rand"
	"math/big"
	"strings"
)

// CodeAlphabet is what a project's codes are made of: digits (the
// default), letters, or both. Letters leave out those that read like a
// digit or like each other (I, L, O), so a code read aloud or copied by
// hand survives.
type CodeAlphabet string

// Code alphabets. The zero value is CodeDigits, so that policies stored
// before alphabets existed keep their digits.
const (
	CodeDigits       CodeAlphabet = "digits"
	CodeLetters      CodeAlphabet = "letters"
	CodeAlphanumeric CodeAlphabet = "alphanumeric"
)

// Characters codes are drawn from.
const (
	digitChars  = "0123456789"
	letterChars = "ABCDEFGHJKMNPQRSTUVWXYZ" // A–Z without I, L and O
)

// HasDigits reports whether codes of the alphabet contain digits.
func (a CodeAlphabet) HasDigits() bool { return a != CodeLetters }

// HasLetters reports whether codes of the alphabet contain letters.
func (a CodeAlphabet) HasLetters() bool { return a == CodeLetters || a == CodeAlphanumeric }

// AlphabetOf is the alphabet with digits, letters or both; ok is false
// when neither is asked for.
func AlphabetOf(digits, letters bool) (a CodeAlphabet, ok bool) {
	switch {
	case digits && letters:
		return CodeAlphanumeric, true
	case letters:
		return CodeLetters, true
	case digits:
		return CodeDigits, true
	}
	return "", false
}

func (a CodeAlphabet) valid() bool {
	switch a {
	case "", CodeDigits, CodeLetters, CodeAlphanumeric:
		return true
	}
	return false
}

// chars is the set a code of the alphabet is drawn from.
func (a CodeAlphabet) chars() string {
	switch a {
	case CodeLetters:
		return letterChars
	case CodeAlphanumeric:
		return digitChars + letterChars
	}
	return digitChars
}

// generateCodeOf returns length characters of alphabet drawn uniformly:
// each comes from rand.Int, which rejects out-of-range values instead of
// taking a modulo, so no character is more likely than another.
func generateCodeOf(length int, alphabet CodeAlphabet) string {
	chars := alphabet.chars()
	n := big.NewInt(int64(len(chars)))
	b := make([]byte, length)
	for i := range b {
		d, err := rand.Int(rand.Reader, n)
		if err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		b[i] = chars[d.Int64()]
	}
	return string(b)
}

// normalizeCode is the form of a typed code that is compared: letters in
// upper case, and the letters no code contains read as the digits they
// look like (O as 0, I and L as 1). Every API compares codes this way, so
// a person may type a code in either case.
func normalizeCode(code string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == 'o' || r == 'O':
			return '0'
		case r == 'i' || r == 'I' || r == 'l' || r == 'L':
			return '1'
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, code)
}
