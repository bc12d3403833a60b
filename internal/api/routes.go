package api

import "net/http"

type authKind int

const (
	authNone    authKind = iota
	authConsole          // Authorization: Bearer <admin token>
	authApp              // Authorization: Bearer <apiKey>
	// authConsoleOrApp takes either: the console names the application
	// with ?appId=, an API key is its own application's.
	authConsoleOrApp
)

// route is one endpoint. The same table registers the handlers and
// generates the OpenAPI document, so the two cannot drift apart.
type route struct {
	method, path string
	summary      string
	auth         authKind
	status       int // success status
	request      any // request body type, nil if none
	response     any // type of "data", nil for 204
	list         bool
	// audit records even a GET of this console route in the audit log
	// (console routes that change something always are).
	audit bool
	// auditKeys records calls made with an API key too, as the
	// application's.
	auditKeys bool
	// appOptional lets the console leave out ?appId= on an
	// authConsoleOrApp route: the handler then reads every application
	// the caller may see (appOrNil is nil).
	appOptional bool
	// apiKeyHeader accepts the API key in an x-api-key header as well as
	// in Authorization: Bearer, as Cobinar documents for the user lookup.
	apiKeyHeader bool
	// secret: the answer carries a secret or a code (credentials, a
	// token, test-inbox codes), so it is sent with Cache-Control: no-store,
	// errors included.
	secret bool
	// also is a second success answer the route may give (open sign-up's 202).
	also    *answer
	handler handlerFunc
}

// answer is a success status and the type of its "data".
type answer struct {
	status   int
	response any
	summary  string
}

// routes lists every endpoint of the native API.
func (s *Server) routes() []route {
	return []route{
		{method: "GET", path: "/v1/health", summary: "Liveness and version", auth: authNone, status: 200, response: healthView{}, handler: s.health},
		{method: "GET", path: "/v1/ready", summary: "Readiness: 200 when the database (and Redis, when configured) answer; 503 UNAVAILABLE with Retry-After while migrations run, after shutdown began, or when a check fails (details.checks)", auth: authNone, status: 200, response: readyView{}, handler: s.ready},
		{method: "GET", path: "/openapi.json", summary: "This document", auth: authNone, status: 200, handler: s.openAPIDoc},

		{method: "POST", path: "/v1/developers", summary: "Create a developer account (admin token only)", auth: authConsole, status: 201, request: developerRequest{}, response: developerView{}, handler: s.createDeveloper},
		{method: "GET", path: "/v1/developers", summary: "List developer accounts (admin token)", auth: authConsole, status: 200, response: developerView{}, list: true, handler: s.listDevelopers},
		{method: "PATCH", path: "/v1/developers/{id}", summary: "Set a developer's plan or virtual phone number (admin token)", auth: authConsole, status: 200, request: planRequest{}, response: developerView{}, handler: s.setPlan},
		{method: "POST", path: "/v1/developers/{id}/suspend", summary: "Suspend a developer (admin token): their sessions and ID tokens are refused, and so is every call with the keys of their applications (403 developer_suspended); their data is kept", auth: authConsole, status: 200, response: developerView{}, handler: s.suspendDeveloper},
		{method: "POST", path: "/v1/developers/{id}/reactivate", summary: "Lift a developer's suspension (admin token)", auth: authConsole, status: 200, response: developerView{}, handler: s.reactivateDeveloper},
		{method: "DELETE", path: "/v1/developers/{id}", summary: "Delete a developer account with its sessions (admin token); refused (409 developer_has_projects) while the developer owns projects", auth: authConsole, status: 204, handler: s.deleteDeveloper},
		{method: "POST", path: "/v1/developers/{id}/sessions/revoke", summary: "End every console session of a developer at once (admin token); ID tokens issued before now are refused too", auth: authConsole, status: 204, handler: s.revokeDeveloperSessions},
		{method: "POST", path: "/v1/developers/{id}/password-reset", summary: "Make a single-use password-reset token for a developer (admin token), valid 24 hours, shown once; it replaces earlier ones", auth: authConsole, status: 201, response: passwordResetView{}, secret: true, handler: s.createPasswordReset},
		{method: "POST", path: "/v1/invitations", summary: "Invite a person to create a developer account for an email (admin token); the token is shown once and works once, for 7 days", auth: authConsole, status: 201, request: invitationRequest{}, response: invitationView{}, secret: true, handler: s.invite},
		{method: "POST", path: "/v1/auth/signup", summary: "Create your developer account with an invitation (201, the account), or when the operator opened sign-up (OTPD_OPEN_SIGNUP=1: 202, the same answer whether or not the email had an account)", auth: authNone, status: 201, request: signupRequest{}, response: developerView{},
			also: &answer{status: 202, response: signupView{}, summary: "Open sign-up: if the email had no account, it has one now; sign in with your password"}, handler: s.signup},
		{method: "POST", path: "/v1/auth/login", summary: "Sign in: a console session token for 12 hours", auth: authNone, status: 200, request: loginRequest{}, response: sessionView{}, secret: true, handler: s.login},
		{method: "POST", path: "/v1/auth/logout", summary: "End this session", auth: authConsole, status: 204, handler: s.logout},
		{method: "POST", path: "/v1/auth/logout-all", summary: "End every session of your account, this one included", auth: authConsole, status: 204, handler: s.logoutAll},
		{method: "POST", path: "/v1/auth/password", summary: "Change your password, given the current one: every session of your account ends, and the answer carries a new one for this client", auth: authConsole, status: 200, request: passwordChangeRequest{}, response: sessionView{}, secret: true, handler: s.changePassword},
		{method: "POST", path: "/v1/auth/password-reset", summary: "Set a new password with the operator's password-reset token (works once, for 24 hours); every session of the account ends", auth: authNone, status: 200, request: passwordResetRequest{}, response: developerView{}, handler: s.resetPassword},
		{method: "GET", path: "/v1/developer/me", summary: "Your developer account (the plan and the virtual phone number are read-only)", auth: authConsole, status: 200, response: developerView{}, handler: s.me},
		{method: "PATCH", path: "/v1/developer/me", summary: "Change your name or company", auth: authConsole, status: 200, request: developerRequest{}, response: developerView{}, handler: s.updateMe},
		{method: "POST", path: "/v1/projects", summary: "Create a project", auth: authConsole, status: 201, request: projectRequest{}, response: projectView{}, handler: s.createProject},
		{method: "GET", path: "/v1/projects", summary: "List projects, newest first", auth: authConsole, status: 200, response: projectView{}, list: true, handler: s.listProjects},
		{method: "GET", path: "/v1/projects/{id}", summary: "Fetch a project", auth: authConsole, status: 200, response: projectView{}, handler: s.getProject},
		{method: "PATCH", path: "/v1/projects/{id}", summary: "Update a project's name, description or policy", auth: authConsole, status: 200, request: projectRequest{}, response: projectView{}, handler: s.updateProject},
		{method: "DELETE", path: "/v1/projects/{id}", summary: "Delete a project without applications", auth: authConsole, status: 204, handler: s.deleteProject},

		{method: "PUT", path: "/v1/projects/{id}/approved-sender-ids", summary: "Set the sender ids the project's sends may name in callerId (admin token): E.164 numbers or alphanumeric ids of at most 11 characters; a send naming another is refused (403 sender_id_not_approved), except on the operator's own projects", auth: authConsole, status: 200, request: senderIDsRequest{}, response: projectView{}, handler: s.setApprovedSenderIDs},
		{method: "GET", path: "/v1/projects/{id}/fraud/test-numbers", summary: "The project's test numbers: destinations with a fixed code that never send and count against no limit, budget, credit or quota (for app-store reviewers and end-to-end tests)", auth: authConsole, status: 200, response: testNumbersView{}, secret: true, handler: s.getTestNumbers},
		{method: "PUT", path: "/v1/projects/{id}/fraud/test-numbers", summary: "Replace the project's test numbers (at most 50; each code 4 to 10 digits). A verification to one takes its code, reads as delivered at once, and writes no message", auth: authConsole, status: 200, request: testNumbersView{}, response: testNumbersView{}, secret: true, handler: s.setTestNumbers},
		{method: "GET", path: "/v1/projects/{id}/fraud/safelist", summary: "The project's safelist: destinations that skip the send budgets (not the geo rules)", auth: authConsole, status: 200, response: safelistView{}, handler: s.getSafelist},
		{method: "PUT", path: "/v1/projects/{id}/fraud/safelist", summary: "Replace the project's safelist (at most 100 phone numbers or email addresses; an address covers its +tag variants)", auth: authConsole, status: 200, request: safelistView{}, response: safelistView{}, handler: s.setSafelist},
		{method: "POST", path: "/v1/projects/{id}/templates/approve", summary: "Put the project's pending template overrides in use (admin token), naming their submittedAt: 409 pending_templates_changed when the owner saved others since", auth: authConsole, status: 200, request: templateDecisionRequest{}, response: projectView{}, handler: s.approveTemplates},
		{method: "POST", path: "/v1/projects/{id}/templates/reject", summary: "Drop the project's pending template overrides (admin token), naming their submittedAt; the approved ones stay in use", auth: authConsole, status: 200, request: templateDecisionRequest{}, response: projectView{}, handler: s.rejectTemplates},
		{method: "GET", path: "/v1/projects/{id}/fraud/geo", summary: "The project's geo permissions (per channel: a country allow- or deny-list and number prefix rules, the longest matching prefix deciding first) and the number types it sends to", auth: authConsole, status: 200, response: geoSettingsView{}, handler: s.getGeoSettings},
		{method: "PUT", path: "/v1/projects/{id}/fraud/geo", summary: "Replace the project's geo permissions and allowed number types (owner or operator); sends elsewhere are refused with 403 GEO_NOT_ALLOWED or NUMBER_TYPE_NOT_ALLOWED", auth: authConsole, status: 200, request: geoSettingsView{}, response: geoSettingsView{}, handler: s.setGeoSettings},
		{method: "GET", path: "/v1/projects/{id}/fraud/budgets", summary: "Fetch the project's send budgets: mode, rules by country and prefix, the learnt budgets (read-only), dailySends, the client-address and guess limits", auth: authConsole, status: 200, response: sendBudgetsView{}, handler: s.getSendBudgets},
		{method: "PUT", path: "/v1/projects/{id}/fraud/budgets", summary: "Replace the project's send budgets; learnt is the detector's and kept; changing dailySends is the operator's (403 operator_only)", auth: authConsole, status: 200, request: sendBudgetsRequest{}, response: sendBudgetsView{}, handler: s.setSendBudgets},
		{method: "GET", path: "/v1/projects/{id}/fraud/detector", summary: "The pumping detector's settings of the project, defaults filled in", auth: authConsole, status: 200, response: detectorView{}, handler: s.getDetector},
		{method: "PUT", path: "/v1/projects/{id}/fraud/detector", summary: "Replace the pumping detector's settings (a field left out, or 0, takes its default; enabled false turns the detector off for the project)", auth: authConsole, status: 200, request: detectorRequest{}, response: detectorView{}, handler: s.setDetector},
		{method: "GET", path: "/v1/projects/{id}/fraud/blocks", summary: "The prefixes the project's sends may not go to now, set by the pumping detector or by hand, with why and until when", auth: authConsole, status: 200, response: blockView{}, list: true, handler: s.listPrefixBlocks},
		{method: "POST", path: "/v1/projects/{id}/fraud/blocks", summary: "Block sends to a prefix by hand for some minutes (a block of the same prefix is replaced); sends to it are refused with 429 PREFIX_BLOCKED", auth: authConsole, status: 201, request: blockRequest{}, response: blockView{}, handler: s.blockPrefix},
		{method: "DELETE", path: "/v1/projects/{id}/fraud/blocks/{prefix}", summary: "Release a block at once (the prefix URL-encoded: %2B88216); 404 when the prefix has no active block", auth: authConsole, status: 204, handler: s.releasePrefix},
		{method: "POST", path: "/v1/projects/{id}/credits", summary: "Add to the project's prepaid balance (and turn it on: live sends then need a positive balance)", auth: authConsole, status: 200, request: creditsRequest{}, response: projectView{}, handler: s.addCredits},
		{method: "POST", path: "/v1/applications", summary: "Create an application and its credentials", auth: authConsole, status: 201, request: applicationRequest{}, response: createdApplicationView{}, secret: true, handler: s.createApplication},
		{method: "GET", path: "/v1/applications", summary: "List applications (?projectId=)", auth: authConsole, status: 200, response: applicationView{}, list: true, handler: s.listApplications},
		{method: "GET", path: "/v1/applications/{id}", summary: "Fetch an application with masked credentials", auth: authConsole, status: 200, response: applicationView{}, handler: s.getApplication},
		{method: "PATCH", path: "/v1/applications/{id}", summary: "Update an application's name, status, allowedOrigins (sites whose pages may use the session flow) or returnUrls (where the hosted page may send a person back)", auth: authConsole, status: 200, request: applicationRequest{}, response: applicationView{}, handler: s.updateApplication},
		{method: "POST", path: "/v1/applications/{id}/operator-disable", summary: "Disable an application on the operator's authority (admin token): its keys are refused (403 operator_disabled) until the operator enables it again, whatever its owner sets as status", auth: authConsole, status: 200, response: applicationView{}, handler: s.operatorDisableApplication},
		{method: "POST", path: "/v1/applications/{id}/operator-enable", summary: "Lift the operator's hold on an application (admin token); the owner's status applies again", auth: authConsole, status: 200, response: applicationView{}, handler: s.operatorEnableApplication},
		{method: "DELETE", path: "/v1/applications/{id}", summary: "Delete an application and its data", auth: authConsole, status: 204, handler: s.deleteApplication},
		{method: "GET", path: "/v1/applications/{id}/webhook-secret", summary: "Reveal the application's webhook secret in full", auth: authConsole, status: 200, response: webhookSecretView{}, audit: true, secret: true, handler: s.revealWebhookSecret},
		{method: "POST", path: "/v1/applications/{id}/rotate/{type}", summary: "Rotate a credential: secret, api or webhook_secret", auth: authConsole, status: 200, response: rotationView{}, secret: true, handler: s.rotateCredential},
		{method: "POST", path: "/v1/applications/{id}/keys", summary: "Create one more API key for the application: scope full or read (GET calls only), and an optional allow-list of IPv4/IPv6 addresses and CIDR blocks (a call from elsewhere is 401). The key is shown this once; at most 20 per application", auth: authConsole, status: 201, request: apiKeyRequest{}, response: createdAPIKeyView{}, secret: true, handler: s.createAPIKey},
		{method: "GET", path: "/v1/applications/{id}/keys", summary: "List the application's API keys, masked: its own key first (id primary, rotated rather than revoked), then the others, oldest first", auth: authConsole, status: 200, response: apiKeyView{}, list: true, handler: s.listAPIKeys},
		{method: "DELETE", path: "/v1/applications/{id}/keys/{keyId}", summary: "Revoke an API key: refused at once (by other otpd instances sharing the database within their 2 s read cache)", auth: authConsole, status: 204, handler: s.revokeAPIKey},
		{method: "POST", path: "/v1/applications/{id}/test-send", summary: "Send a verification for the application from the console, without its API key: as POST /v1/verifications (same validation, limits, quotas and credits)", auth: authConsole, status: 201, request: testSendRequest{}, response: verificationView{}, handler: s.testSend},

		{method: "POST", path: "/v1/verifications", summary: "Send a code", auth: authApp, status: 201, request: createVerificationRequest{}, response: verificationView{}, handler: s.createVerification},
		{method: "GET", path: "/v1/verifications", summary: "List verifications, newest first", auth: authApp, status: 200, response: verificationView{}, list: true, handler: s.listVerifications},
		{method: "GET", path: "/v1/verifications/{id}", summary: "Fetch a verification", auth: authApp, status: 200, response: verificationView{}, handler: s.getVerification},
		{method: "POST", path: "/v1/verifications/check", summary: "Check a code against the latest pending verification of a destination", auth: authApp, status: 200, request: checkDestinationRequest{}, response: checkView{}, handler: s.checkDestination},
		{method: "POST", path: "/v1/verifications/{id}/check", summary: "Check a code", auth: authApp, status: 200, request: checkRequest{}, response: checkView{}, handler: s.checkVerification},
		{method: "POST", path: "/v1/verifications/{id}/resend", summary: "Send the same code again, optionally on another channel", auth: authApp, status: 200, request: resendRequest{}, response: verificationView{}, handler: s.resendVerification},
		{method: "POST", path: "/v1/webhooks", summary: "Register a webhook endpoint of an application: an https URL on port 443, 80, 8080 or 8443, unless the operator allows plain http (OTPD_WEBHOOK_ALLOW_HTTP) or other ports (OTPD_WEBHOOK_ALLOWED_PORTS)", auth: authConsole, status: 201, request: webhookRequest{}, response: webhookView{}, handler: s.createWebhook},
		{method: "GET", path: "/v1/webhooks", summary: "List webhook endpoints (?appId=)", auth: authConsole, status: 200, response: webhookView{}, list: true, handler: s.listWebhooks},
		{method: "GET", path: "/v1/webhooks/{id}", summary: "Fetch a webhook endpoint", auth: authConsole, status: 200, response: webhookView{}, handler: s.getWebhook},
		{method: "PATCH", path: "/v1/webhooks/{id}", summary: "Change a webhook endpoint's url, events, signing or status", auth: authConsole, status: 200, request: webhookRequest{}, response: webhookView{}, handler: s.updateWebhook},
		{method: "DELETE", path: "/v1/webhooks/{id}", summary: "Delete a webhook endpoint and its delivery log", auth: authConsole, status: 204, handler: s.deleteWebhook},
		{method: "POST", path: "/v1/webhooks/{id}/test", summary: "Send one signed sample event to the endpoint now and report the outcome", auth: authConsole, status: 200, response: webhookResultView{}, handler: s.testWebhook},
		{method: "GET", path: "/v1/webhooks/{id}/deliveries", summary: "The endpoint's delivery log, newest first (?limit ≤ 200, ?cursor)", auth: authConsole, status: 200, response: webhookDeliveryView{}, list: true, handler: s.listWebhookDeliveries},
		{method: "GET", path: "/v1/webhooks/{id}/deliveries/{deliveryId}", summary: "One delivery with every request made for it", auth: authConsole, status: 200, response: webhookDeliveryView{}, handler: s.getWebhookDelivery},
		{method: "POST", path: "/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver", summary: "Queue a delivery again now, whatever its status", auth: authConsole, status: 200, response: webhookDeliveryView{}, handler: s.redeliverWebhook},
		{method: "GET", path: "/v1/analytics/summary", summary: "Requests, verifications, success rate, active users and cost, by channel and country (?appId, ?channel, ?country, ?from, ?to as YYYY-MM-DD, at most 400 days apart; default the last 30 days)", auth: authConsole, status: 200, response: summaryView{}, handler: s.analyticsSummary},
		{method: "GET", path: "/v1/analytics/timeseries", summary: "Daily sent, verified and failed (?range=7d|30d|90d, ?appId, ?channel, ?country)", auth: authConsole, status: 200, response: timeseriesView{}, handler: s.analyticsTimeseries},
		{method: "GET", path: "/v1/audit", summary: "The audit log of console actions, newest first (?limit ≤ 200, ?cursor)", auth: authConsole, status: 200, response: auditView{}, list: true, handler: s.listAudit},
		{method: "GET", path: "/v1/users", summary: "List users (destinations that verified), the most recently verified first: the API key's application's, or with the console token those of ?appId= or, without it, of every application you may see (?limit ≤ 200, ?cursor)", auth: authConsoleOrApp, appOptional: true, status: 200, response: userView{}, list: true, handler: s.listUsers},
		{method: "GET", path: "/v1/users/{phoneNumber}", summary: "Fetch the user of a phone number or email (URL-encoded): of the API key's application (Authorization: Bearer or x-api-key), or with the console token of ?appId= or, without it, added up over every application you may see", auth: authConsoleOrApp, appOptional: true, apiKeyHeader: true, status: 200, response: userView{}, handler: s.getUser},
		{method: "DELETE", path: "/v1/users/{phoneNumber}", summary: "Erase a user (GDPR art. 17): the user record, finished verifications with their messages and events, and test-inbox messages of a phone number or email (URL-encoded), in the API key's application, or with the console token in ?appId= or, without it, in every application you may see (the operator's erasure also removes messenger chat links). The daily analytics rollup, which names no one, is kept; verifications still running are counted in remaining. 404 when nothing of the destination is stored there. Audited", auth: authConsoleOrApp, appOptional: true, apiKeyHeader: true, status: 200, response: erasureView{}, auditKeys: true, handler: s.eraseUser},
		{method: "GET", path: "/v1/logs", summary: "The event log, newest first, of every application you may see or of ?appId (?verificationId, ?type, ?from and ?to as RFC 3339 times, ?limit ≤ 200, ?cursor)", auth: authConsole, status: 200, response: logView{}, list: true, handler: s.listLogs},
		{method: "GET", path: "/v1/otp", summary: "List verifications of every application you may see, or of ?appId, newest first (?status, ?limit, ?cursor)", auth: authConsole, status: 200, response: verificationView{}, list: true, handler: s.listAllVerifications},
		{method: "GET", path: "/v1/otp/{id}", summary: "Fetch any application's verification", auth: authConsole, status: 200, response: verificationView{}, handler: s.getAnyVerification},
		{method: "GET", path: "/v1/verifications/{id}/messages", summary: "List the messages sent for a verification: provider, status, cost, times (?appId= with the console token)", auth: authConsoleOrApp, status: 200, response: messageView{}, list: true, handler: s.listMessages},
		{method: "POST", path: "/v1/verifications/{id}/cancel", summary: "Cancel a pending verification", auth: authApp, status: 200, response: verificationView{}, handler: s.cancelVerification},

		{method: "GET", path: "/v1/test/messages", summary: "Test inbox of a test application (?to=, ?appId= with the console token)", auth: authConsoleOrApp, status: 200, response: testMessageView{}, list: true, secret: true, audit: true, handler: s.testMessages},
	}
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	writeData(w, http.StatusOK, healthView{Status: "operational", Service: "otpd", Version: s.version, Time: s.svc.Now()})
	return nil
}

func (s *Server) openAPIDoc(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Write(s.openapi)
	return nil
}
