package loyalty

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// ArtixRawCommand is any other dictionary command the exchanger accepts,
// as {"command": name, key: payload}: e.g.
// ArtixRawCommand("addUnit", "unit", json.RawMessage(`{"idunit":1,"name":"шт"}`))
// or ArtixRawCommand("clearInventory", "", nil) for a command without a
// payload. It is checked by shape only, never by content: name is a
// command name (a lower-case letter, then letters and digits, at most 100
// characters), key a payload key (letters, digits and underscores,
// starting with a letter, not "command"), payload one well-formed JSON
// value, present exactly when key is. A command that fails the check is
// refused with the batch before anything is sent; one that passes is sent
// as given (compacted), never dropped. A name the SDK types (addClient,
// addCard, …) is sent raw too, without the typed commands' checks.
func ArtixRawCommand(name, key string, payload json.RawMessage) ArtixCommand {
	return ArtixCommand{Name: ArtixCommandName(name), Key: key, Payload: payload, raw: true}
}

// IsRaw reports a command made by [ArtixRawCommand], or decoded with a name
// the SDK does not type.
func (c ArtixCommand) IsRaw() bool {
	return c.raw || c.Key != "" || c.Payload != nil || (c.Name != "" && !c.Name.typed())
}

// typed reports a command name the SDK has a type for.
func (n ArtixCommandName) typed() bool {
	switch n {
	case ArtixAddClient, ArtixUpdateClient, ArtixDeleteClient, ArtixClearClient,
		ArtixAddCard, ArtixAddCardGroup, ArtixAddChangeCardAccount:
		return true
	}
	return false
}

// Dictionary is what a raw command is filed under: its payload key, or
// its name when it has no payload. The mock keeps raw commands by it.
func (c ArtixCommand) Dictionary() string {
	if c.Key != "" {
		return c.Key
	}
	return string(c.Name)
}

func (c ArtixCommand) appendRawJSON(buf []byte) ([]byte, error) {
	if err := c.validateRaw(); err != nil {
		return nil, err
	}
	buf = append(buf, `{"command":`...)
	buf = appendJSONString(buf, string(c.Name))
	if c.Key != "" {
		buf = append(buf, ',')
		buf = appendJSONString(buf, c.Key)
		buf = append(buf, ':')
		var out bytes.Buffer
		if err := json.Compact(&out, c.Payload); err != nil {
			return nil, err
		}
		buf = append(buf, out.Bytes()...)
	}
	return append(buf, '}'), nil
}

// unmarshalRaw reads a command the SDK does not type: its name and at
// most one payload key.
func (c *ArtixCommand) unmarshalRaw(name string, b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("artix command: %w", err)
	}
	*c = ArtixCommand{Name: ArtixCommandName(name), raw: true}
	for k, v := range m {
		if k == "command" {
			continue
		}
		if c.Key != "" {
			return fmt.Errorf("artix %s: more than one payload key (%q, %q); a raw command carries one", firstLine(name, 100), c.Key, k)
		}
		c.Key, c.Payload = k, v
	}
	if err := c.validateRaw(); err != nil {
		return errors.New("artix " + firstLine(name, 100) + ": " + err.(*ValidationError).Field + ": " + err.(*ValidationError).Reason)
	}
	return nil
}

// validateRaw checks a raw command's shape.
func (c ArtixCommand) validateRaw() error {
	switch {
	case !isArtixName(string(c.Name), false):
		return &ValidationError{Field: "command", Reason: fmt.Sprintf("%q is not a command name: a lower-case letter, then letters and digits, at most 100 characters", firstLine(string(c.Name), 100))}
	case c.Key == "" && c.Payload != nil:
		return &ValidationError{Field: "key", Reason: "a payload without a key"}
	case c.Key == "":
		return nil
	case !isArtixName(c.Key, true) || c.Key == "command":
		return &ValidationError{Field: "key", Reason: fmt.Sprintf("%q is not a payload key: letters, digits and underscores, starting with a letter, at most 100 characters, not \"command\"", firstLine(c.Key, 100))}
	case len(bytes.TrimSpace(c.Payload)) == 0:
		return &ValidationError{Field: c.Key, Reason: "no payload"}
	case !json.Valid(c.Payload):
		return &ValidationError{Field: c.Key, Reason: "the payload is not well-formed JSON"}
	}
	return nil
}

// isArtixName reports a command name (a lower-case ASCII letter first) or,
// with key, a payload key (any ASCII letter first, underscores allowed):
// at most 100 characters, ASCII letters and digits.
func isArtixName(s string, key bool) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
		case c >= 'A' && c <= 'Z' && (key || i > 0):
		case c >= '0' && c <= '9' && i > 0:
		case c == '_' && key && i > 0:
		default:
			return false
		}
	}
	return true
}
