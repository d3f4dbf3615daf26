// Added by waggle's local stack (platform/stack/src/artifacts.ts).

package sqlite

import "sync"

// waggleWriteLocks holds one mutex per database (one SQLite file).
//
// SQLite lets one writer at a time into a database; FerretDB opens up to 100 connections per database, so concurrent
// writers collide and all but one get SQLITE_BUSY, whose busy handler sleeps in steps of up to 100 ms before trying
// again: 8 concurrent writers on one database saw p99 0.4-1.5 s for writes a lone writer does in 1.5 ms. Queueing
// the writers of a database here hands the lock over the moment it is free.
var waggleWriteLocks sync.Map

// waggleLockWrites takes the database's write lock and returns the unlock function.
func waggleLockWrites(dbName string) func() {
	lock, _ := waggleWriteLocks.LoadOrStore(dbName, new(sync.Mutex))
	mu := lock.(*sync.Mutex)
	mu.Lock()

	return mu.Unlock
}
