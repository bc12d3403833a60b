package sqlite

// OpenWithWriter is Open that also returns the store's one write
// connection, for tests that change its per-connection settings.
var OpenWithWriter = open
