package config

import (
	"strings"
	"testing"
)

// matches reports whether a request selects rule 0 of p.
func matches(p *Policy, method, host, path string) bool {
	var scratch []int32
	ids := p.MatchRules(&Target{Host: host, HostOK: host != "", Path: path, Method: method}, nil, &scratch)
	return len(ids) > 0 && ids[0] == 0
}

// TestUnknownFields: the istio-ecosystem plugin ignored every field it did not read,
// at the top level and in a rule, so such a field loads with a warning naming its
// object, and changes nothing; a near-miss of a field only wasmauth has is an error
// with a hint (ignoring it would silently drop what it asks for); in an object only
// wasmauth defines, every unknown field is an error.
func TestUnknownFields(t *testing.T) {
	// top puts a field at the top level, beside a rule protecting /api for GET.
	top := func(name string) string {
		return `{"` + name + `": true, "basic_auth_rules":[{"prefix":"/api","request_methods":["GET"],"credentials":["u:p"]}]}`
	}
	// rule puts a field into that rule.
	rule := func(name string) string {
		return `{"basic_auth_rules":[{"prefix":"/api","request_methods":["GET"],"credentials":["u:p"],"` + name + `": ["x"]}]}`
	}
	loads := []struct {
		name, in, warnings string
	}{
		// Fields people add to document a configuration.
		{"top comment", top("comment"), `$: unknown field "comment" is ignored`},
		{"top description", top("description"), `$: unknown field "description" is ignored`},
		{"top version", top("version"), `$: unknown field "version" is ignored`},
		{"top name", top("name"), `$: unknown field "name" is ignored`},
		{"top rules", top("rules"), `$: unknown field "rules" is ignored`},
		{"top hosts", top("hosts"), `$: unknown field "hosts" is ignored`},
		{"top credentials", top("credentials"), `$: unknown field "credentials" is ignored`},
		{"rule comment", rule("comment"), `basic_auth_rules[0]: unknown field "comment" is ignored`},
		{"rule description", rule("description"), `basic_auth_rules[0]: unknown field "description" is ignored`},
		{"rule note", rule("note"), `basic_auth_rules[0]: unknown field "note" is ignored`},
		{"rule id", rule("id"), `basic_auth_rules[0]: unknown field "id" is ignored`},
		{"rule path", rule("path"), `basic_auth_rules[0]: unknown field "path" is ignored`},
		{"rule users", rule("users"), `basic_auth_rules[0]: unknown field "users" is ignored`},
		{"rule meta", rule("meta"), `basic_auth_rules[0]: unknown field "meta" is ignored`},
		{"rule methods", rule("methods"), `basic_auth_rules[0]: unknown field "methods" is ignored`},
		{"rule hosts typo", rule("hosts_typo"), `basic_auth_rules[0]: unknown field "hosts_typo" is ignored`},
		// Near-misses of the old plugin's own fields: it accepted them too.
		{"top realm typo", top("relm"), `$: unknown field "relm" is ignored (did you mean "realm"?)`},
		{"top realm case", top("Realm"), `$: unknown field "Realm" is ignored (did you mean "realm"?)`},
		{"top rules singular", top("basic_auth_rule"), `$: unknown field "basic_auth_rule" is ignored (did you mean "basic_auth_rules"?)`},
		{"top rules camel case", top("basicAuthRules"), `$: unknown field "basicAuthRules" is ignored (did you mean "basic_auth_rules"?)`},
		{"rule host", rule("host"), `basic_auth_rules[0]: unknown field "host" is ignored (did you mean "hosts"?)`},
		{"rule hosts case", rule("Hosts"), `basic_auth_rules[0]: unknown field "Hosts" is ignored (did you mean "hosts"?)`},
		{"rule request method", rule("request_method"), `basic_auth_rules[0]: unknown field "request_method" is ignored (did you mean "request_methods"?)`},
		{"rule request methods camel case", rule("requestMethods"), `basic_auth_rules[0]: unknown field "requestMethods" is ignored (did you mean "request_methods"?)`},
		{"rule credential", rule("credential"), `basic_auth_rules[0]: unknown field "credential" is ignored (did you mean "credentials"?)`},
		{"rule suffix typo", rule("sufix"), `basic_auth_rules[0]: unknown field "sufix" is ignored (did you mean "suffix"?)`},
		{"two unknown fields", `{"x":1,"basic_auth_rules":[{"prefix":"/api","request_methods":["GET"],"credentials":["u:p"],"y":2}],"z":3}`,
			"$: unknown field \"x\" is ignored\n$: unknown field \"z\" is ignored\nbasic_auth_rules[0]: unknown field \"y\" is ignored"},
	}
	for _, tt := range loads {
		t.Run(tt.name, func(t *testing.T) {
			p := loadsWithWarnings(t, tt.in, tt.warnings)
			// The outcome is the old plugin's: the rule still protects GET /api, and
			// nothing else.
			if p.NumRules() != 1 || !matches(p, "GET", "a.example.com", "/api/x") ||
				matches(p, "POST", "a.example.com", "/api/x") || matches(p, "GET", "a.example.com", "/other") {
				t.Error("the unknown field changed what the rule matches")
			}
			if p.DefaultAction() != ActionAllow || p.DryRun() || p.Realm() != DefaultRealm {
				t.Error("the unknown field changed a setting")
			}
		})
	}

	refused := []struct {
		name, in, errs string
	}{
		// Near-misses of fields only wasmauth has, in the objects the old plugin read.
		{"default action typo", top("default_actoin"), `$: unknown field "default_actoin" (did you mean "default_action"?)`},
		{"default action camel case", top("defaultAction"), `$: unknown field "defaultAction" (did you mean "default_action"?)`},
		{"default action dashes", top("default-action"), `$: unknown field "default-action" (did you mean "default_action"?)`},
		{"strip credentials typo", top("strip_credental"), `$: unknown field "strip_credental" (did you mean "strip_credentials"?)`},
		{"strip credentials camel case", top("stripCredentials"), `$: unknown field "stripCredentials" (did you mean "strip_credentials"?)`},
		{"throttle typo", top("throtle"), `$: unknown field "throtle" (did you mean "throttle"?)`},
		{"throttle case", top("Throttle"), `$: unknown field "Throttle" (did you mean "throttle"?)`},
		{"throttling", top("throttling"), `$: unknown field "throttling" (did you mean "throttle"?)`},
		{"dry run dash", top("dry-run"), `$: unknown field "dry-run" (did you mean "dry_run"?)`},
		{"dry run camel case", top("dryRun"), `$: unknown field "dryRun" (did you mean "dry_run"?)`},
		{"users singular", top("user"), `$: unknown field "user" (did you mean "users"?)`},
		{"exemptions singular", top("exemption"), `$: unknown field "exemption" (did you mean "exemptions"?)`},
		{"exceptions", top("exceptions"), `$: unknown field "exceptions" (did you mean "exemptions"?)`},
		{"cache size camel case", top("cacheSize"), `$: unknown field "cacheSize" (did you mean "cache_size"?)`},
		{"forward header camel case", top("forwardUserHeader"), `$: unknown field "forwardUserHeader" (did you mean "forward_user_header"?)`},
		{"metadata credentials singular", top("metadata_credential"), `$: unknown field "metadata_credential" (did you mean "metadata_credentials"?)`},
		{"users from env singular", top("user_from_env"), `$: unknown field "user_from_env" (did you mean "users_from_env"?)`},
		{"rule metadata typo", rule("metdata"), `basic_auth_rules[0]: unknown field "metdata" (did you mean "metadata"?)`},
		{"rule metadata case", rule("Metadata"), `basic_auth_rules[0]: unknown field "Metadata" (did you mean "metadata"?)`},
		{"rule allowed", rule("allowed"), `basic_auth_rules[0]: unknown field "allowed" (did you mean "allow"?)`},
		{"rule alow", rule("alow"), `basic_auth_rules[0]: unknown field "alow" (did you mean "allow"?)`},
		{"rule names", rule("names"), `basic_auth_rules[0]: unknown field "names" (did you mean "name"?)`},
		// Objects only wasmauth defines: every unknown field is an error, with a hint
		// when there is one.
		{"exemption", `{"exemptions":[{"prefix":"/h","hosts_typo":["a"]}]}`, `exemptions[0]: unknown field "hosts_typo"`},
		{"exemption near-miss", `{"exemptions":[{"prefix":"/h","request_method":["GET"]}]}`, `exemptions[0]: unknown field "request_method" (did you mean "request_methods"?)`},
		{"throttle", `{"throttle":{"max_failure":3}}`, `throttle: unknown field "max_failure" (did you mean "max_failures"?)`},
		{"throttle unrelated", `{"throttle":{"enabled":true}}`, `throttle: unknown field "enabled"`},
		{"metadata check", `{"basic_auth_rules":[{"prefix":"/","metadata":[{"name":"x","regexp":"a"}]}]}`,
			"basic_auth_rules[0].metadata[0]: unknown field \"regexp\" (did you mean \"regex\"?)\n" +
				"basic_auth_rules[0].metadata[0]: needs exactly one of present, absent, exact, prefix, regex; got none"},
		{"metadata credentials", `{"metadata_credentials":{"username":"a","password":"b","usrname":"c"}}`,
			`metadata_credentials: unknown field "usrname" (did you mean "username"?)`},
		// basic_auth_rules misspelt and missing: the configuration would check nothing.
		{"rules misspelt, none given", `{"basic_auth_rule":[{"prefix":"/api","credentials":["u:p"]}]}`,
			`$: unknown field "basic_auth_rule" (did you mean "basic_auth_rules"?): without basic_auth_rules no request is checked`},
		{"rules with dashes, none given", `{"realm":"r","basic-auth-rules":[]}`,
			`$: unknown field "basic-auth-rules" (did you mean "basic_auth_rules"?): without basic_auth_rules no request is checked`},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.in))
			if err == nil {
				t.Fatalf("accepted, warnings: %v", p.Warnings())
			}
			if err.Error() != tt.errs {
				t.Errorf("errors\n got: %s\nwant: %s", err, tt.errs)
			}
		})
	}
}

func TestNearestField(t *testing.T) {
	for _, tt := range []struct {
		name, want string
	}{
		{"throttle", "throttle"},
		{"THROTTLE", "throttle"},
		{"thrtotle", "throttle"}, // a swap of adjacent letters is one edit
		{"trhotle", "throttle"},
		{"thr", ""},
		{"", ""},
		{"dry_run", "dry_run"},
		{"Dry Run", "dry_run"},
		{"dry.run", "dry_run"},
		{"dyr_rn", "dry_run"},
		{"dry_rnu_x", "dry_run"},
		{"dry_run_xyz", ""},
		{"name", ""}, // top level: not a field there
		{"userss", "users"},
		{"usrs", "users"},
		{"rules", ""},
		{strings.Repeat("x", 10000), ""},
		{"ümlaut", ""},
	} {
		if got := nearestField(tt.name, topFields, compatTopFields); got != tt.want {
			t.Errorf("nearestField(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	// On a tie, the old plugin's field wins: a name it ignored must not become an error.
	if got := nearestField("ab", []string{"ax", "ay"}, []string{"ay"}); got != "ay" {
		t.Errorf("tie: got %q, want the preferred name", got)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b  string
		limit int
		want  int
	}{
		{"", "", 3, 0},
		{"abc", "abc", 3, 0},
		{"abc", "acb", 3, 1},
		{"abc", "ab", 3, 1},
		{"ab", "abc", 3, 1},
		{"abc", "xbc", 3, 1},
		{"kitten", "sitting", 3, 3},
		{"kitten", "sitting", 2, 3},
		{"a", "abcdef", 3, 4},
		{"ca", "abc", 3, 3}, // optimal string alignment: no edit of a swapped pair
	} {
		if got := editDistance(tt.a, tt.b, tt.limit); got != tt.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.limit, got, tt.want)
		}
	}
}

// TestRuleMethodsThatNeverMatch: the istio-ecosystem plugin compared request_methods
// entries with the request method as they were, so an entry that is not an HTTP token
// (which every request method the filter lets through is) loaded and never matched.
// Such an entry is dropped with a warning; a rule left without methods never matches
// (it does not become "every method"). Exemptions keep refusing them.
func TestRuleMethodsThatNeverMatch(t *testing.T) {
	long := strings.Repeat("A", 33)
	rule := func(methods string) string {
		return `{"basic_auth_rules":[{"prefix":"/api","request_methods":` + methods + `,"credentials":["u:p"]}]}`
	}
	tests := []struct {
		name, in, warnings string
		match, noMatch     []string // methods that select the rule, and some that do not
	}{
		{"space", rule(`["GET","G T"]`), `basic_auth_rules[0].request_methods[1]: "G T" is not a method (an HTTP token of at most 32 bytes): it never matches a request`,
			[]string{"GET", "get"}, []string{"POST", "G T"}},
		{"trailing space", rule(`["POST ","GET"]`), `basic_auth_rules[0].request_methods[0]: "POST " is not a method (an HTTP token of at most 32 bytes): it never matches a request`,
			[]string{"GET"}, []string{"POST", "POST "}},
		{"empty", rule(`["","GET"]`), `basic_auth_rules[0].request_methods[0]: "" is not a method (an HTTP token of at most 32 bytes): it never matches a request`,
			[]string{"GET"}, []string{"", "POST"}},
		{"too long", rule(`["GET","` + long + `"]`), `basic_auth_rules[0].request_methods[1]: "` + long + `" is not a method (an HTTP token of at most 32 bytes): it never matches a request`,
			[]string{"GET"}, []string{long, "POST"}},
		{"32 bytes is a method", rule(`["` + long[1:] + `"]`), ``, []string{long[1:]}, []string{"GET"}},
		{"every entry dead", rule(`["G T","` + long + `"]`),
			"basic_auth_rules[0].request_methods[0]: \"G T\" is not a method (an HTTP token of at most 32 bytes): it never matches a request\n" +
				`basic_auth_rules[0].request_methods[1]: "` + long + `" is not a method (an HTTP token of at most 32 bytes): it never matches a request`,
			nil, []string{"GET", "POST", "G T", long}},
		{"non-ASCII", rule(`["GÉT"]`), `basic_auth_rules[0].request_methods[0]: "GÉT" is not a method (an HTTP token of at most 32 bytes): it never matches a request`,
			nil, []string{"GET", "GÉT"}},
		{"no entry is every method", rule(`[]`), ``, []string{"GET", "PURGE"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := loadsWithWarnings(t, tt.in, tt.warnings)
			for _, m := range tt.match {
				if !matches(p, strings.ToUpper(m), "a.example.com", "/api") {
					t.Errorf("%q does not select the rule", m)
				}
			}
			for _, m := range tt.noMatch {
				if matches(p, strings.ToUpper(m), "a.example.com", "/api") || matches(p, m, "a.example.com", "/api") {
					t.Errorf("%q selects the rule", m)
				}
			}
		})
	}
}

// TestRealmControlCharacters: the istio-ecosystem plugin put the realm into the header
// as it was; a control character cannot be in a header value, so it is removed, with a
// warning, and the rest of the realm is handled as any other.
func TestRealmControlCharacters(t *testing.T) {
	tests := []struct {
		realm, warning, challenge string
	}{
		{`a\nb`, `realm: "a\nb" contains control characters, which a header value cannot carry: they are removed (realm "ab")`, `Basic realm="ab"`},
		{`\r\nSet-Cookie: x`, `realm: "\r\nSet-Cookie: x" contains control characters, which a header value cannot carry: they are removed (realm "Set-Cookie: x")`, `Basic realm="Set-Cookie: x"`},
		{`tab\there`, `realm: "tab\there" contains control characters, which a header value cannot carry: they are removed (realm "tabhere")`, `Basic realm="tabhere"`},
		{`\u0000\u007f`, `realm: "\x00\x7f" contains control characters, which a header value cannot carry: they are removed (realm "")`, `Basic realm=""`},
		{`\"quoted\u0001\"`, `realm: "\"quoted\x01\"" contains control characters, which a header value cannot carry: they are removed (realm "quoted")`, `Basic realm="quoted"`},
		{`a\"b\\\u001b`, `realm: "a\"b\\\x1b" contains control characters, which a header value cannot carry: they are removed (realm "a\"b\\")`, `Basic realm="a\"b\\"`},
		{`ünï\u0085`, ``, `Basic realm="ünï` + "\u0085" + `"`}, // U+0085 is not an ASCII control character: UTF-8 bytes >= 0x80 are obs-text
	}
	for _, tt := range tests {
		p, err := Parse([]byte(`{"realm":"` + tt.realm + `"}`))
		if err != nil {
			t.Errorf("realm %s refused: %v", tt.realm, err)
			continue
		}
		if got := p.Warnings().Error(); got != tt.warning {
			t.Errorf("realm %s: warning\n got: %s\nwant: %s", tt.realm, got, tt.warning)
		}
		if got := p.Challenge(); got != tt.challenge || !quotedChallenge(got) || hasControl(p.Realm()) {
			t.Errorf("realm %s: challenge %q, want %q", tt.realm, got, tt.challenge)
		}
	}
}

// TestNumbersTakenAsStrings: where the istio-ecosystem plugin read a string, its JSON
// helper also took a non-negative integer, as its decimal digits (a WasmPlugin's
// `realm: 2024` reaches the plugin as the number 2024). Such a number is that string,
// with a warning; any other number, and a number in a field only wasmauth has, is an
// error (TestParseErrors).
func TestNumbersTakenAsStrings(t *testing.T) {
	rule := func(fields string) string {
		return `{"basic_auth_rules":[{` + fields + `,"credentials":["u:p"]}]}`
	}
	tests := []struct {
		name, in, warnings string
		match, noMatch     [][2]string // {method, path} selecting rule 0, and not
	}{
		{"suffix", rule(`"suffix":123`), `basic_auth_rules[0].suffix: the number 123 is taken as the string "123"`,
			[][2]string{{"GET", "/items/123"}, {"POST", "/0123"}}, [][2]string{{"GET", "/items/12"}}},
		{"prefix", rule(`"prefix":0`),
			"basic_auth_rules[0].prefix: the number 0 is taken as the string \"0\"\n" +
				`basic_auth_rules[0].prefix: "0" can never match: paths start with /`,
			nil, [][2]string{{"GET", "/0"}, {"GET", "/"}}},
		{"method", rule(`"prefix":"/api","request_methods":["GET",123]`), `basic_auth_rules[0].request_methods[1]: the number 123 is taken as the string "123"`,
			[][2]string{{"GET", "/api"}, {"123", "/api"}}, [][2]string{{"POST", "/api"}}},
		{"largest", rule(`"suffix":18446744073709551615`), `basic_auth_rules[0].suffix: the number 18446744073709551615 is taken as the string "18446744073709551615"`,
			[][2]string{{"GET", "/18446744073709551615"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := loadsWithWarnings(t, tt.in, tt.warnings)
			for _, r := range tt.match {
				if !matches(p, r[0], "", r[1]) {
					t.Errorf("%s %s does not select the rule", r[0], r[1])
				}
			}
			for _, r := range tt.noMatch {
				if matches(p, r[0], "", r[1]) {
					t.Errorf("%s %s selects the rule", r[0], r[1])
				}
			}
		})
	}

	p, err := Parse([]byte(`{"realm":2024,"basic_auth_rules":[{"prefix":"/","hosts":[8080],"credentials":["u:p"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Realm() != "2024" || !matches(p, "GET", "8080", "/x") || matches(p, "GET", "example.com", "/x") {
		t.Errorf("realm %q, or the host 8080 matched wrongly", p.Realm())
	}
	if got, want := p.Warnings().Error(), "realm: the number 2024 is taken as the string \"2024\"\n"+
		`basic_auth_rules[0].hosts[0]: the number 8080 is taken as the string "8080"`; got != want {
		t.Errorf("warnings\n got: %s\nwant: %s", got, want)
	}

	// A credentials entry is taken as a string too, and then is what any string is: 123
	// is neither "user:password" nor base64 of it.
	_, err = Parse([]byte(`{"basic_auth_rules":[{"prefix":"/","credentials":[123]}]}`))
	if err == nil || err.Error() != `basic_auth_rules[0].credentials[0]: entry is neither "user:password" nor base64 of "user:password"`+"\n"+
		`basic_auth_rules[0].credentials[0]: warning: the number 123 is taken as the string "123"` {
		t.Errorf("credentials [123]: %v", err)
	}
}

// TestByteOrderMark: nlohmann's parser skips a UTF-8 byte-order mark that opens the
// document (and nowhere else).
func TestByteOrderMark(t *testing.T) {
	p := mustParse(t, "\xef\xbb\xbf{\"realm\":\"r\",\"basic_auth_rules\":[{\"prefix\":\"/\",\"credentials\":[\"u:p\"]}]}")
	if p.Realm() != "r" || p.NumRules() != 1 || len(p.Warnings()) != 0 {
		t.Fatalf("realm %q, %d rules, warnings %v", p.Realm(), p.NumRules(), p.Warnings())
	}
}
