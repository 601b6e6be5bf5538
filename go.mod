module github.com/loyaltykit/loyalty

go 1.26

require (
	github.com/google/go-querystring v1.2.0
	github.com/google/uuid v1.6.0
	github.com/hashicorp/go-retryablehttp v0.7.8
	github.com/jarcoal/httpmock v1.4.2
	github.com/shopspring/decimal v1.6.0
	golang.org/x/text v0.41.0
)

require github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
