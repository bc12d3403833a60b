package otp

import (
	"crypto/rand"
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
// a random byte picks a character by its remainder, and bytes from the
// top of the range that would make some characters likelier (256 is no
// multiple of the alphabet's size) are drawn again, as rand.Int rejects
// out-of-range values. It takes a few random bytes at a time instead of
// a big.Int per character: a dozen allocations less per code.
func generateCodeOf(length int, alphabet CodeAlphabet) string {
	chars := alphabet.chars()
	limit := 256 - 256%len(chars) // bytes below it map evenly onto chars
	code := make([]byte, 0, MaxCodeLength)
	var random [16]byte
	for len(code) < length {
		rand.Read(random[:]) // never fails (crypto/rand)
		for _, r := range random {
			if int(r) < limit && len(code) < length {
				code = append(code, chars[int(r)%len(chars)])
			}
		}
	}
	return string(code)
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
