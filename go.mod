module github.com/loyaltykit/loyalty

go 1.26

require github.com/hashicorp/go-retryablehttp v0.7.8

require (
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/jarcoal/httpmock v1.4.2 // indirect
)
