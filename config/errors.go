package config

import "strings"

// Error is one problem in a configuration: Path is the JSON path of the
// offending value ("$" for the document itself), Msg says what is wrong. Msg
// never contains a password or a password hash.
type Error struct {
	Path, Msg string
}

// Error returns "path: message".
func (e *Error) Error() string { return e.Path + ": " + e.Msg }

// Errors lists every problem Parse found, in document order.
type Errors []*Error

// Error returns one "path: message" line per problem.
func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the individual problems (for errors.As / errors.Is).
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}
