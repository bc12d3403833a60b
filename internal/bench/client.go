package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// maxResponse bounds what is read of one answer; otpd's are far smaller.
const maxResponse = 1 << 20

// client speaks otpd's native API for the benchmark.
type client struct {
	http *http.Client
	base string // BaseURL without a trailing slash
}

func newClient(base string, concurrency int) *client {
	transport := &http.Transport{
		// The target is a local server: a proxy from the environment,
		// meant for the internet, must not sit in between.
		Proxy: nil,
		DialContext: (&net.Dialer{
			Timeout:   5 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		// One idle connection per worker, so every worker keeps its
		// connection between requests; the default of 2 per host would
		// make the others dial anew each time and measure TCP setup.
		MaxIdleConns:        2 * concurrency,
		MaxIdleConnsPerHost: concurrency,
		IdleConnTimeout:     90 * time.Second,
		// Answers are small; gzip would only spend CPU on both sides.
		DisableCompression: true,
	}
	return &client{
		http: &http.Client{Transport: transport, Timeout: 30 * time.Second},
		base: base,
	}
}

func (c *client) close() { c.http.CloseIdleConnections() }

// do sends one request with a JSON body (none when body is nil) and reads the
// whole answer into resp, so the connection goes back to the pool. It
// returns the HTTP status and headers; an error means no answer was read.
func (c *client) do(ctx context.Context, method, url, auth string, body []byte, resp *bytes.Buffer) (int, http.Header, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	resp.Reset()
	if _, err := resp.ReadFrom(io.LimitReader(res.Body, maxResponse)); err != nil {
		return 0, nil, err
	}
	return res.StatusCode, res.Header, nil
}

// createTestApplication creates a project and a test application in it
// with the admin token and returns the application's API key. A test
// application, because its messages land in the test inbox, where the
// check phase reads the codes, and never reach a real phone.
func (c *client) createTestApplication(ctx context.Context, adminToken, name string, defences bool, log io.Writer) (string, error) {
	auth := "Bearer " + adminToken
	var project struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := c.console(ctx, auth, "/v1/projects", map[string]string{"name": name}, &project); err != nil {
		return "", fmt.Errorf("create project: %w", err)
	}
	if project.Data.ID == "" {
		return "", fmt.Errorf("create project: the answer has no data.id")
	}
	var app struct {
		Data struct {
			ID     string `json:"id"`
			APIKey string `json:"apiKey"`
		} `json:"data"`
	}
	body := map[string]string{"name": name, "projectId": project.Data.ID, "environment": "test"}
	if err := c.console(ctx, auth, "/v1/applications", body, &app); err != nil {
		return "", fmt.Errorf("create application: %w", err)
	}
	if app.Data.APIKey == "" {
		return "", fmt.Errorf("create application: the answer has no data.apiKey")
	}
	// A new project may send OTPD_DEFAULT_DAILY_SENDS a day; the bench
	// sends more, so as the operator it lifts the bound.
	budgets := benchBudgets(defences)
	if err := c.put(ctx, auth, "/v1/projects/"+project.Data.ID+"/fraud/budgets", budgets); err != nil {
		return "", fmt.Errorf("set the project's send budgets: %w", err)
	}
	// The pumping detector blocks a prefix whose sends grow while its
	// conversion falls: what a prefill is, its codes never checked. The
	// bench measures requests, not the detector (which runs beside them,
	// once a minute), so it turns it off for its project.
	if err := c.put(ctx, auth, "/v1/projects/"+project.Data.ID+"/fraud/detector", map[string]any{"enabled": false}); err != nil {
		return "", fmt.Errorf("turn off the project's pumping detector: %w", err)
	}
	if defences {
		if err := c.turnOnDefences(ctx, auth, project.Data.ID); err != nil {
			return "", err
		}
	}
	fmt.Fprintf(log, "setup    project=%s application=%s environment=test\n", project.Data.ID, app.Data.ID)
	return app.Data.APIKey, nil
}

// put PUTs in to a console endpoint and wants a 200 answer.
func (c *client) put(ctx context.Context, auth, path string, in any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	var resp bytes.Buffer
	status, _, err := c.do(ctx, http.MethodPut, c.base+path, auth, body, &resp)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return answerError(status, resp.Bytes())
	}
	return nil
}

// console POSTs in to a console endpoint and decodes a 201 answer into out.
func (c *client) console(ctx context.Context, auth, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	var resp bytes.Buffer
	status, _, err := c.do(ctx, http.MethodPost, c.base+path, auth, body, &resp)
	if err != nil {
		return err
	}
	if status != http.StatusCreated {
		return answerError(status, resp.Bytes())
	}
	if err := json.Unmarshal(resp.Bytes(), out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

// answerError describes an unsuccessful answer by its status and, when the
// body is otpd's error shape, its error code and message.
func answerError(status int, body []byte) error {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Code != "" {
		return fmt.Errorf("HTTP %d %s: %s", status, e.Error.Code, e.Error.Message)
	}
	return fmt.Errorf("HTTP %d", status)
}
