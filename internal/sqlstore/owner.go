package sqlstore

import (
	"context"
	"fmt"
	"strings"
)

// maxOwnerArms is the most applications of one owner that a list across
// them reads one by one (see ownerList). SQLite allows 500 arms in a
// compound SELECT; a console owner has a handful of applications.
const maxOwnerArms = 100

// argList collects a query's arguments and numbers their placeholders.
// A placeholder may appear several times in the query: PostgreSQL and
// SQLite bind $n by its number.
type argList []any

// add appends v and returns its placeholder.
func (l *argList) add(v any) string {
	*l = append(*l, v)
	return fmt.Sprintf("$%d", len(*l))
}

// ownerApps returns the ids of the applications of owner's projects.
func (s *Store) ownerApps(ctx context.Context, owner string) ([]string, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT a.id FROM applications a JOIN projects p ON p.id = a.project_id WHERE p.owner_id = $1 ORDER BY a.id`, owner)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// ownerList writes a list query over the applications of owner's
// projects, newest first. With a few applications (at most
// maxOwnerArms) each is read on its own through its (app_id, …) index,
// up to the page size, and the arms are merged and cut to the page again:
// the work is the page times the applications, however long their
// history, where one query filtering the whole table by owner could read
// every other tenant's rows first. More applications are read by one
// query with an IN subquery, left to the planner.
//
// arm writes the whole query of one arm, ORDER BY and LIMIT included,
// given its application condition; appCol is the application column as
// arm names it, order the ORDER BY of the merge in the arms' output
// column names and limit the placeholder of the page size. ok is false
// when owner has no application, and nothing is to be read.
func (s *Store) ownerList(ctx context.Context, owner string, args *argList, arm func(appCond string) string,
	appCol, order, limit string) (q string, ok bool, err error) {
	ids, err := s.ownerApps(ctx, owner)
	if err != nil || len(ids) == 0 {
		return "", false, err
	}
	if len(ids) > maxOwnerArms {
		return arm(ownerAppsCondition(appCol, owner, args)), true, nil
	}
	arms := make([]string, len(ids))
	for i, id := range ids {
		arms[i] = fmt.Sprintf(`SELECT * FROM (%s) AS arm%d`, arm(appCol+" = "+args.add(id)), i)
	}
	return strings.Join(arms, " UNION ALL ") + " ORDER BY " + order + " LIMIT " + limit, true, nil
}

// ownerAppsCondition is the condition that appCol names an application
// of owner's projects.
func ownerAppsCondition(appCol, owner string, args *argList) string {
	return appCol + ` IN (SELECT a.id FROM applications a JOIN projects p ON p.id = a.project_id WHERE p.owner_id = ` + args.add(owner) + `)`
}
