package main

import (
	"fmt"
	"testing"

	"github.com/otpd/otpd/client"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/postgres/pgtest"
)

// TestBudgetsAcrossInstances: two otpd instances on one PostgreSQL and one
// Redis enforce one set of budgets. A daily budget of 10 split across
// both allows exactly 10 sends, and a client address's limit of 3 an
// hour allows 3 whichever instance the sends reach.
func TestBudgetsAcrossInstances(t *testing.T) {
	redisURL := testRedisURL(t)
	db := pgtest.NewSchema(t)
	key := otp.GenerateServerKey()
	var bases [2]string
	for i := range bases {
		base, _, stop := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(),
			"OTPD_ADMIN_TOKEN": testAdminToken, "OTPD_DATABASE_URL": db, "OTPD_REDIS_URL": redisURL,
			"OTPD_SECRET_KEY": key, "OTPD_DEFAULT_DAILY_SENDS": "10", "OTPD_DELIVERY_WORKERS": "1"})
		t.Cleanup(func() { stop() })
		bases[i] = base
	}
	apiKey := setupApp(t, bases[0])

	sent, refused := 0, 0
	for i := range 20 {
		instance := client.New(bases[i%2], apiKey)
		_, err := instance.CreateVerification(t.Context(), client.CreateVerificationRequest{To: fmt.Sprintf("+1415555%04d", 3000+i), Channel: client.SMS})
		switch {
		case err == nil:
			sent++
		case client.IsCode(err, "SEND_BUDGET_EXCEEDED"):
			refused++
		default:
			t.Fatalf("send %d through instance %d: %v", i, i%2, err)
		}
	}
	if sent != 10 || refused != 10 {
		t.Errorf("20 sends over two instances with a daily budget of 10: %d sent, %d refused; want 10 and 10", sent, refused)
	}

	// The client-address limit, on a second project whose daily budget
	// the operator lifted.
	apiKey = setupApp(t, bases[1])
	st, app := call(t, "GET", bases[1]+"/v1/projects", testAdminToken, nil)
	if st != 200 {
		t.Fatalf("list projects: %d %v", st, app)
	}
	project := app["data"].([]any)[0].(map[string]any)["id"].(string) // newest first
	if st, res := call(t, "PUT", bases[0]+"/v1/projects/"+project+"/fraud/budgets", testAdminToken, map[string]any{"dailySends": 1000, "ipPerHour": 3}); st != 200 {
		t.Fatalf("set budgets: %d %v", st, res)
	}
	sent = 0
	for i := range 8 {
		instance := client.New(bases[i%2], apiKey)
		_, err := instance.CreateVerification(t.Context(), client.CreateVerificationRequest{To: fmt.Sprintf("+1415555%04d", 4000+i), Channel: client.SMS, RemoteIP: "192.0.2.44"})
		if err == nil {
			sent++
		} else if !client.IsCode(err, "SEND_BUDGET_EXCEEDED") {
			t.Fatalf("send %d from the address: %v", i, err)
		}
	}
	if sent != 3 {
		t.Errorf("8 sends from one address over two instances with a limit of 3 an hour: %d sent, want 3", sent)
	}
}
