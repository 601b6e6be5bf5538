package artixwire

// The load-status callback paths of the Cash Server REST API that a
// status receiver mimics; the shop, cash code and id follow.
const (
	BackOfficeStatePath = "/CSrest/rest/dicts/backOfficeState/" // POST {shop}; PUT {shop}/{id}
	CashLoadPath        = "/CSrest/rest/dicts/cashLoad/"        // PUT {shop}/{cash}/{id}
)

// Callback is a status callback's body.
type Callback struct {
	Status    string  `json:"status"`
	MessageEn string  `json:"messageEn"`
	MessageRu string  `json:"messageRu"`
	Format    string  `json:"format,omitempty"`   // "ARTIXINTERCHANGE" on the back-office POST
	FileName  *string `json:"fileName,omitempty"` // null on the back-office POST
}

// The query parameters of a load.
const (
	ParamShopCode      = "shopcode"
	ParamDictionaryID  = "dictionaryid"
	ParamStatusAddress = "addressstatusserver"
)
