package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Sink is a loopback HTTP/1.1 upstream that reads and discards every request body and
// answers 200 "ok": the cheapest possible backend, so the gateway and filter dominate.
type Sink struct {
	Addr string
	srv  *http.Server
}

// StartSink starts a Sink on a free loopback port.
func StartSink() (*Sink, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Sink{Addr: l.Addr().String(), srv: &http.Server{ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := io.Copy(io.Discard, r.Body); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "ok\n")
		})}}
	go s.srv.Serve(l)
	return s, nil
}

// Close stops the sink.
func (s *Sink) Close() { s.srv.Close() }

// GatewayProcess is a running wasmauth-gateway command.
type GatewayProcess struct {
	Addr string
	cmd  *exec.Cmd
	done chan error
	logs *strings.Builder
}

var listeningRE = regexp.MustCompile(`listening on http://(\S+)`)

// StartGateway runs the gateway binary on a free loopback port with module, the plugin
// configuration file and one route to upstream, and waits until it listens.
func StartGateway(bin, module, configPath, upstream string, vms int) (*GatewayProcess, error) {
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-module", module, "-config", configPath,
		"-route", "/=http://"+upstream, "-vms", strconv.Itoa(vms), "-log-level", "error", "-poll", "1h")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	g := &GatewayProcess{cmd: cmd, done: make(chan error, 1), logs: &strings.Builder{}}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			if g.logs.Len() < 64<<10 {
				g.logs.WriteString(line + "\n")
			}
			if m := listeningRE.FindStringSubmatch(line); m != nil && !sent {
				addr <- m[1]
				sent = true
			}
		}
		g.done <- cmd.Wait()
	}()
	select {
	case a := <-addr:
		g.Addr = a
		return g, nil
	case err := <-g.done:
		return nil, fmt.Errorf("gateway exited before listening (%v): %s", err, g.logs.String())
	case <-time.After(30 * time.Second):
		g.Stop()
		return nil, errors.New("gateway did not listen within 30s")
	}
}

// Stop terminates the gateway process.
func (g *GatewayProcess) Stop() {
	if g.cmd.Process != nil {
		g.cmd.Process.Signal(os.Interrupt)
		select {
		case <-g.done:
		case <-time.After(5 * time.Second):
			g.cmd.Process.Kill()
		}
	}
}

// H2Load describes one h2load run: N requests over C connections with M concurrent
// streams each (h2c, prior knowledge), optionally uploading DataFile as every request's
// body (then the method is POST).
type H2Load struct {
	Bin      string
	URL      string
	N, C, M  int
	Headers  []string // "name: value"
	DataFile string
	Timeout  time.Duration
}

// H2Result is what h2load reported.
type H2Result struct {
	Elapsed    time.Duration
	ReqPerSec  float64
	Succeeded  int
	Status2xx  int
	RawSummary string
}

var (
	finishedRE = regexp.MustCompile(`finished in ([0-9.]+)(m?s), ([0-9.]+) req/s`)
	requestsRE = regexp.MustCompile(`requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded`)
	statusRE   = regexp.MustCompile(`status codes: (\d+) 2xx`)
)

// Run executes h2load and checks that every request succeeded with a 2xx status.
func (h H2Load) Run(ctx context.Context) (H2Result, error) {
	if h.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.Timeout)
		defer cancel()
	}
	args := []string{"-n", strconv.Itoa(h.N), "-c", strconv.Itoa(h.C), "-m", strconv.Itoa(h.M)}
	for _, hd := range h.Headers {
		args = append(args, "-H", hd)
	}
	if h.DataFile != "" {
		args = append(args, "-d", h.DataFile)
	}
	args = append(args, h.URL)
	out, err := exec.CommandContext(ctx, h.Bin, args...).CombinedOutput()
	text := string(out)
	if ctx.Err() != nil {
		return H2Result{}, fmt.Errorf("h2load %v: %w", args, ctx.Err())
	}
	if err != nil {
		return H2Result{}, fmt.Errorf("h2load %v: %v\n%s", args, err, text)
	}
	return parseH2Load(text, h.N)
}

func parseH2Load(text string, n int) (H2Result, error) {
	var r H2Result
	f := finishedRE.FindStringSubmatch(text)
	q := requestsRE.FindStringSubmatch(text)
	s := statusRE.FindStringSubmatch(text)
	if f == nil || q == nil || s == nil {
		return r, fmt.Errorf("cannot read h2load's summary:\n%s", text)
	}
	v, _ := strconv.ParseFloat(f[1], 64)
	if f[2] == "ms" {
		r.Elapsed = time.Duration(v * float64(time.Millisecond))
	} else {
		r.Elapsed = time.Duration(v * float64(time.Second))
	}
	r.ReqPerSec, _ = strconv.ParseFloat(f[3], 64)
	r.Succeeded, _ = strconv.Atoi(q[2])
	r.Status2xx, _ = strconv.Atoi(s[1])
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "finished in") || strings.HasPrefix(line, "requests:") || strings.HasPrefix(line, "status codes:") {
			r.RawSummary += line + "\n"
		}
	}
	if r.Succeeded != n || r.Status2xx != n {
		return r, fmt.Errorf("h2load: %d of %d requests succeeded, %d with 2xx:\n%s", r.Succeeded, n, r.Status2xx, text)
	}
	return r, nil
}
