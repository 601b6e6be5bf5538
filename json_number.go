package loyalty

import (
	"fmt"
	"io"
)

// appendNumber reads the number at pos and appends its text to dst when
// keep is set.
func (s *jsonScanner) appendNumber(dst []byte, keep bool) ([]byte, error) {
	st := numStart
	for {
		if s.pos == len(s.buf) && !s.fill() {
			if s.rerr != io.EOF {
				return dst, s.endErr()
			}
			break
		}
		c := s.buf[s.pos]
		next := numberStep(st, c)
		if next == numEnd {
			break
		}
		if next == numBad {
			return dst, s.syntax(fmt.Sprintf("invalid character %q in a number", c))
		}
		st = next
		if keep {
			dst = append(dst, c)
		}
		s.pos++
	}
	if !numberDone(st) {
		return dst, s.syntax("incomplete number")
	}
	return dst, nil
}

// The states of the number grammar: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
const (
	numStart = iota
	numMinus // after '-'
	numZero  // a leading 0
	numInt   // in the integer digits
	numDot   // after '.'
	numFrac  // in the fraction digits
	numE     // after 'e'
	numESign // after the exponent's sign
	numExp   // in the exponent digits
	numEnd   // the byte is not part of the number
	numBad   // the byte makes the number invalid
)

func numberStep(st int, c byte) int {
	digit := '0' <= c && c <= '9'
	switch st {
	case numStart:
		switch {
		case c == '-':
			return numMinus
		case c == '0':
			return numZero
		case digit:
			return numInt
		}
		return numBad
	case numMinus:
		switch {
		case c == '0':
			return numZero
		case digit:
			return numInt
		}
		return numBad
	case numZero, numInt:
		switch {
		case digit && st == numInt:
			return numInt
		case digit:
			return numBad
		case c == '.':
			return numDot
		case c == 'e' || c == 'E':
			return numE
		}
		return numEnd
	case numDot, numFrac:
		switch {
		case digit:
			return numFrac
		case st == numDot:
			return numBad
		case c == 'e' || c == 'E':
			return numE
		}
		return numEnd
	case numE:
		switch {
		case c == '+' || c == '-':
			return numESign
		case digit:
			return numExp
		}
		return numBad
	case numESign, numExp:
		if digit {
			return numExp
		}
		if st == numESign {
			return numBad
		}
		return numEnd
	}
	return numBad
}

func numberDone(st int) bool { return st == numZero || st == numInt || st == numFrac || st == numExp }
