package loyalty

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// ErrNotFound matches (with errors.Is) every error that means the record a
// call addressed does not exist, in every API: a [VirtPOS] customer or card
// that is absent (an empty answer, or success=0 whose info says so), a CRM
// "not found" code about the addressed record, an Artix client the
// directory read-back does not hold. A record the call only refers to is
// not it: VirtPOS's "Тип карты не найден" on a card write and the CRM's
// 10040 (card type not found) from BindVirtualCard are plain errors
// (errors.Is(err, [CodeCardTypeNotFound]) for the latter). A bare HTTP 404
// does not match it either: that is a wrong path or a proxy's page, and a
// cleanup loop that skips ErrNotFound must not take it for a record
// already gone.
var ErrNotFound = errors.New("loyalty: not found")

// ErrUnauthorized matches (with errors.Is) every error that means the
// credentials were refused, so callers can tell bad credentials from bad
// data: [VirtPOS]'s answer to a wrong apikey, the CRM's access denied
// ([CodeAccessDenied], 10210), and an HTTP 401 or 403 from any of the APIs
// (Artix's answer to wrong basic-auth credentials).
var ErrUnauthorized = errors.New("loyalty: unauthorized")

// ErrResponseTooLarge matches a response body over the [WithMaxResponseBytes] limit.
var ErrResponseTooLarge = errors.New("loyalty: response body too large")

// ErrResponseTooDeep matches a JSON response nested deeper than any answer
// of the three APIs (64 levels): it is refused where the nesting passes
// the bound, so skipping such a value costs neither time nor memory in
// proportion to its depth.
var ErrResponseTooDeep = errors.New("loyalty: response nested too deeply")

// PermanentError is how a transport error says that sending the same
// request again cannot help: when the error a RoundTripper returns, or any
// error in its chain (as errors.As finds it), has a Permanent method that
// reports true, the client does not retry the request, however it is
// configured, and returns a *[RequestError] wrapping the error after the one
// attempt. Any RoundTripper may implement it without importing this
// package; cassette.NoMatchError (a request the cassette has no answer
// for) does. A false Permanent leaves the error to the usual policy.
type PermanentError interface {
	error
	Permanent() bool
}

// APIError is a response the API answered but that is not a success: a
// non-2xx status, a [VirtPOS] envelope with success=0, an Artix error reply,
// or a body that could not be decoded (an HTML page from a proxy, say).
// Secrets are never part of it.
type APIError struct {
	API        string // "virtpos", "crm" or "artix"
	Method     string // HTTP method
	URL        string // request URL with secrets redacted
	StatusCode int    // HTTP status
	Info       string // the server's own message (VirtPOS info, Artix error text)
	Body       string // the first bytes of the response body, redacted
	Attempts   int    // how many times the request was sent
	Err        error  // the cause, if any: a decode error, ErrNotFound, ErrResponseTooLarge
	// Header is the response's header (a request id, Retry-After), with
	// secrets redacted from its values.
	Header http.Header
}

// Is makes errors.Is(err, [ErrUnauthorized]) true for an HTTP 401 or 403.
func (e *APIError) Is(target error) bool {
	return target == ErrUnauthorized && (e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden)
}

// RetryAfter is the server's Retry-After (delay-seconds or an HTTP-date,
// as a wait from now) on a 429 or 503 that ran out of retries; ok is false
// for any other answer or when there is none.
func (e *APIError) RetryAfter() (d time.Duration, ok bool) {
	if e.StatusCode != http.StatusTooManyRequests && e.StatusCode != http.StatusServiceUnavailable {
		return 0, false
	}
	return parseRetryAfter(e.Header.Get("Retry-After"), time.Now())
}

// Error reads "loyalty: <api> <method> <redacted url>: HTTP <status>: <info or cause>".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("loyalty: ")
	b.WriteString(e.API)
	b.WriteString(" ")
	b.WriteString(e.Method)
	b.WriteString(" ")
	b.WriteString(e.URL)
	b.WriteString(": HTTP ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" ")
		b.WriteString(t)
	}
	if e.Info != "" {
		b.WriteString(": ")
		b.WriteString(e.Info)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Info == "" && e.Err == nil && e.Body != "" {
		b.WriteString(": body: ")
		b.WriteString(strconv.Quote(firstLine(e.Body, 120)))
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *APIError) Unwrap() error { return e.Err }

// RequestError is a request that got no usable response: a transport
// failure (connection refused or reset, TLS handshake failure), a cancelled
// context or an exhausted deadline. errors.Is(err, context.DeadlineExceeded)
// and friends work through it.
type RequestError struct {
	API      string // "virtpos", "crm" or "artix"
	Method   string // HTTP method
	URL      string // request URL with secrets redacted
	Attempts int    // how many times the request was sent
	Err      error  // the cause, with secrets removed
}

// Error reads "loyalty: <api> <method> <redacted url>: <cause>".
func (e *RequestError) Error() string {
	msg := fmt.Sprintf("loyalty: %s %s %s: %v", e.API, e.Method, e.URL, e.Err)
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return msg
}

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// Attempts reports how many times the request behind err was sent, or 0
// when err did not come from a request.
func Attempts(err error) int {
	var a *APIError
	var r *RequestError
	var c *CRMError
	switch {
	case errors.As(err, &a):
		return a.Attempts
	case errors.As(err, &c):
		return c.Attempts
	case errors.As(err, &r):
		return r.Attempts
	}
	return 0
}

// ValidationError is input refused before anything was sent.
type ValidationError struct {
	Field  string // the field or argument at fault, e.g. "id" or "client[3].birthday"
	Reason string // what is wrong with it
}

// Error reads "loyalty: invalid <field>: <reason>".
func (e *ValidationError) Error() string {
	return "loyalty: invalid " + e.Field + ": " + e.Reason
}

func firstLine(s string, n int) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

// ErrorCode is a CRM error code (section 5 of the CRM spec). It implements
// error, so errors.Is(err, [CodeCardAlreadyOwned]) finds it in a *CRMError.
type ErrorCode int

// CRM error codes, with the spec's Russian texts in [ErrorCode.Description].
const (
	CodeContactNotFound         ErrorCode = 10010 // Контакт не найден
	CodeCardDoesNotExist        ErrorCode = 10020 // Карта не существует
	CodeCardTypeAlreadyLinked   ErrorCode = 10030 // Указанный тип карты уже связан с партнером
	CodeCardTypeNotFound        ErrorCode = 10040 // Тип карты не найден
	CodeCardTypeInactive        ErrorCode = 10050 // Тип карты не активен
	CodeCardTypeNotVirtual      ErrorCode = 10060 // Тип карты не виртуальный
	CodeVirtualProviderNotFound ErrorCode = 10070 // Провайдер виртуальных карт не найден
	CodeNoVirtualCardsAvailable ErrorCode = 10080 // Нет виртуальных карт, доступных для привязки
	CodeCardNotFound            ErrorCode = 10090 // Карта не найдена
	CodeCardIDUndefined         ErrorCode = 10100 // параметр «Идентификатор карты» не определен
	CodeRegionNotFound          ErrorCode = 10110 // Регион типа "%1!" не найден
	CodeRegionInactive          ErrorCode = 10120 // Регион типа "%1!" не активен
	CodePartnerNotFound         ErrorCode = 10130 // Партнер не найден
	CodePartnerInactive         ErrorCode = 10140 // Партнер не активен
	CodeInvalidDateRange        ErrorCode = 10150 // Некорректный диапазон дат
	CodeCardNotActive           ErrorCode = 10160 // Карта не активна
	CodeCardNotFound2           ErrorCode = 10170 // Карта не найдена (second code of the spec)
	CodeRecordNotFound          ErrorCode = 10180 // Запись не найдена
	CodeRecordInactive          ErrorCode = 10190 // Запись не активна
	CodeDuplicatePhone          ErrorCode = 10200 // Существует контакт с таким номером
	CodeAccessDenied            ErrorCode = 10210 // Вы не имеете прав для добавления записи
	CodeDuplicateEmail          ErrorCode = 10220 // Существует контакт с таким email адресом
	CodeCardAlreadyOwned        ErrorCode = 10230 // Карта уже принадлежит клиенту
)

var errorCodeText = map[ErrorCode]string{
	CodeContactNotFound:         "Контакт не найден",
	CodeCardDoesNotExist:        "Карта не существует",
	CodeCardTypeAlreadyLinked:   "Указанный тип карты уже связан с партнером",
	CodeCardTypeNotFound:        "Тип карты не найден",
	CodeCardTypeInactive:        "Тип карты не активен",
	CodeCardTypeNotVirtual:      "Тип карты не виртуальный",
	CodeVirtualProviderNotFound: "Провайдер виртуальных карт не найден",
	CodeNoVirtualCardsAvailable: "Нет виртуальных карт, доступных для привязки",
	CodeCardNotFound:            "Карта не найдена",
	CodeCardIDUndefined:         "параметр «Идентификатор карты» не определен",
	CodeRegionNotFound:          "Регион типа \"%1!\" не найден",
	CodeRegionInactive:          "Регион типа \"%1!\" не активен",
	CodePartnerNotFound:         "Партнер не найден",
	CodePartnerInactive:         "Партнер не активен",
	CodeInvalidDateRange:        "Некорректный диапазон дат",
	CodeCardNotActive:           "Карта не активна",
	CodeCardNotFound2:           "Карта не найдена",
	CodeRecordNotFound:          "Запись не найдена",
	CodeRecordInactive:          "Запись не активна",
	CodeDuplicatePhone:          "Существует контакт с таким номером",
	CodeAccessDenied:            "Вы не имеете прав для добавления записи",
	CodeDuplicateEmail:          "Существует контакт с таким email адресом",
	CodeCardAlreadyOwned:        "Карта уже принадлежит клиенту",
}

// Known reports whether the spec documents c.
func (c ErrorCode) Known() bool {
	_, ok := errorCodeText[c]
	return ok
}

// Description is the spec's Russian text for c, or a note that the code is
// not documented.
func (c ErrorCode) Description() string {
	if t, ok := errorCodeText[c]; ok {
		return t
	}
	return "неизвестный код ошибки (not documented in the spec)"
}

// Error makes [ErrorCode] an error: "crm error 10230: Карта уже принадлежит клиенту".
func (c ErrorCode) Error() string {
	return "crm error " + strconv.Itoa(int(c)) + ": " + c.Description()
}

// Is makes errors.Is(code, [ErrNotFound]) true for the codes that say the
// addressed record does not exist, and errors.Is(code, [ErrUnauthorized])
// for [CodeAccessDenied].
func (c ErrorCode) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return c.notFound()
	case ErrUnauthorized:
		return c == CodeAccessDenied
	}
	return false
}

// notFound reports the codes that say the record a call addressed does not
// exist. [CodeCardTypeNotFound] is not one: no call addresses a card type;
// BindVirtualCard refers to one, as a [VirtPOS] card refers to its type.
func (c ErrorCode) notFound() bool {
	switch c {
	case CodeContactNotFound, CodeCardDoesNotExist, CodeCardNotFound,
		CodeCardNotFound2, CodeRecordNotFound, CodePartnerNotFound, CodeRegionNotFound:
		return true
	}
	return false
}

// CRMErrorDetail is one entry of a CRM response's errors array.
//
// Codes the spec does not list are kept as they came: the CRM is a
// gateway in front of Manzana Loyalty that renumbers Manzana's errors and
// may pass through a code it does not map (Manzana's 100961 "wrong PIN",
// say; see docs/virtpos-crm-field-notes.md). Description is the server's
// text verbatim, placeholders such as the spec's own "%1!" included.
type CRMErrorDetail struct {
	Code            ErrorCode `json:"code"`
	Description     string    `json:"description"`
	InternalErrorID string    `json:"internal_error_id,omitempty"`
}

// UnmarshalJSON reads a code as a JSON integer or a string holding one
// ("100961"): a gateway passing a code through may quote it.
func (c *ErrorCode) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	n, err := strconv.Atoi(s)
	if err != nil || len(s) > 19 {
		return &json.UnmarshalTypeError{Value: "code " + strconv.Quote(firstLine(string(b), 40)), Type: reflect.TypeFor[ErrorCode]()}
	}
	*c = ErrorCode(n)
	return nil
}

// CRMError is a CRM response whose errors array is not empty, whatever its
// HTTP status. errors.Is(err, CodeX) is true when any entry has code X, and
// errors.Is(err, [ErrNotFound]) when any entry is a "not found" code.
type CRMError struct {
	Method     string           // HTTP method
	URL        string           // request URL with secrets redacted
	Operation  string           // the CRM method, e.g. "BindPhysicalCard"
	StatusCode int              // HTTP status
	Errors     []CRMErrorDetail // every entry, unknown codes included
	Attempts   int              // how many times the request was sent
}

// Error lists every code with its description and internal_error_id.
func (e *CRMError) Error() string {
	var b strings.Builder
	b.WriteString("loyalty: crm ")
	b.WriteString(e.Operation)
	b.WriteString(": ")
	for i, d := range e.Errors {
		if i > 0 {
			b.WriteString("; ")
		}
		desc := d.Description
		if desc == "" {
			desc = d.Code.Description()
		}
		fmt.Fprintf(&b, "%d %s", int(d.Code), desc)
		if d.InternalErrorID != "" {
			fmt.Fprintf(&b, " (internal_error_id %s)", d.InternalErrorID)
		}
	}
	if e.StatusCode != 0 && e.StatusCode != http.StatusOK {
		fmt.Fprintf(&b, " [HTTP %d]", e.StatusCode)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

// Code is the first error code, or 0 when there is none.
func (e *CRMError) Code() ErrorCode {
	if len(e.Errors) == 0 {
		return 0
	}
	return e.Errors[0].Code
}

// Unwrap returns every code of the errors array, so errors.Is(err, CodeX)
// and errors.Is(err, [ErrNotFound]) look through them.
func (e *CRMError) Unwrap() []error {
	errs := make([]error, len(e.Errors))
	for i, d := range e.Errors {
		errs[i] = d.Code
	}
	return errs
}
