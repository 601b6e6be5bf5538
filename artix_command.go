package loyalty

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ArtixCommandName is the "command" key of an Artix directory command.
type ArtixCommandName string

// The client directory commands of the Artix spec.
const (
	ArtixAddClient    ArtixCommandName = "addClient"    // create (or replace) a client record
	ArtixUpdateClient ArtixCommandName = "updateClient" // change some attributes of a client
	ArtixDeleteClient ArtixCommandName = "deleteClient" // remove one client
	ArtixClearClient  ArtixCommandName = "clearClient"  // empty the whole client directory
)

// ArtixCommand is one command of a batch. Build it with [AddClient],
// [UpdateClient], [DeleteClient] or [ClearClient], named as the spec's commands;
// with [AddCard], [AddCardGroup] or [AddChangeCardAccount] for the card
// dictionaries; or with [ArtixRawCommand] for any other dictionary command.
// It encodes to the wire form ({"command":"addClient","client":{...}})
// and decodes from it, tolerating the variants listed in
// [ArtixCustomerUpdate], so a batch written out (a log, a spool file, an
// exchange file) reads back as the same commands. A command with another
// name decodes as a raw command.
type ArtixCommand struct {
	// Name is the command.
	Name ArtixCommandName
	// Client is the record of an addClient command.
	Client *ArtixCustomer
	// Update is the change of an updateClient command.
	Update *ArtixCustomerUpdate
	// ID is the idclient of a deleteClient command.
	ID string
	// Card is the card of an addCard command.
	Card *ArtixCard
	// CardGroup is the group of an addCardGroup command.
	CardGroup *ArtixCardGroup
	// CardAccount is the binding of an addChangeCardAccount command.
	CardAccount *ArtixCardAccount
	// Key and Payload are a raw command's payload key and JSON value
	// (ArtixRawCommand); Key is "" for a command without a payload.
	Key     string
	Payload json.RawMessage

	raw bool // made by ArtixRawCommand
}

// AddClient is an addClient command creating c.
func AddClient(c ArtixCustomer) ArtixCommand { return ArtixCommand{Name: ArtixAddClient, Client: &c} }

// UpdateClient is an updateClient command: u.ID and only the attributes u sets.
func UpdateClient(u ArtixCustomerUpdate) ArtixCommand {
	return ArtixCommand{Name: ArtixUpdateClient, Update: &u}
}

// DeleteClient is a deleteClient command removing the client with idclient id.
func DeleteClient(id string) ArtixCommand { return ArtixCommand{Name: ArtixDeleteClient, ID: id} }

// ClearClient is a clearClient command emptying the client directory.
func ClearClient() ArtixCommand { return ArtixCommand{Name: ArtixClearClient} }

// ClientID is the idclient the command concerns: the client's of a client
// command, the holder's of addCard, "" for the others.
func (c ArtixCommand) ClientID() string {
	switch {
	case c.IsRaw():
		return ""
	case c.Name == ArtixAddClient && c.Client != nil:
		return c.Client.ID
	case c.Name == ArtixUpdateClient && c.Update != nil:
		return c.Update.ID
	case c.Name == ArtixAddCard && c.Card != nil:
		return c.Card.ClientID
	}
	return c.ID
}

// MarshalJSON writes the command in the spec's wire form.
func (c ArtixCommand) MarshalJSON() ([]byte, error) { return c.appendJSON(nil) }

var errArtixIncomplete = errors.New("loyalty: incomplete artix command")

func (c ArtixCommand) appendJSON(buf []byte) ([]byte, error) {
	if c.IsRaw() {
		return c.appendRawJSON(buf)
	}
	switch c.Name {
	case ArtixAddClient:
		if c.Client == nil {
			return nil, fmt.Errorf("%w: addClient without a client", errArtixIncomplete)
		}
		buf = append(buf, `{"command":"addClient","client":`...)
		u := c.Client.asUpdate()
		buf = u.appendJSON(buf)
	case ArtixUpdateClient:
		if c.Update == nil {
			return nil, fmt.Errorf("%w: updateClient without a client", errArtixIncomplete)
		}
		buf = append(buf, `{"command":"updateClient","client":`...)
		buf = c.Update.appendJSON(buf)
	case ArtixDeleteClient:
		buf = append(buf, `{"command":"deleteClient","idclient":`...)
		buf = appendJSONString(buf, c.ID)
	case ArtixClearClient:
		buf = append(buf, `{"command":"clearClient"`...)
	case ArtixAddCard:
		if c.Card == nil {
			return nil, fmt.Errorf("%w: addCard without a card", errArtixIncomplete)
		}
		buf = append(buf, `{"command":"addCard","card":`...)
		buf = c.Card.appendJSON(buf)
	case ArtixAddCardGroup:
		if c.CardGroup == nil {
			return nil, fmt.Errorf("%w: addCardGroup without a cardGroup", errArtixIncomplete)
		}
		buf = append(buf, `{"command":"addCardGroup","cardGroup":`...)
		buf = c.CardGroup.appendJSON(buf)
	case ArtixAddChangeCardAccount:
		if c.CardAccount == nil {
			return nil, fmt.Errorf("%w: addChangeCardAccount without a ChangeCardAccount", errArtixIncomplete)
		}
		buf = append(buf, `{"command":"addChangeCardAccount","ChangeCardAccount":`...)
		buf = c.CardAccount.appendJSON(buf)
	default:
		return nil, fmt.Errorf("loyalty: unknown artix command %q", c.Name)
	}
	return append(buf, '}'), nil
}

// UnmarshalJSON reads a command in the spec's wire form. Keys and the
// command name are matched without regard to case; deleteClient's idclient
// may also sit inside a client object.
func (c *ArtixCommand) UnmarshalJSON(b []byte) error {
	// The payloads stay raw until the command says which one to read, so a
	// raw command may carry any value under any key.
	var in struct {
		Command     *string         `json:"command"`
		Client      json.RawMessage `json:"client"`
		IDClient    json.RawMessage `json:"idclient"`
		Card        json.RawMessage `json:"card"`
		CardGroup   json.RawMessage `json:"cardGroup"`
		CardAccount json.RawMessage `json:"ChangeCardAccount"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("artix command: %w", err)
	}
	*c = ArtixCommand{}
	if in.Command == nil {
		return errors.New(`artix command: no "command" key`)
	}
	name := *in.Command
	// payload decodes the command's object under key into v.
	payload := func(key string, raw json.RawMessage, v any) error {
		if isNull(raw) {
			return fmt.Errorf("artix %s: no %q object", name, key)
		}
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("artix %s: %s: %w", name, key, err)
		}
		return nil
	}
	switch strings.ToLower(name) {
	case "addclient", "updateclient":
		var in2 artixClientIn
		if err := payload("client", in.Client, &in2); err != nil {
			return err
		}
		var u ArtixCustomerUpdate
		if err := u.from(&in2); err != nil {
			return err
		}
		if strings.EqualFold(name, "updateclient") {
			c.Name, c.Update = ArtixUpdateClient, &u
			return nil
		}
		c.Name, c.Client = ArtixAddClient, &ArtixCustomer{ID: u.ID}
		c.Client.apply(u)
		return nil
	case "deleteclient":
		c.Name = ArtixDeleteClient
		if !isNull(in.IDClient) {
			var err error
			c.ID, err = flexString(in.IDClient)
			return err
		}
		if !isNull(in.Client) {
			var u ArtixCustomerUpdate
			if err := u.UnmarshalJSON(in.Client); err != nil {
				return fmt.Errorf("artix deleteClient: client: %w", err)
			}
			c.ID = u.ID
			return nil
		}
		return errors.New(`artix deleteClient: no "idclient"`)
	case "clearclient":
		c.Name = ArtixClearClient
		return nil
	case "addcard":
		c.Name, c.Card = ArtixAddCard, new(ArtixCard)
		return payload("card", in.Card, c.Card)
	case "addcardgroup":
		c.Name, c.CardGroup = ArtixAddCardGroup, new(ArtixCardGroup)
		return payload("cardGroup", in.CardGroup, c.CardGroup)
	case "addchangecardaccount":
		c.Name, c.CardAccount = ArtixAddChangeCardAccount, new(ArtixCardAccount)
		return payload("ChangeCardAccount", in.CardAccount, c.CardAccount)
	default:
		return c.unmarshalRaw(name, b)
	}
}
