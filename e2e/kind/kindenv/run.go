package kindenv

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// Runner executes Cmds, logging each command line (never stdin, which may
// hold manifests).
type Runner struct {
	Dir string                        // working directory ("" = current)
	Env []string                      // extra environment, appended to the process's
	Log func(format string, a ...any) // optional
}

// Run executes c and returns its standard output. A non-zero exit is an error
// that carries the command line and its standard error, unless the standard
// error contains one of c.OKIfStderr.
func (r Runner) Run(ctx context.Context, c Cmd) (string, error) {
	line := strings.Join(append([]string{c.Name}, c.Args...), " ")
	if r.Log != nil {
		r.Log("$ %s", line)
	}
	cmd := exec.CommandContext(ctx, c.Name, c.Args...)
	cmd.Dir = r.Dir
	if len(r.Env) > 0 {
		cmd.Env = append(cmd.Environ(), r.Env...)
	}
	if c.Stdin != nil {
		cmd.Stdin = bytes.NewReader(c.Stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		for _, ok := range c.OKIfStderr {
			if strings.Contains(stderr.String(), ok) {
				return stdout.String(), nil
			}
		}
		return stdout.String(), fmt.Errorf("%s: %w\n%s", line, err, tail(stderr.String(), 4000))
	}
	return stdout.String(), nil
}

// tail keeps the last n bytes of s.
func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
