package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// OTPD_DEFAULT_COUNTRIES: every country by default; a list is read with
// any case and spacing; an unknown code stops otpd at start-up, naming
// the variable and the code.
func TestDefaultCountriesOption(t *testing.T) {
	c, err := loadConfig(envOf(nil))
	if err != nil || c.DefaultCountries != nil {
		t.Errorf("default DefaultCountries = %v, %v; want none", c.DefaultCountries, err)
	}
	c, err = loadConfig(envOf(map[string]string{"OTPD_DEFAULT_COUNTRIES": "gb, IE"}))
	if err != nil || !slices.Equal(c.DefaultCountries, []string{"GB", "IE"}) {
		t.Errorf("DefaultCountries = %v, %v; want [GB IE]", c.DefaultCountries, err)
	}
	_, err = loadConfig(envOf(map[string]string{"OTPD_DEFAULT_COUNTRIES": "GB,UK"}))
	if err == nil || !strings.Contains(err.Error(), "OTPD_DEFAULT_COUNTRIES") || !strings.Contains(err.Error(), `"UK"`) {
		t.Errorf("OTPD_DEFAULT_COUNTRIES=GB,UK: %v, want an error naming the variable and UK", err)
	}
}

// A project created on a server with OTPD_DEFAULT_COUNTRIES allows only
// those countries until its owner changes its geo permissions.
func TestDefaultCountriesServe(t *testing.T) {
	url, _, _ := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(),
		"OTPD_ADMIN_TOKEN": testAdminToken, "OTPD_DEFAULT_COUNTRIES": "GB,IE"})
	status, body := call(t, "POST", url+"/v1/projects", testAdminToken, map[string]any{"name": "P"})
	if status != 201 {
		t.Fatalf("create project: %d %v", status, body)
	}
	id := body["data"].(map[string]any)["id"].(string)
	status, body = call(t, "GET", url+"/v1/projects/"+id+"/fraud/geo", testAdminToken, nil)
	def := body["data"].(map[string]any)["geo"].(map[string]any)["default"].(map[string]any)
	if status != 200 || def["mode"] != "allow" || fmt.Sprint(def["countries"]) != "[GB IE]" {
		t.Errorf("a new project's default geo rules: %d %v, want allow [GB IE]", status, def)
	}
}
