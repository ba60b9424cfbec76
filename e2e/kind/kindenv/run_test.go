package kindenv

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestRunner(t *testing.T) {
	var logged []string
	r := Runner{Env: []string{"KINDENV_TEST=v"}, Log: func(f string, a ...any) { logged = append(logged, f) }}
	ctx := context.Background()
	cases := []struct {
		name    string
		cmd     Cmd
		out     string
		wantErr string
	}{
		{"stdout", Cmd{Name: "sh", Args: []string{"-c", "echo hello"}}, "hello\n", ""},
		{"stdin", Cmd{Name: "sh", Args: []string{"-c", "cat"}, Stdin: []byte("in")}, "in", ""},
		{"env", Cmd{Name: "sh", Args: []string{"-c", "echo $KINDENV_TEST"}}, "v\n", ""},
		{"failure carries stderr", Cmd{Name: "sh", Args: []string{"-c", "echo boom >&2; exit 3"}}, "", "boom"},
		{"tolerated failure", Cmd{Name: "sh", Args: []string{"-c", "echo 'network already exists' >&2; exit 1"}, OKIfStderr: []string{"already exists"}}, "", ""},
		{"missing binary", Cmd{Name: "kindenv-no-such-binary"}, "", "executable file not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := r.Run(ctx, tc.cmd)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || out != tc.out {
				t.Fatalf("got %q, %v; want %q", out, err, tc.out)
			}
		})
	}
	if len(logged) != len(cases) {
		t.Errorf("logged %d commands, want %d", len(logged), len(cases))
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := r.Run(short, Cmd{Name: "sleep", Args: []string{"5"}}); err == nil {
		t.Error("want an error when the context ends")
	}
	if time.Since(start) > 3*time.Second {
		t.Error("Run ignored the context")
	}
}
