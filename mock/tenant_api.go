package mock

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/loyaltykit/loyalty"
)

// VirtPOS is a VirtPOS client carrying the tenant's apikey (see [Server.VirtPOS]).
func (t *Tenant) VirtPOS(opts ...loyalty.VirtPOSOption) *loyalty.VirtPOS {
	return t.srv.VirtPOS(opts...)
}

// CRM is a CRM client carrying the tenant's commercial_firm_id (see [Server.CRM]).
func (t *Tenant) CRM(opts ...loyalty.CRMOption) *loyalty.CRM { return t.srv.CRM(opts...) }

// Artix is an Artix client carrying the tenant's shop code and basic auth (see [Server.Artix]).
func (t *Tenant) Artix(opts ...loyalty.ArtixOption) *loyalty.Artix { return t.srv.Artix(opts...) }

// ArtixCashServer is a Cash Server client carrying the tenant's basic auth (see [Server.ArtixCashServer]).
func (t *Tenant) ArtixCashServer(opts ...loyalty.ArtixCashServerOption) *loyalty.ArtixCashServer {
	return t.srv.ArtixCashServer(opts...)
}

// Transport is the Server's in-memory transport, which routes the tenant's requests by their credentials.
func (t *Tenant) Transport() http.RoundTripper { return t.srv.Transport() }

// ClientCertificate is the Server's CRM client certificate, which every tenant shares.
func (t *Tenant) ClientCertificate() tls.Certificate { return t.srv.ClientCertificate() }

// RootCAs trusts the Server's CRM certificate, which every tenant shares.
func (t *Tenant) RootCAs() *x509.CertPool { return t.srv.RootCAs() }

// CACertPEM is the Server's CA certificate in PEM form.
func (t *Tenant) CACertPEM() []byte { return t.srv.CACertPEM() }

// ClientCertPEM is the Server's CRM client certificate in PEM form.
func (t *Tenant) ClientCertPEM() []byte { return t.srv.ClientCertPEM() }

// ClientKeyPEM is the private key of ClientCertificate in PEM form.
func (t *Tenant) ClientKeyPEM() []byte { return t.srv.ClientKeyPEM() }

// Reset is [Server.Reset] for the tenant alone.
func (t *Tenant) Reset() { t.srv.Reset() }

// Fail is [Server.Fail] for the tenant alone.
func (t *Tenant) Fail(f Fault) error { return t.srv.Fail(f) }

// Faults is [Server.Faults] for the tenant alone.
func (t *Tenant) Faults() []Fault { return t.srv.Faults() }

// ClearFaults is [Server.ClearFaults] for the tenant alone.
func (t *Tenant) ClearFaults() { t.srv.ClearFaults() }

// Requests is [Server.Requests] for the tenant alone.
func (t *Tenant) Requests() []Request { return t.srv.Requests() }

// RequestsTo is [Server.RequestsTo] for the tenant alone.
func (t *Tenant) RequestsTo(api API) []Request { return t.srv.RequestsTo(api) }

// Snapshot is [Server.Snapshot] for the tenant alone.
func (t *Tenant) Snapshot() ([]byte, error) { return t.srv.Snapshot() }

// Restore is [Server.Restore] for the tenant alone.
func (t *Tenant) Restore(data []byte) error { return t.srv.Restore(data) }

// ServeArtixExchangeDir is [Server.ServeArtixExchangeDir] for the tenant alone.
func (t *Tenant) ServeArtixExchangeDir(ctx context.Context, dir string) error {
	return t.srv.ServeArtixExchangeDir(ctx, dir)
}

// ArtixLoadErrors is [Server.ArtixLoadErrors] for the tenant alone.
func (t *Tenant) ArtixLoadErrors() []error { return t.srv.ArtixLoadErrors() }

// ArtixLoadFailures is [Server.ArtixLoadFailures] for the tenant alone.
func (t *Tenant) ArtixLoadFailures() []ArtixLoadFailure { return t.srv.ArtixLoadFailures() }

// SetArtixCashes is [Server.SetArtixCashes] for the tenant alone.
func (t *Tenant) SetArtixCashes(n int) { t.srv.SetArtixCashes(n) }

// SetArtixCashLoadGap is [Server.SetArtixCashLoadGap] for the tenant alone.
func (t *Tenant) SetArtixCashLoadGap(d time.Duration) { t.srv.SetArtixCashLoadGap(d) }

// VirtPOSCustomer is [Server.VirtPOSCustomer] for the tenant alone.
func (t *Tenant) VirtPOSCustomer(id int64) (loyalty.Customer, bool) { return t.srv.VirtPOSCustomer(id) }

// VirtPOSCustomers is [Server.VirtPOSCustomers] for the tenant alone.
func (t *Tenant) VirtPOSCustomers() []loyalty.Customer { return t.srv.VirtPOSCustomers() }

// VirtPOSCards is [Server.VirtPOSCards] for the tenant alone.
func (t *Tenant) VirtPOSCards() []Card { return t.srv.VirtPOSCards() }

// VirtPOSCard is [Server.VirtPOSCard] for the tenant alone.
func (t *Tenant) VirtPOSCard(uid string) (Card, bool) { return t.srv.VirtPOSCard(uid) }

// VirtPOSGroups is [Server.VirtPOSGroups] for the tenant alone.
func (t *Tenant) VirtPOSGroups() map[int64]string { return t.srv.VirtPOSGroups() }

// AddVirtPOSCustomers is [Server.AddVirtPOSCustomers] for the tenant alone.
func (t *Tenant) AddVirtPOSCustomers(n int) int { return t.srv.AddVirtPOSCustomers(n) }

// ArtixCustomers is [Server.ArtixCustomers] for the tenant alone.
func (t *Tenant) ArtixCustomers() map[string]loyalty.ArtixCustomer { return t.srv.ArtixCustomers() }

// ArtixCustomer is [Server.ArtixCustomer] for the tenant alone.
func (t *Tenant) ArtixCustomer(id string) (loyalty.ArtixCustomer, bool) {
	return t.srv.ArtixCustomer(id)
}

// ArtixCustomerCount is [Server.ArtixCustomerCount] for the tenant alone.
func (t *Tenant) ArtixCustomerCount() int { return t.srv.ArtixCustomerCount() }

// ArtixCards is [Server.ArtixCards] for the tenant alone.
func (t *Tenant) ArtixCards() map[string]loyalty.ArtixCard { return t.srv.ArtixCards() }

// ArtixCustomerCards is [Server.ArtixCustomerCards] for the tenant alone.
func (t *Tenant) ArtixCustomerCards(id string) []loyalty.ArtixCard {
	return t.srv.ArtixCustomerCards(id)
}

// ArtixCardGroups is [Server.ArtixCardGroups] for the tenant alone.
func (t *Tenant) ArtixCardGroups() map[string]loyalty.ArtixCardGroup { return t.srv.ArtixCardGroups() }

// ArtixCardAccounts is [Server.ArtixCardAccounts] for the tenant alone.
func (t *Tenant) ArtixCardAccounts() map[string]loyalty.ArtixCardAccount {
	return t.srv.ArtixCardAccounts()
}

// ArtixDictionary is [Server.ArtixDictionary] for the tenant alone.
func (t *Tenant) ArtixDictionary(name string) []loyalty.ArtixCommand {
	return t.srv.ArtixDictionary(name)
}

// ArtixDictionaries is [Server.ArtixDictionaries] for the tenant alone.
func (t *Tenant) ArtixDictionaries() []string { return t.srv.ArtixDictionaries() }

// CRMCommunication is [Server.CRMCommunication] for the tenant alone.
func (t *Tenant) CRMCommunication(contactID uuid.UUID) (loyalty.Communication, bool) {
	return t.srv.CRMCommunication(contactID)
}
