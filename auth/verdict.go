// Package auth makes the allow/deny decision for one request: a pure function
// of the request and a config.Policy, plus a bounded memo of verified
// slow-hash credentials. It does not import the proxy-wasm SDK, so it runs and
// is tested natively as well as compiled with TinyGo.
//
// Order of evaluation (Decider.Decide):
//
//  1. The method must be an HTTP token of at most 32 bytes, else 400.
//  2. A policy without rules and exemptions allows everything without looking
//     at the path (an empty configuration, like the plugin this replaces).
//     Otherwise a request with more than one :method, :authority or :path, or
//     with a '#' in :path, is refused with 400.
//  3. The path is normalised (package config/normalize): query and fragment
//     removed, percent-encoding decoded, ";params" removed from segments,
//     repeated slashes merged. Paths that backends could read differently are
//     refused with 400: not starting with "/" (except "*" with OPTIONS), raw or
//     encoded control characters, raw backslash, %2F/%5C/%3B, encoded '?' or
//     '#', invalid or double percent-encoding, invalid UTF-8, and any "." or
//     ".." segment (raw, percent-encoded or with parameters: clients and Envoy
//     resolve them before the filter sees the path). Paths are case-sensitive.
//     Patterns containing '?' are matched against "path?raw-query".
//  4. The host is lowercased, its port and one trailing dot removed. An empty
//     authority matches only rules without hosts; a malformed one (bad port,
//     characters outside a host name, unbracketed or unterminated IPv6, empty
//     labels) is refused with 400.
//  5. If an exemption matches: Exempt (no authentication at all). Exemptions
//     compare the method as received with the configured methods, which are
//     upper-cased: an exemption listing "get" or "GET" exempts GET, never "get".
//  6. Rules compare the method case-insensitively ("post" is checked by a rule
//     listing POST, because many backends upper-case methods). Every matching
//     rule is checked in configuration order; the first that
//     fails decides: missing/malformed/wrong credentials 401, an authenticated
//     user that the rule does not allow 403, a failing metadata check 403.
//  7. No matching rule: Unmatched (allowed), or 403 with default_action "deny".
//
// Credentials come from the authorization header (Basic, scheme
// case-insensitive, one or more spaces, base64 padded or not, split at the
// first colon); more than one authorization header, values over 8 KiB and
// other schemes are invalid. Without an authorization header, the policy's
// metadata credential keys are read (each must appear exactly once).
// gRPC requests (the first content-type exactly application/grpc or starting
// with application/grpc+, as Envoy decides) get gRPC status codes.
//
// With a Throttle (Decider.SetThrottle), a request that reaches authentication
// is first checked against it: a blocked client address (Request.Client) or
// configured user gets 429 before any password is verified, and every wrong
// password or malformed credential is reported to it as a failure (per user only
// when the name is a configured one: see Throttle). Missing credentials
// (a browser's first request) and authenticated users that a rule does not
// allow are not failures.
package auth

// Request is what the decision looks at.
type Request struct {
	Method, Authority, Path string      // :method, :authority (or Host), :path as received (raw)
	Headers                 [][2]string // all request headers as the host gives them (lowercase names, may repeat)
	Client                  string      // client address for throttling ("" = unknown); see Decider.SetThrottle

	// read is what Decide needs from Headers, gathered by NewRequest in the same pass
	// that finds the pseudo-headers; Decide gathers it itself for a Request built
	// field by field, or whose Headers was replaced since (a list changed in place
	// needs a new NewRequest).
	read headerFacts
}

// headerFacts is what the decision reads from the header list.
type headerFacts struct {
	of            *[2]string // the list they were read from: its first element...
	n             int        // ...and length
	dupPseudo     bool       // :method, :authority or :path appears more than once
	grpc          bool       // the first content-type is gRPC's (see isGRPCContentType)
	authCount     int        // authorization headers
	authorization string     // the last authorization value
}

// NewRequest returns the Request for a header list as the host gives it, with Method,
// Authority and Path taken from the pseudo-headers (the last copy of each; Decide
// refuses a request that repeats one). The list is read once.
func NewRequest(headers [][2]string) Request {
	r := Request{Headers: headers}
	r.read = readHeaders(headers, &r)
	return r
}

// facts returns what NewRequest read from r.Headers, or reads it now when r was built
// otherwise or its Headers replaced. (A Request built without NewRequest holds the
// facts of an empty list, which are right when its Headers is empty.)
func (r *Request) facts() headerFacts {
	f := r.read
	if f.n == len(r.Headers) && (f.n == 0 || f.of == &r.Headers[0]) {
		return f
	}
	return readHeaders(r.Headers, nil)
}

// readHeaders gathers the decision's facts from headers in one pass and, when pseudo
// is not nil, sets its Method, Authority and Path from the pseudo-headers.
func readHeaders(headers [][2]string, pseudo *Request) headerFacts {
	f := headerFacts{n: len(headers)}
	if len(headers) > 0 {
		f.of = &headers[0]
	}
	var m, a, p int
	sawType := false
	for i := range headers {
		k, v := headers[i][0], headers[i][1]
		if k == "" {
			continue
		}
		// One byte picks the few names that matter before any string comparison.
		switch k[0] {
		case ':':
			switch k {
			case ":method":
				m++
				if pseudo != nil {
					pseudo.Method = v
				}
			case ":authority":
				a++
				if pseudo != nil {
					pseudo.Authority = v
				}
			case ":path":
				p++
				if pseudo != nil {
					pseudo.Path = v
				}
			}
		case 'a':
			if k == "authorization" {
				f.authCount++
				f.authorization = v
			}
		case 'c':
			if !sawType && k == "content-type" {
				sawType = true
				f.grpc = isGRPCContentType(v)
			}
		}
	}
	f.dupPseudo = m > 1 || a > 1 || p > 1
	return f
}

// Outcome is the kind of decision.
type Outcome uint8

// Outcomes. The Deny* outcomes carry an HTTP status in Verdict.Status.
const (
	Allow               Outcome = iota // every matching rule passed
	Exempt                             // an exemption matched: no authentication at all
	Unmatched                          // no rule matched and default_action is allow
	DenyUnauthenticated                // 401: credentials missing, malformed or wrong
	DenyForbidden                      // 403: authenticated but not allowed, or a metadata check failed
	DenyBadRequest                     // 400: malformed or hostile request (path, method)
	DenyUnmatched                      // 403: no rule matched and default_action is deny
	DenyThrottled                      // 429: too many failed authentications from this client or for this user
)

var outcomeNames = [...]string{"allow", "exempt", "unmatched", "deny_unauthenticated", "deny_forbidden", "deny_bad_request", "deny_unmatched", "deny_throttled"}

// String returns a lowercase name for logs and metrics ("allow", "deny_forbidden", ...).
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// Denied reports whether the outcome refuses the request.
func (o Outcome) Denied() bool { return o >= DenyUnauthenticated }

// gRPC status codes used in denials.
const (
	grpcInvalidArgument   = 3
	grpcPermissionDenied  = 7
	grpcResourceExhausted = 8
	grpcUnauthenticated   = 16
)

// Verdict is the decision for one request.
type Verdict struct {
	Outcome    Outcome
	Status     int    // HTTP status to send on deny (401/403/400), 0 on allow
	GRPC       bool   // request content-type is application/grpc*
	GRPCStatus int32  // on deny of a gRPC request: 16 UNAUTHENTICATED, 7 PERMISSION_DENIED, 3 INVALID_ARGUMENT; else -1
	Message    string // short, safe text for the response body / grpc-message
	Rule       int    // deciding rule: the failing one on deny, the first matching one on allow; -1 if none
	User       string // authenticated user name (for forwarding), "" if none
	Reason     string // for the log line; never a password, never the user name of a failed authentication
	DryRun     bool   // policy is dry-run: the filter must not deny (Outcome still says what would happen)
	RetryAfter int    // on DenyThrottled: seconds until the block ends (for a retry-after header)
}

// Reasons (Verdict.Reason). The bad-request reasons come from package
// config/normalize and name the problem without quoting the request.
const (
	ReasonMissingCredentials   = "missing credentials"
	ReasonMalformedCredentials = "malformed credentials"
	ReasonBadCredentials       = "bad credentials"
	ReasonUserNotAllowed       = "user not allowed"
	ReasonMetadata             = "metadata check failed"
	ReasonNoRule               = "no rule matches"
	ReasonInvalidMethod        = "invalid method"
	ReasonAsterisk             = "asterisk-form path is only valid for OPTIONS"
	ReasonDuplicatePseudo      = "duplicated :method, :authority or :path"
	ReasonFragment             = "path contains a fragment"
	ReasonBadAuthority         = "malformed authority"
	ReasonThrottled            = "too many failed authentications"
	ReasonAuthenticated        = "authenticated"
	ReasonExempt               = "exempt"
	ReasonNoCheck              = "all checks passed"
)

func (v *Verdict) deny(o Outcome, reason string) {
	v.Outcome = o
	v.Reason = reason
	v.User = ""
	switch o {
	case DenyUnauthenticated:
		v.Status, v.Message = 401, "authentication required"
		if v.GRPC {
			v.GRPCStatus = grpcUnauthenticated
		}
	case DenyForbidden:
		v.Status, v.Message = 403, "access denied"
		if v.GRPC {
			v.GRPCStatus = grpcPermissionDenied
		}
	case DenyUnmatched:
		v.Status, v.Message = 403, "no rule matches"
		if v.GRPC {
			v.GRPCStatus = grpcPermissionDenied
		}
	case DenyThrottled:
		v.Status, v.Message = 429, "too many failed attempts"
		if v.GRPC {
			v.GRPCStatus = grpcResourceExhausted
		}
	case DenyBadRequest:
		v.Status, v.Message = 400, "bad request"
		if v.GRPC {
			v.GRPCStatus = grpcInvalidArgument
		}
	}
}
