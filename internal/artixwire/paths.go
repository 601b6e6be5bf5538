package artixwire

// LoadDictsPath is where a cash register's exchanger takes batches over
// HTTP, relative to its base URL (port 28080).
const LoadDictsPath = "/aifexchange/loaddicts"

// Paths of the Cash Server's REST API (CSrest), relative to its base URL
// (port 8080).
const (
	// CSClientsPath lists every client as one JSON array; a POST creates one.
	CSClientsPath = "/CSrest/rest/dictionaries/clients"
	// CSClientByIDPath is followed by the escaped idclient.
	CSClientByIDPath = CSClientsPath + "/id/"
	// CSClientsByPagePath answers one page: an object whose "content" is
	// the page's clients.
	CSClientsByPagePath = CSClientsPath + "/bypage"
)
