package sqlstore

import (
	"reflect"
	"testing"
)

func TestCombineWrites(t *testing.T) {
	one := rowWrite{"a", `INSERT INTO a (x, y) VALUES ($1, $2)`, []any{1, 2}}
	two := rowWrite{"b", `UPDATE b SET x = $2 WHERE id = $1`, []any{"id", 3}}
	three := rowWrite{"c", `INSERT INTO c (x, y, z) VALUES ($1, $2, $2 + $3)`, []any{4, 5, 6}}

	q, args := combineWrites([]rowWrite{one})
	if q != one.sql || !reflect.DeepEqual(args, one.args) {
		t.Errorf("one write = %q %v, want it unchanged", q, args)
	}
	q, args = combineWrites([]rowWrite{one, two, three})
	want := `WITH w0 AS (INSERT INTO a (x, y) VALUES ($1, $2)), w1 AS (UPDATE b SET x = $4 WHERE id = $3) ` +
		`INSERT INTO c (x, y, z) VALUES ($5, $6, $6 + $7)`
	if q != want {
		t.Errorf("combined =\n%s\nwant\n%s", q, want)
	}
	if wantArgs := []any{1, 2, "id", 3, 4, 5, 6}; !reflect.DeepEqual(args, wantArgs) {
		t.Errorf("args = %v, want %v", args, wantArgs)
	}
}
