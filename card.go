package loyalty

// CardService inserts, updates and deletes VirtPOS discount cards.
type CardService struct{ vp *VirtPOS }
