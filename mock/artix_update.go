package mock

import (
	"encoding/json"
	"fmt"

	"github.com/loyaltykit/loyalty"
)

// applyArtixUpdate is rec after an updateClient of u, as the server applies
// it: every attribute u sends replaces rec's, and options and
// communications are merged flag by flag (an update sends only the flags
// it sets). It works on the wire form, as a server does: rec's client
// object with u's keys laid over it, read back. The result shares no
// memory with rec or u.
func applyArtixUpdate(rec loyalty.ArtixCustomer, u loyalty.ArtixCustomerUpdate) (loyalty.ArtixCustomer, error) {
	base, err := artixObject(rec)
	if err != nil {
		return rec, err
	}
	patch, err := artixObject(u)
	if err != nil {
		return rec, err
	}
	for key, v := range patch {
		switch key {
		case "idclient":
			continue
		case "options", "communications":
			if old, ok := base[key]; ok {
				if v, err = mergeArtixFlags(old, v); err != nil {
					return rec, fmt.Errorf("updateClient %s: %w", key, err)
				}
			}
		}
		base[key] = v
	}
	b, err := json.Marshal(base)
	if err != nil {
		return rec, err
	}
	var out loyalty.ArtixCustomer
	if err := json.Unmarshal(b, &out); err != nil {
		return rec, err
	}
	return out, nil
}

// artixObject is v's client object, key by key.
func artixObject(v any) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	return m, json.Unmarshal(b, &m)
}

// mergeArtixFlags lays the flags of patch over those of old (both objects
// of 0/1, as the client encodes them).
func mergeArtixFlags(old, patch json.RawMessage) (json.RawMessage, error) {
	var o, p map[string]json.RawMessage
	if err := json.Unmarshal(old, &o); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, err
	}
	if o == nil {
		o = map[string]json.RawMessage{}
	}
	for k, v := range p {
		o[k] = v
	}
	return json.Marshal(o)
}
