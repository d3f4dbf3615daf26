// Added to FerretDB's SQLite backend by waggle's stack build (see platform/stack/src/artifacts.ts).
//
// FerretDB v1.24 pushes only `{_id: <string or ObjectID>}` down to SQLite; `{_id: {$in: [...]}}` is fetched by a
// full table scan and filtered in Go. This pushes the `$in` form down as `WHERE <_id> IN (...)`, answered from the
// unique `_id` index, as MongoDB answers it. Equality on the marshalled value is exact, and the handler still
// applies the whole filter to what comes back, so the result is unchanged: only the scan goes.

package sqlite

import (
	"fmt"
	"strings"

	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
)

// waggleMaxIDIn bounds the pushed-down list well below SQLite's bound-parameter limit.
const waggleMaxIDIn = 10_000

// waggleIDIn returns the WHERE clause and arguments for `{$in: [string | ObjectID, ...]}`,
// or an empty clause when the condition has any other shape (the caller then scans, as before).
func waggleIDIn(v any) (string, []any) {
	cond, ok := v.(*types.Document)
	if !ok || cond.Len() != 1 {
		return "", nil
	}

	list, err := cond.Get("$in")
	if err != nil {
		return "", nil
	}

	values, ok := list.(*types.Array)
	if !ok || values.Len() == 0 || values.Len() > waggleMaxIDIn {
		return "", nil
	}

	args := make([]any, 0, values.Len())

	for i := 0; i < values.Len(); i++ {
		value, err := values.Get(i)
		if err != nil {
			return "", nil
		}

		switch value.(type) {
		case string, types.ObjectID:
			marshalled, err := sjson.MarshalSingleValue(value)
			if err != nil {
				return "", nil
			}

			args = append(args, string(marshalled))
		default:
			return "", nil
		}
	}

	placeholders := strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")

	return fmt.Sprintf(` WHERE %s IN (%s)`, metadata.IDColumn, placeholders), args
}
