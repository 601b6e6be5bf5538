package chainsync

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Topology is a retail chain: its shops and their cash registers, as
// [ParseTopology] reads them. It holds no secret: credentials are named
// by environment variable (PasswordEnv) and read when a client is made.
type Topology struct {
	// Store is the database the engine keeps its versions and checkpoints
	// in, as the file's store line gives it ("" when it has none).
	Store     string
	Shops     []Shop
	Registers []Register
}

// Shop is one shop: its code (the Artix shopcode) and, optionally, the
// Cash Server whose REST API reads the registers' directory back.
type Shop struct {
	Code        string
	CashServer  string // base URL of the Cash Server (port 8080), or ""
	User        string // basic-auth user of the Cash Server, or ""
	PasswordEnv string // environment variable holding its password, or ""
	Line        int    // where the file declares it
}

// Register is one cash register of a shop: where its batches go (an
// exchanger's base URL, port 28080, or an exchange directory) and the
// credentials by reference.
type Register struct {
	Shop        string // the shop's code
	Cash        string // the cash code within the shop
	URL         string // the exchanger's base URL (…:28080), or ""
	Dir         string // the exchange directory, or ""
	User        string // basic-auth user of the exchanger, or ""
	PasswordEnv string // environment variable holding its password, or ""
	Line        int    // where the file declares it
}

// ID names the register in the chain: "shop/cash".
func (r Register) ID() string { return r.Shop + "/" + r.Cash }

// Password reads the register's password from the environment variable
// PasswordEnv names ("" when it names none). An unset variable is an
// error naming the variable, never a silent empty password.
func (r Register) Password(lookup func(string) (string, bool)) (string, error) {
	return password(r.PasswordEnv, lookup)
}

// Password reads the Cash Server's password as [Register.Password] does.
func (s Shop) Password(lookup func(string) (string, bool)) (string, error) {
	return password(s.PasswordEnv, lookup)
}

func password(env string, lookup func(string) (string, bool)) (string, error) {
	if env == "" {
		return "", nil
	}
	if lookup == nil {
		lookup = os.LookupEnv
	}
	v, ok := lookup(env)
	if !ok {
		return "", fmt.Errorf("chainsync: environment variable %s (password-env) is not set", env)
	}
	return v, nil
}

// LineError is one thing wrong with a topology file, at a line.
type LineError struct {
	File string // the file's name as given to ParseTopology
	Line int    // 1-based
	Msg  string
}

func (e *LineError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// TopologyError is every [LineError] of a topology file, in line order.
type TopologyError struct {
	Errs []*LineError
}

func (e *TopologyError) Error() string {
	lines := make([]string, len(e.Errs))
	for i, le := range e.Errs {
		lines[i] = le.Error()
	}
	return "chainsync: bad topology:\n" + strings.Join(lines, "\n")
}

// Unwrap returns the line errors, for errors.As.
func (e *TopologyError) Unwrap() []error {
	errs := make([]error, len(e.Errs))
	for i, le := range e.Errs {
		errs[i] = le
	}
	return errs
}

// Ports and paths that tell an exchanger from a Cash Server (field notes §1).
const (
	ExchangerPort  = "28080" // a register's exchanger: /aifexchange/loaddicts
	CashServerPort = "8080"  // a shop's Cash Server REST API: /CSrest
)

// secretKeys are keys that would put a secret into the file.
var secretKeys = []string{"password", "pass", "passwd", "secret", "token", "apikey", "api-key", "key"}

// ParseTopology reads a topology file. The format is one declaration per
// line; blank lines and lines starting with # are skipped:
//
//	store /var/lib/loyalty-chain/chain.db
//	shop 111 cashserver=http://cs-111:8080 user=admin password-env=CS_111_PASSWORD
//	register 111 1 url=http://kassa-111-1:28080 user=admin password-env=KASSA_PASSWORD
//	register 111 2 dir=/mnt/exchange/111-2
//
// A register names its shop and cash code and exactly one of url (an
// exchanger, port 28080) and dir (an exchange directory, which must
// exist). Credentials are only ever named by environment variable
// (password-env); a password, token or key written in the file, in a key
// or in a URL's user info, is refused. Everything wrong in the file is
// reported at once, each error naming its line, in a *[TopologyError];
// name is the file's name for those errors.
func ParseTopology(r io.Reader, name string) (*Topology, error) {
	p := &topoParser{name: name, t: &Topology{}, shops: map[string]int{}, regs: map[string]int{}, targets: map[string]int{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p.line(n, strings.Fields(line))
	}
	if err := sc.Err(); err != nil {
		p.errf(n+1, "reading: %v", err)
	}
	for _, r := range p.t.Registers {
		if _, ok := p.shops[r.Shop]; !ok {
			p.errf(r.Line, "register %s: unknown shop %q (no shop line declares it)", r.ID(), r.Shop)
		}
	}
	if len(p.errs) > 0 {
		slices.SortStableFunc(p.errs, func(a, b *LineError) int { return a.Line - b.Line })
		return nil, &TopologyError{Errs: p.errs}
	}
	if len(p.t.Registers) == 0 {
		return nil, &TopologyError{Errs: []*LineError{{File: name, Line: max(n, 1), Msg: "no register: nothing to sync"}}}
	}
	return p.t, nil
}

// LoadTopology reads the topology file at path with ParseTopology.
func LoadTopology(path string) (*Topology, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("chainsync: topology: %w", err)
	}
	defer f.Close()
	return ParseTopology(f, path)
}

type topoParser struct {
	name    string
	t       *Topology
	errs    []*LineError
	shops   map[string]int // code → line
	regs    map[string]int // register ID → line
	targets map[string]int // url or dir → line
}

func (p *topoParser) errf(line int, format string, args ...any) {
	p.errs = append(p.errs, &LineError{File: p.name, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// keyValues splits key=value fields, refusing inline secrets, unknown
// keys and repeats. ok is false when something was refused.
func (p *topoParser) keyValues(n int, fields []string, allowed ...string) (map[string]string, bool) {
	kv := map[string]string{}
	ok := true
	for _, f := range fields {
		k, v, found := strings.Cut(f, "=")
		k = strings.ToLower(k)
		switch {
		case !found:
			p.errf(n, "%q: want key=value", f)
			ok = false
		case slices.Contains(secretKeys, k):
			p.errf(n, "a secret written inline (%s=…): name an environment variable with password-env=VAR instead", k)
			ok = false
		case !slices.Contains(allowed, k):
			p.errf(n, "unknown key %q (want one of %s)", k, strings.Join(allowed, ", "))
			ok = false
		case kv[k] != "":
			p.errf(n, "%s given twice", k)
			ok = false
		case v == "":
			p.errf(n, "%s is empty", k)
			ok = false
		default:
			kv[k] = v
		}
	}
	if env := kv["password-env"]; env != "" && !isEnvName(env) {
		p.errf(n, "password-env=%q is not an environment variable name (letters, digits, _)", env)
		ok = false
	}
	return kv, ok
}

func isEnvName(s string) bool {
	for i, r := range s {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

func (p *topoParser) line(n int, f []string) {
	switch f[0] {
	case "store":
		if len(f) != 2 {
			p.errf(n, "store: want one path")
			return
		}
		p.store(n, f[1])
	case "shop":
		if len(f) < 2 {
			p.errf(n, "shop: want a shop code")
			return
		}
		p.shop(n, f[1], f[2:])
	case "register":
		if len(f) < 3 {
			p.errf(n, "register: want a shop code and a cash code")
			return
		}
		p.register(n, f[1], f[2], f[3:])
	default:
		p.errf(n, "unknown declaration %q (want store, shop or register)", f[0])
	}
}

func (p *topoParser) store(n int, path string) {
	if p.t.Store != "" {
		p.errf(n, "a second store line")
		return
	}
	if strings.Contains(path, "://") {
		p.errf(n, "store %q: a database URL would hold credentials: give the DSN in an environment variable (-db-env) instead", path)
		return
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		p.errf(n, "store %s: unreachable store path: directory %s does not exist", path, dir)
		return
	}
	p.t.Store = path
}

func (p *topoParser) shop(n int, code string, rest []string) {
	if !validCode(code) {
		p.errf(n, "shop code %q: want letters, digits, - or _", code)
		return
	}
	if prev, dup := p.shops[code]; dup {
		p.errf(n, "duplicate shop %s (first at line %d)", code, prev)
		return
	}
	p.shops[code] = n
	kv, ok := p.keyValues(n, rest, "cashserver", "user", "password-env")
	if !ok {
		return
	}
	s := Shop{Code: code, CashServer: kv["cashserver"], User: kv["user"], PasswordEnv: kv["password-env"], Line: n}
	if s.CashServer != "" {
		if _, err := p.httpURL(n, "cashserver", s.CashServer); err != nil {
			return
		}
	}
	p.t.Shops = append(p.t.Shops, s)
}

func validCode(s string) bool {
	for _, r := range s {
		if !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	return s != "" && len(s) <= 32
}

// httpURL parses an http(s) URL without user info (which would be an
// inline secret).
func (p *topoParser) httpURL(n int, key, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.errf(n, "%s=%s: want an http:// or https:// URL", key, raw)
		return nil, errors.New("bad url")
	}
	if u.User != nil {
		p.errf(n, "%s: a secret written inline (user info in the URL): use user= and password-env=VAR", key)
		return nil, errors.New("inline secret")
	}
	return u, nil
}

func (p *topoParser) register(n int, shop, cash string, rest []string) {
	id := shop + "/" + cash
	if !validCode(shop) || !validCode(cash) {
		p.errf(n, "register %q: shop and cash codes want letters, digits, - or _", id)
		return
	}
	if prev, dup := p.regs[id]; dup {
		p.errf(n, "duplicate register %s (first at line %d)", id, prev)
		return
	}
	p.regs[id] = n
	kv, ok := p.keyValues(n, rest, "url", "dir", "user", "password-env")
	if !ok {
		return
	}
	r := Register{Shop: shop, Cash: cash, URL: kv["url"], Dir: kv["dir"], User: kv["user"], PasswordEnv: kv["password-env"], Line: n}
	switch {
	case r.URL == "" && r.Dir == "":
		p.errf(n, "register %s: give url= (its exchanger, port %s) or dir= (an exchange directory)", id, ExchangerPort)
		return
	case r.URL != "" && r.Dir != "":
		p.errf(n, "register %s: url= and dir= both given: one register has one target", id)
		return
	case r.URL != "":
		u, err := p.httpURL(n, "url", r.URL)
		if err != nil {
			return
		}
		if u.Port() == CashServerPort || strings.Contains(strings.ToLower(u.Path), "/csrest") {
			p.errf(n, "register %s: %s is a Cash Server (port %s, /CSrest), not a register's exchanger (port %s, /aifexchange): put it on the shop line as cashserver=", id, r.URL, CashServerPort, ExchangerPort)
			return
		}
		r.URL = strings.TrimSuffix(strings.TrimSuffix(u.String(), "/aifexchange/loaddicts"), "/")
		if !p.target(n, id, "url "+strings.ToLower(r.URL)) {
			return
		}
	default:
		st, err := os.Stat(r.Dir)
		if err != nil || !st.IsDir() {
			p.errf(n, "register %s: unreachable store path: exchange directory %s does not exist or is not a directory", id, r.Dir)
			return
		}
		if !p.target(n, id, "dir "+filepath.Clean(r.Dir)) {
			return
		}
	}
	p.t.Registers = append(p.t.Registers, r)
}

// target refuses two registers loading one target.
func (p *topoParser) target(n int, id, key string) bool {
	if prev, dup := p.targets[key]; dup {
		p.errf(n, "duplicate register: %s has the %s of the register at line %d", id, key, prev)
		return false
	}
	p.targets[key] = n
	return true
}
