package loyalty

// Zero values: a client or service its constructor did not make (a zero
// value, new(T), the nil service field of a zero client) answers every
// call with a *ConfigError instead of panicking. Every exported method
// starts with its receiver's ready. TestZeroValueClientsReturnConfigError
// calls every exported method of every client and service by reflection,
// so a new method that forgets ready fails it, and
// TestZeroValueTestReachesEveryService fails for a new client or service
// the walk does not reach.

// ready refuses a client that [NewCRM] did not make (a zero CRM).
func (c *CRM) ready() error {
	if c == nil || c.core == nil {
		return errZeroClient("CRM", "NewCRM")
	}
	return nil
}

// ready refuses a service that is not a client's (new([ContactService]),
// the nil field of a zero CRM).
func (s *ContactService) ready() error {
	if s == nil {
		return errZeroClient("CRM", "NewCRM")
	}
	return s.crm.ready()
}

// ready refuses a service that is not a client's.
func (s *CampaignService) ready() error {
	if s == nil {
		return errZeroClient("CRM", "NewCRM")
	}
	return s.crm.ready()
}

// ready refuses a service that is not a client's.
func (s *DirectoryService) ready() error {
	if s == nil {
		return errZeroClient("CRM", "NewCRM")
	}
	return s.crm.ready()
}

// ready refuses a client that [NewVirtPOS] did not make (a zero [VirtPOS]).
func (vp *VirtPOS) ready() error {
	if vp == nil || vp.core == nil {
		return errZeroClient("VirtPOS", "NewVirtPOS")
	}
	return nil
}

// ready refuses a service that is not a client's (new([CustomerService]),
// the nil field of a zero [VirtPOS]).
func (s *CustomerService) ready() error {
	if s == nil {
		return errZeroClient("VirtPOS", "NewVirtPOS")
	}
	return s.vp.ready()
}

// ready refuses a service that is not a client's.
func (s *CardService) ready() error {
	if s == nil {
		return errZeroClient("VirtPOS", "NewVirtPOS")
	}
	return s.vp.ready()
}

// errZeroClient is the error of a call on a client or service that its
// constructor did not make: a zero value, new(T), a nil field of either.
func errZeroClient(client, constructor string) error {
	return &ConfigError{Field: client, Reason: "not initialised (a zero value or new(T)); create the client with " + constructor}
}

// ready refuses a service that [NewArtixCashServer] did not make
// (new([ArtixCustomerRecordService]), the nil field of a zero [ArtixCashServer]).
func (s *ArtixCustomerRecordService) ready() error {
	if s == nil || s.cs == nil || s.cs.core == nil {
		return errZeroClient("ArtixCashServer", "NewArtixCashServer")
	}
	return nil
}
