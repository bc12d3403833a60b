package sqlstore

import "time"

// CommitObserver is told of every write transaction the store commits:
// how long it took from its start to the end of its COMMIT, and how many
// requests it held. On SQLite a transaction is a group commit's batch
// (commit.go); on PostgreSQL every transaction holds one request.
// It runs on the commit path, so it must be quick.
type CommitObserver func(took time.Duration, requests int)

// ObserveCommits makes f hear of every commit from now on.
func (s *Store) ObserveCommits(f CommitObserver) { s.observer.Store(&f) }

// observeCommit reports a commit of a transaction begun at begin.
func (s *Store) observeCommit(begin time.Time, requests int) {
	if f := s.observer.Load(); f != nil {
		(*f)(time.Since(begin), requests)
	}
}
