// Added by waggle's local stack (platform/stack/src/artifacts.ts).

package handler

import "sync"

// waggleNamespaceLocks holds one mutex per "database.collection".
//
// FerretDB v1 runs update, findAndModify and delete as read, change in Go, write back, with nothing between the
// read and the write: two concurrent $inc of one document lost about half their increments, a conditional update
// could write over a newer one, and concurrent upserts of one new _id failed with E11000. MongoDB applies each
// single-document write atomically; holding this lock across the read and the write gives the same answer.
var waggleNamespaceLocks sync.Map

// waggleLockNamespace locks the collection's read-modify-write commands and returns the unlock function.
func waggleLockNamespace(db, collection string) func() {
	lock, _ := waggleNamespaceLocks.LoadOrStore(db+"."+collection, new(sync.Mutex))
	mu := lock.(*sync.Mutex)
	mu.Lock()

	return mu.Unlock
}
