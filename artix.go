package loyalty

// artixSettings are the options only the Artix constructors accept.
type artixSettings struct{}
