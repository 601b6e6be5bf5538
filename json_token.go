package loyalty

import (
	"encoding/json"
	"fmt"
)

// Helpers for decoders that walk an encoding/json token stream (the Artix
// Cash Server directory read-back).

func jsonKey(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	k, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("expected an object key, got %v", tok)
	}
	return k, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != want {
		return fmt.Errorf("expected %q, got %v", want, tok)
	}
	return nil
}

// skipJSON discards one value without keeping it. A value nested deeper
// than maxJSONDepth is refused with [ErrResponseTooDeep] where it passes the
// bound: json.Decoder.Token keeps a stack entry per open container, which
// grows with the depth however little is kept.
func skipJSON(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if depth++; depth > maxJSONDepth {
				return fmt.Errorf("skipping a value at byte %d: %w (more than %d levels)", dec.InputOffset(), ErrResponseTooDeep, maxJSONDepth)
			}
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}
