package chainsync

import (
	"errors"
	"strings"
	"testing"
)

func TestParseTopology(t *testing.T) {
	dir := t.TempDir()
	src := "# the chain\n" +
		"store " + dir + "/chain.db\n" +
		"shop 111 cashserver=http://cs-111:8080 user=admin password-env=CS_PASSWORD\n" +
		"\n" +
		"register 111 1 url=http://kassa-1:28080 user=admin password-env=KASSA_PASSWORD\n" +
		"register 111 2 dir=" + dir + "\n"
	top, err := ParseTopology(strings.NewReader(src), "chain.txt")
	if err != nil {
		t.Fatalf("ParseTopology: %v", err)
	}
	if top.Store != dir+"/chain.db" {
		t.Errorf("Store = %q, want %q", top.Store, dir+"/chain.db")
	}
	if len(top.Shops) != 1 || top.Shops[0].CashServer != "http://cs-111:8080" {
		t.Errorf("Shops = %+v, want shop 111 with its Cash Server", top.Shops)
	}
	if len(top.Registers) != 2 {
		t.Fatalf("got %d registers, want 2", len(top.Registers))
	}
	r := top.Registers[0]
	if r.ID() != "111/1" || r.URL != "http://kassa-1:28080" || r.Line != 5 || r.PasswordEnv != "KASSA_PASSWORD" {
		t.Errorf("register 0 = %+v, want 111/1 at line 5, url http://kassa-1:28080, password-env KASSA_PASSWORD", r)
	}
	if top.Registers[1].Dir != dir {
		t.Errorf("register 1 dir = %q, want %q", top.Registers[1].Dir, dir)
	}
	pw, err := r.Password(func(k string) (string, bool) {
		return map[string]string{"KASSA_PASSWORD": "s3cret"}[k], k == "KASSA_PASSWORD"
	})
	if err != nil || pw != "s3cret" {
		t.Errorf("Password = %q, %v; want s3cret, nil", pw, err)
	}
	if _, err := r.Password(func(string) (string, bool) { return "", false }); err == nil || !strings.Contains(err.Error(), "KASSA_PASSWORD") {
		t.Errorf("Password with the variable unset: err = %v, want one naming KASSA_PASSWORD", err)
	}
}

func TestParseTopologyBadInput(t *testing.T) {
	dir := t.TempDir()
	shop := "shop 111\n"
	for _, tc := range []struct {
		name string
		src  string
		line int
		want string
	}{
		{"duplicate register", shop + "register 111 1 url=http://k1:28080\nregister 111 1 url=http://k2:28080\n", 3, "duplicate register 111/1 (first at line 2)"},
		{"two registers one target", shop + "register 111 1 url=http://k1:28080\nregister 111 2 url=http://K1:28080/\n", 3, "duplicate register: 111/2 has the url http://k1:28080"},
		{"unknown shop", shop + "register 222 1 url=http://k1:28080\n", 2, `unknown shop "222"`},
		{"unreachable exchange directory", shop + "register 111 1 dir=" + dir + "/nowhere\n", 2, "unreachable store path"},
		{"unreachable store", "store " + dir + "/no/such/dir/chain.db\n" + shop + "register 111 1 url=http://k1:28080\n", 1, "unreachable store path"},
		{"Cash Server port", shop + "register 111 1 url=http://cs:8080\n", 2, "is a Cash Server (port 8080"},
		{"Cash Server path", shop + "register 111 1 url=http://cs:9000/CSrest/rest\n", 2, "is a Cash Server"},
		{"inline password", shop + "register 111 1 url=http://k1:28080 user=admin password=hunter2\n", 2, "a secret written inline (password=…)"},
		{"inline token on a shop", "shop 111 token=abc\nregister 111 1 url=http://k1:28080\n", 1, "a secret written inline (token=…)"},
		{"password in the URL", shop + "register 111 1 url=http://admin:hunter2@k1:28080\n", 2, "a secret written inline (user info in the URL)"},
		{"database URL as store", "store postgres://u:p@db/chain\n" + shop + "register 111 1 url=http://k1:28080\n", 1, "environment variable"},
		{"url and dir", shop + "register 111 1 url=http://k1:28080 dir=" + dir + "\n", 2, "url= and dir= both given"},
		{"no target", shop + "register 111 1\n", 2, "give url="},
		{"not http", shop + "register 111 1 url=ftp://k1:28080\n", 2, "want an http:// or https:// URL"},
		{"unknown key", shop + "register 111 1 url=http://k1:28080 colour=red\n", 2, `unknown key "colour"`},
		{"bad env name", shop + "register 111 1 url=http://k1:28080 password-env=1X\n", 2, "not an environment variable name"},
		{"unknown declaration", "till 1\n", 1, `unknown declaration "till"`},
		{"duplicate shop", shop + shop + "register 111 1 url=http://k1:28080\n", 2, "duplicate shop 111 (first at line 1)"},
		{"no register", shop, 1, "no register"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTopology(strings.NewReader(tc.src), "chain.txt")
			var te *TopologyError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want a *TopologyError", err)
			}
			var hit *LineError
			for _, le := range te.Errs {
				if strings.Contains(le.Msg, tc.want) {
					hit = le
				}
			}
			if hit == nil {
				t.Fatalf("err = %v\nwant a line error containing %q", err, tc.want)
			}
			if hit.Line != tc.line {
				t.Errorf("error %q at line %d, want line %d", hit.Msg, hit.Line, tc.line)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error repeats the inline secret: %v", err)
			}
			if !strings.HasPrefix(hit.Error(), "chain.txt:") {
				t.Errorf("line error %q does not name the file", hit.Error())
			}
		})
	}
}
