package cckmmock

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Server is a cckm-mock for one test (or one package, with StartServer and TestMain).
type Server struct {
	// URL is the server's base URL, such as https://127.0.0.1:40123.
	URL string
	// CACertPEM is the certificate the server presents (empty over plain HTTP).
	CACertPEM []byte

	client     *http.Client
	adminToken string
	process    *exec.Cmd
	stderr     *bytes.Buffer
	done       chan struct{}
	mu         sync.Mutex
	tokens     map[string]token
	// now is the kit's clock for token renewal; tests of the kit replace it.
	now func() time.Time
}

// Option changes how Start runs the server.
type Option func(*options)

type options struct {
	binary         string
	args           []string
	fixtures       []string
	tls            bool
	clock          string
	seed           *uint64
	url            string
	adminToken     string
	startupTimeout time.Duration
}

// WithBinary runs this executable instead of looking for one.
func WithBinary(path string) Option { return func(o *options) { o.binary = path } }

// WithArgs passes more flags to cckm-mock serve, as they are ("--allow-concurrent-jobs").
func WithArgs(args ...string) Option { return func(o *options) { o.args = append(o.args, args...) } }

// WithFixtures loads these fixture files or built-in scenarios ("demo", "tenants") at start.
func WithFixtures(fixtures ...string) Option {
	return func(o *options) { o.fixtures = append(o.fixtures, fixtures...) }
}

// WithTLS serves HTTPS (the default) or, with false, plain HTTP.
func WithTLS(on bool) Option { return func(o *options) { o.tls = on } }

// WithClock picks the job clock: "manual" (the default; it moves only when told) or "system".
func WithClock(clock string) Option { return func(o *options) { o.clock = clock } }

// WithSeed makes ids, durations and outcomes the same on every run.
func WithSeed(seed uint64) Option { return func(o *options) { o.seed = &seed } }

// WithURL attaches to a running server instead of starting one (as CCKM_MOCK_URL does).
func WithURL(url string) Option { return func(o *options) { o.url = url } }

// WithAdminToken sends this token on every control call (the server's --admin-token).
func WithAdminToken(token string) Option { return func(o *options) { o.adminToken = token } }

// Start starts a server for t and stops it with t.Cleanup; a failure to start fails t. Attached
// to a running server ($CCKM_MOCK_URL, WithURL), it resets that server instead, so that every
// test starts from the baseline whichever mode it runs in: the fixtures, faults, journal, clock
// and (under a seed) ids a fresh server would have.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	server, err := StartServer(opts...)
	if err != nil {
		t.Fatalf("cckmmock: %v", err)
	}
	t.Cleanup(server.Stop)
	if !server.StartedHere() {
		server.Reset(t)
	}
	return server
}

// StartServer starts (or attaches to) a server without a test: for TestMain, with a deferred Stop.
func StartServer(opts ...Option) (*Server, error) {
	o := options{tls: true, clock: "manual", url: os.Getenv(URLVariable), adminToken: os.Getenv(AdminTokenVariable), startupTimeout: 30 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	server := &Server{adminToken: o.adminToken, tokens: map[string]token{}, now: time.Now}
	if o.url != "" {
		server.URL = strings.TrimRight(o.url, "/")
	} else if err := server.launch(o); err != nil {
		return nil, err
	}
	if err := server.trustCertificate(); err != nil {
		server.Stop()
		return nil, err
	}
	if _, err := server.call("GET", "/__admin/health", nil); err != nil {
		server.Stop()
		return nil, err
	}
	return server, nil
}

func (s *Server) launch(o options) error {
	binary, err := FindBinary(o.binary)
	if err != nil {
		return err
	}
	tlsMode := "off"
	if o.tls {
		tlsMode = "on"
	}
	args := []string{"serve", "--port", "0", "--data", ":memory:", "--clock", o.clock, "--tls", tlsMode, "--log-level", "warning"}
	if o.seed != nil {
		args = append(args, "--seed", strconv.FormatUint(*o.seed, 10))
	}
	for _, fixture := range o.fixtures {
		args = append(args, "--fixtures", fixture)
	}
	if o.adminToken != "" {
		args = append(args, "--admin-token", o.adminToken)
	}
	args = append(args, o.args...)
	s.process = exec.Command(binary, args...)
	s.stderr = &bytes.Buffer{}
	s.process.Stderr = &lockedWriter{buffer: s.stderr, mu: &s.mu}
	stdout, err := s.process.StdoutPipe()
	if err != nil {
		return err
	}
	if err := s.process.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", binary, err)
	}
	s.done = make(chan struct{})
	lines := make(chan string, 1)
	go func() {
		reader := bufio.NewReader(stdout)
		line, _ := reader.ReadString('\n')
		lines <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, reader) // the rest (the certificate line) is not needed
	}()
	go func() {
		_ = s.process.Wait()
		close(s.done)
	}()
	select {
	case line := <-lines:
		if strings.HasPrefix(line, "listening on ") {
			s.URL = strings.TrimPrefix(line, "listening on ")
			return nil
		}
		s.Stop()
		return fmt.Errorf("cckm-mock did not start (first line %q): %s", line, s.stderrTail())
	case <-time.After(o.startupTimeout):
		s.Stop()
		return fmt.Errorf("cckm-mock did not say it was listening within %v: %s", o.startupTimeout, s.stderrTail())
	}
}

// trustCertificate fetches the server's certificate once, the only call that does not verify it,
// and verifies every call after it against that certificate.
func (s *Server) trustCertificate() error {
	s.client = &http.Client{Timeout: 60 * time.Second}
	if !strings.HasPrefix(s.URL, "https://") {
		return nil
	}
	bootstrap := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // #nosec: fetching what is then trusted
	}}
	answer, err := bootstrap.Get(s.URL + "/__admin/tls/cert.pem")
	if err != nil {
		return fmt.Errorf("fetching the certificate: %w", err)
	}
	defer answer.Body.Close()
	s.CACertPEM, err = io.ReadAll(answer.Body)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.CACertPEM) {
		return errors.New("the server's /__admin/tls/cert.pem holds no certificate")
	}
	s.client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	return nil
}

// HTTPClient is a client that verifies the mock's certificate: hand it to the code under test.
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Timeout: 60 * time.Second, Transport: s.client.Transport}
}

// CertPool holds the mock's certificate, for a client built by the code under test.
func (s *Server) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CACertPEM)
	return pool
}

// Stop stops a server this kit started (SIGTERM, then SIGKILL after 10 s); attached ones are left
// running. Safe to call more than once.
func (s *Server) Stop() {
	if s.process == nil || s.process.Process == nil {
		return
	}
	process := s.process
	s.process = nil
	_ = process.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = process.Process.Kill()
		<-s.done
	}
	if transport, ok := s.client.Transport.(*http.Transport); ok {
		transport.CloseIdleConnections()
	}
}

// StartedHere says whether this Server runs the process (false when attached through a URL).
func (s *Server) StartedHere() bool { return s.process != nil }

func (s *Server) stderrTail() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(s.stderr.String()), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

// lockedWriter lets the process write its standard error while a failure message reads it.
type lockedWriter struct {
	buffer *bytes.Buffer
	mu     *sync.Mutex
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buffer.Write(p)
}
