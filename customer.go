package loyalty

// CustomerService reads and writes VirtPOS customers.
type CustomerService struct{ vp *VirtPOS }
