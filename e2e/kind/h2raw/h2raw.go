// Package h2raw sends one HTTP/2 request over cleartext TCP (prior knowledge,
// "h2c") with exactly the header list the caller gives: pseudo-headers, order,
// case and path bytes are not cleaned up the way net/http does. Tests use it to
// replay the filter's behaviour table (hostile paths, odd authorities, gRPC
// requests) through a real Envoy gateway.
package h2raw

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// MaxBody bounds the response body Do reads.
const MaxBody = 16 << 20

// Response is a complete HTTP/2 response.
type Response struct {
	Status  int
	Header  [][2]string // response header fields in order, without pseudo-headers
	Trailer [][2]string // trailer fields, if the response had trailers
	Body    []byte
}

// Get returns the first value of name (lowercase) among the headers, then the
// trailers, or "" when it is absent.
func (r *Response) Get(name string) string {
	v, _ := r.Lookup(name)
	return v
}

// Lookup is Get that also reports whether the field is present.
func (r *Response) Lookup(name string) (string, bool) {
	for _, list := range [][][2]string{r.Header, r.Trailer} {
		for _, f := range list {
			if f[0] == name {
				return f[1], true
			}
		}
	}
	return "", false
}

// Do opens a connection to addr, sends a headers-only request (END_STREAM on
// the HEADERS frame) made of fields, exactly in that order, and reads the
// whole response. The caller must put the pseudo-headers (:method, :scheme,
// :authority, :path) first, as HTTP/2 requires.
func Do(ctx context.Context, addr string, fields [][2]string) (*Response, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	} else {
		_ = conn.SetDeadline(time.Now().Add(time.Minute))
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	resp, err := roundTrip(conn, fields)
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return resp, err
}

func roundTrip(conn io.ReadWriter, fields [][2]string) (*Response, error) {
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		return nil, err
	}
	fr := http2.NewFramer(conn, conn)
	fr.ReadMetaHeaders = hpack.NewDecoder(64<<10, nil)
	fr.MaxHeaderListSize = 1 << 20
	if err := fr.WriteSettings(); err != nil {
		return nil, err
	}
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	for _, f := range fields {
		if err := enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]}); err != nil {
			return nil, err
		}
	}
	if err := writeHeaderBlock(fr, block.Bytes()); err != nil {
		return nil, err
	}
	resp := &Response{}
	gotHeaders := false
	for {
		frame, err := fr.ReadFrame()
		if err != nil {
			return nil, fmt.Errorf("reading response: %w", err)
		}
		switch f := frame.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				if err := fr.WriteSettingsAck(); err != nil {
					return nil, err
				}
			}
		case *http2.PingFrame:
			if !f.IsAck() {
				if err := fr.WritePing(true, f.Data); err != nil {
					return nil, err
				}
			}
		case *http2.MetaHeadersFrame:
			if f.StreamID != 1 {
				continue
			}
			if !gotHeaders {
				status, fields := split(f.Fields)
				code, err := strconv.Atoi(status)
				if err != nil {
					return nil, fmt.Errorf("bad :status %q", status)
				}
				if code >= 100 && code < 200 {
					continue // informational response; the final one follows
				}
				resp.Status, resp.Header, gotHeaders = code, fields, true
			} else {
				_, resp.Trailer = split(f.Fields)
			}
			if f.StreamEnded() {
				return resp, nil
			}
		case *http2.DataFrame:
			if f.StreamID != 1 {
				continue
			}
			if len(resp.Body)+len(f.Data()) > MaxBody {
				return nil, fmt.Errorf("response body over %d bytes", MaxBody)
			}
			resp.Body = append(resp.Body, f.Data()...)
			if n := uint32(f.Length); n > 0 && !f.StreamEnded() {
				if err := fr.WriteWindowUpdate(0, n); err != nil {
					return nil, err
				}
				if err := fr.WriteWindowUpdate(1, n); err != nil {
					return nil, err
				}
			}
			if f.StreamEnded() {
				if !gotHeaders {
					return nil, errors.New("DATA before response HEADERS")
				}
				return resp, nil
			}
		case *http2.RSTStreamFrame:
			if f.StreamID == 1 {
				return nil, fmt.Errorf("stream reset by peer: %v", f.ErrCode)
			}
		case *http2.GoAwayFrame:
			if f.LastStreamID < 1 {
				return nil, fmt.Errorf("connection refused by peer (GOAWAY %v: %s)", f.ErrCode, f.DebugData())
			}
		}
	}
}

// writeHeaderBlock sends the block as HEADERS plus CONTINUATION frames of at
// most the default maximum frame size.
func writeHeaderBlock(fr *http2.Framer, block []byte) error {
	const max = 16384
	first := block
	if len(first) > max {
		first = block[:max]
	}
	rest := block[len(first):]
	if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: first, EndStream: true, EndHeaders: len(rest) == 0}); err != nil {
		return err
	}
	for len(rest) > 0 {
		chunk := rest
		if len(chunk) > max {
			chunk = rest[:max]
		}
		rest = rest[len(chunk):]
		if err := fr.WriteContinuation(1, len(rest) == 0, chunk); err != nil {
			return err
		}
	}
	return nil
}

func split(fields []hpack.HeaderField) (status string, out [][2]string) {
	for _, f := range fields {
		if f.Name == ":status" {
			status = f.Value
			continue
		}
		if strings.HasPrefix(f.Name, ":") {
			continue
		}
		out = append(out, [2]string{f.Name, f.Value})
	}
	return status, out
}
