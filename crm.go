package loyalty

// crmSettings are the options only NewCRM accepts.
type crmSettings struct{}
