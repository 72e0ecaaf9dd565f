package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"regexp"
	"sync"
)

// loginCounter counts the SessionManager.Login calls the simulator answers,
// accepted or not, per user name, so that tests can tell whether a client
// contacted the vCenter at all (GET /logins on the control API). The
// simulator's own event log records only the logins it accepts.
type loginCounter struct {
	mu       sync.Mutex
	attempts int
	users    map[string]int
}

var logins = &loginCounter{users: map[string]int{}}

// A SOAP body calling Login (any namespace prefix), and its userName.
var (
	loginCall = regexp.MustCompile(`<(?:[A-Za-z0-9_]+:)?Login[\s>]`)
	loginUser = regexp.MustCompile(`(?s)<(?:[A-Za-z0-9_]+:)?userName[^>]*>(.*?)</`)
)

// wrap counts the Login calls among the requests to next.
func (c *loginCounter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.Body != nil {
			body, err := io.ReadAll(r.Body)
			_ = r.Body.Close()
			r.Body = io.NopCloser(bytes.NewReader(body))
			if err == nil && loginCall.Match(body) {
				c.count(body)
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (c *loginCounter) count(body []byte) {
	user := ""
	if m := loginUser.FindSubmatch(body); m != nil {
		var text struct {
			Value string `xml:",chardata"`
		}
		// Unescape the XML text (&amp; ...) the way the SOAP decoder does.
		if xml.Unmarshal([]byte("<u>"+string(m[1])+"</u>"), &text) == nil {
			user = text.Value
		} else {
			user = string(m[1])
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.attempts++
	c.users[user]++
}

// report answers GET /logins: {"attempts": N, "users": {"name": N, ...}}.
func (c *loginCounter) report(*http.Request) (map[string]interface{}, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	users := make(map[string]interface{}, len(c.users))
	for name, n := range c.users {
		users[name] = n
	}
	return map[string]interface{}{"attempts": c.attempts, "users": users}, nil
}
