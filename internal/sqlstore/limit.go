package sqlstore

import "strconv"

// limitClause is " LIMIT n" with n written into the SQL. SQLite's planner
// reads a bound LIMIT's value, which ties the prepared statement to it:
// every execution rebinds the parameter, and the statement is prepared
// again each time (a quarter of the cost of an empty outbox claim). So the
// queries otpd runs in its loops, with a limit fixed by the caller, write
// it in. The list endpoints keep a bound LIMIT: their limit comes from the
// request, and a statement per value would fill the statement cache.
func limitClause(n int) string {
	return " LIMIT " + strconv.Itoa(max(n, 0))
}
