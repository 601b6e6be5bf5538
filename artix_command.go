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

// ArtixCommand is one command of a batch. Build it with AddClient,
// UpdateClient, DeleteClient or ClearClient, named as the spec's commands.
// It encodes to the spec's wire form ({"command":"addClient","client":{...}})
// and decodes from it, tolerating the variants listed in
// ArtixCustomerUpdate, so a batch written out (a log, a spool file, an
// exchange file) reads back as the same commands.
type ArtixCommand struct {
	// Name is the command.
	Name ArtixCommandName
	// Client is the record of an addClient command.
	Client *ArtixCustomer
	// Update is the change of an updateClient command.
	Update *ArtixCustomerUpdate
	// ID is the idclient of a deleteClient command.
	ID string
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

// ClearClients is ClearClient.
//
// Deprecated: use ClearClient; command constructors are named exactly as
// the spec's commands (addClient, updateClient, deleteClient, clearClient).
func ClearClients() ArtixCommand { return ClearClient() }

// ClientID is the idclient the command concerns ("" for clearClient).
func (c ArtixCommand) ClientID() string {
	switch {
	case c.Name == ArtixAddClient && c.Client != nil:
		return c.Client.ID
	case c.Name == ArtixUpdateClient && c.Update != nil:
		return c.Update.ID
	}
	return c.ID
}

// MarshalJSON writes the command in the spec's wire form.
func (c ArtixCommand) MarshalJSON() ([]byte, error) { return c.appendJSON(nil) }

var errArtixIncomplete = errors.New("loyalty: incomplete artix command")

func (c ArtixCommand) appendJSON(buf []byte) ([]byte, error) {
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
	default:
		return nil, fmt.Errorf("loyalty: unknown artix command %q", c.Name)
	}
	return append(buf, '}'), nil
}

// UnmarshalJSON reads a command in the spec's wire form. Keys and the
// command name are matched without regard to case; deleteClient's idclient
// may also sit inside a client object.
func (c *ArtixCommand) UnmarshalJSON(b []byte) error {
	var in struct {
		Command  *string         `json:"command"`
		Client   *artixClientIn  `json:"client"`
		IDClient json.RawMessage `json:"idclient"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("artix command: %w", err)
	}
	*c = ArtixCommand{}
	if in.Command == nil {
		return errors.New(`artix command: no "command" key`)
	}
	hasClient := in.Client != nil
	switch name := *in.Command; strings.ToLower(name) {
	case "addclient":
		if !hasClient {
			return errors.New(`artix addClient: no "client" object`)
		}
		var u ArtixCustomerUpdate
		if err := u.from(in.Client); err != nil {
			return err
		}
		c.Name, c.Client = ArtixAddClient, &ArtixCustomer{ID: u.ID}
		c.Client.Apply(u)
		return nil
	case "updateclient":
		if !hasClient {
			return errors.New(`artix updateClient: no "client" object`)
		}
		c.Name, c.Update = ArtixUpdateClient, new(ArtixCustomerUpdate)
		return c.Update.from(in.Client)
	case "deleteclient":
		c.Name = ArtixDeleteClient
		if !isNull(in.IDClient) {
			var err error
			c.ID, err = flexString(in.IDClient)
			return err
		}
		if hasClient {
			var u ArtixCustomerUpdate
			if err := u.from(in.Client); err != nil {
				return err
			}
			c.ID = u.ID
			return nil
		}
		return errors.New(`artix deleteClient: no "idclient"`)
	case "clearclient":
		c.Name = ArtixClearClient
		return nil
	default:
		return fmt.Errorf("artix: unknown command %q", name)
	}
}
